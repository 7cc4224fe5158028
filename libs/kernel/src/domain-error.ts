/** What kind of refusal a domain error is; the interface layer maps it to a status code. */
export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable';

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `pathBase` or `scopes.2`. */
  field: string;
  message: string;
}

/**
 * A refusal with a stable, documented `code` (e.g. ROUTE_CONFLICT). Domain and application
 * code throw these; one filter turns them into the JSON error body for REST and into
 * `extensions.code` for GraphQL.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationFailed extends DomainError {
  constructor(details: readonly ErrorDetail[], code = 'VALIDATION_FAILED') {
    super(code, 'invalid', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
}

/** Too many attempts; the caller may try again after `retryAfterSeconds` (sent as Retry-After). */
export class RateLimited extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'RATE_LIMITED',
  ) {
    super(code, 'rate_limited', message);
  }
}
