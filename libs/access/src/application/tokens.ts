/** Injection tokens of the access context (instances built by the composition root). */
export const ACCESS_DIRECTORY = Symbol('ACCESS_DIRECTORY');
export const JWT_TOKENS = Symbol('JWT_TOKENS');
export const ACCESS_CLOCK = Symbol('ACCESS_CLOCK');
