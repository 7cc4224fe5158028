import { type DomainError, type ErrorKind } from '#libs/kernel';

/** Nekzus's numeric codes, kept for clients that read them; codes without one omit the field. */
const NUMERIC: Record<string, number> = {
  TOKEN_EXPIRED: 1001,
  TOKEN_INVALID: 1002,
  TOKEN_REVOKED: 1003,
  DEVICE_REVOKED: 1004,
  AUTH_REQUIRED: 1005,
  PERMISSION_DENIED: 2001,
  RESOURCE_FORBIDDEN: 2002,
  RESOURCE_NOT_FOUND: 3001,
  RATE_LIMITED: 4001,
  BAD_REQUEST: 5001,
  INVALID_BOOTSTRAP: 5002,
  VALIDATION_FAILED: 5003,
  INTERNAL_ERROR: 6001,
  BAD_GATEWAY: 6002,
};

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/** The contract's error body: `{"error": CODE, "message": text, "code": N}`, plus field details and the request id. */
export interface ErrorBody {
  error: string;
  message: string;
  code?: number;
  details?: { field: string; message: string }[];
  requestId?: string;
}

export function errorBody(
  code: string,
  message: string,
  extra: Partial<ErrorBody> = {},
): ErrorBody {
  const body: ErrorBody = { error: code, message };
  const numeric = NUMERIC[code];
  if (numeric !== undefined) body.code = numeric;
  if (extra.details && extra.details.length > 0) body.details = extra.details;
  if (extra.requestId) body.requestId = extra.requestId;
  return body;
}

/** Nekzus's numeric code for an error code, 0 when it has none. */
export function numericCodeOf(code: string): number {
  return NUMERIC[code] ?? 0;
}

export function statusOf(error: DomainError): number {
  return STATUS[error.kind];
}
