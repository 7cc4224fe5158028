import { GraphQLError, type GraphQLFormattedError } from './graphql-js';
import { numericCodeOf } from '#libs/http';
import { DomainError } from '#libs/kernel';

/** Codes our own validation rules give; kept through Apollo's wrapping of validation errors. */
export const QUERY_TOO_DEEP = 'QUERY_TOO_DEEP';
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';
export const INTROSPECTION_DISABLED = 'INTROSPECTION_DISABLED';
const OWN_CODES = new Set([QUERY_TOO_DEEP, QUERY_TOO_COMPLEX, INTROSPECTION_DISABLED]);

/** The innermost error: resolver errors wrap what was thrown, validation errors wrap ours. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 8; i++) {
    const inner = current instanceof GraphQLError ? (current.originalError as unknown) : undefined;
    if (inner === undefined || inner === null || inner === current) return current;
    current = inner;
  }
  return current;
}

/**
 * The one mapping from errors to GraphQL errors, for HTTP and WebSocket alike: a domain
 * error keeps its code (`extensions.code` is what REST puts in `error`), with Nekzus's
 * numeric code and the field details; our query limits keep theirs; GraphQL's own request
 * errors keep Apollo's codes; anything else is an INTERNAL_ERROR without its message.
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const cause = rootCause(error);
  const base = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (cause instanceof DomainError) {
    const numeric = numericCodeOf(cause.code);
    return {
      message: cause.message,
      ...base,
      extensions: {
        code: cause.code,
        ...(numeric !== 0 ? { numericCode: numeric } : {}),
        ...(cause.details.length > 0 ? { details: cause.details } : {}),
      },
    };
  }
  if (cause instanceof GraphQLError && OWN_CODES.has(String(cause.extensions['code'])))
    return { message: cause.message, ...base, extensions: { code: cause.extensions['code'] } };
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR')
    return { message: formatted.message, ...base, extensions: { code } };
  // Raised by graphql-js outside any field (variables that do not fit): the caller's doing.
  if (cause instanceof GraphQLError && cause.path === undefined)
    return { message: formatted.message, ...base, extensions: { code: 'BAD_REQUEST' } };
  return {
    message: 'the gateway failed to handle this request',
    ...base,
    extensions: { code: 'INTERNAL_ERROR' },
  };
}

/** Whether an error is the gateway's fault (to be logged), not the caller's. */
export function isInternal(formatted: GraphQLFormattedError): boolean {
  return formatted.extensions?.['code'] === 'INTERNAL_ERROR';
}
