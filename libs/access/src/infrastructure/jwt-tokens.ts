import { createHmac, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import jwt from 'jsonwebtoken';
import { Strategy as JwtStrategy, type JwtFromRequestFunction } from 'passport-jwt';
import { DomainError } from '#libs/kernel';

/** Nekzus's claims plus `jti`, so one token (an admin session) can be revoked. */
export interface TokenClaims {
  iss: string;
  aud: string;
  sub: string;
  scopes: string[];
  iat: number;
  exp: number;
  jti: string;
}

export const TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
/** How long after expiry a device token may still be exchanged for a new one (Nekzus: 7 days). */
export const REFRESH_GRACE_SECONDS = 7 * 24 * 60 * 60;

export class TokenError extends DomainError {
  constructor(
    code:
      | 'TOKEN_EXPIRED'
      | 'TOKEN_INVALID'
      | 'TOKEN_REVOKED'
      | 'DEVICE_REVOKED'
      | 'TOKEN_EXPIRED_BEYOND_GRACE',
    message: string,
  ) {
    super(code, 'unauthorized', message);
  }
}

type Outcome = { claims: TokenClaims } | { failure: unknown };

/**
 * Signs and checks the gateway's HS256 tokens. Checking runs through passport-jwt strategies
 * (one strict, one that ignores expiry for refresh), driven directly rather than through
 * passport's middleware so each failure maps to the contract's code: expired → 1001,
 * anything else wrong → 1002. Only HS256 is accepted (`alg: none` and RS/ES are refused).
 */
export class JwtTokens {
  private readonly strict: JwtStrategy;
  private readonly lenient: JwtStrategy;

  constructor(
    private readonly key: KeyObject,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly now: () => number = Date.now,
  ) {
    const fromRequest: JwtFromRequestFunction<IncomingMessage & { presentedToken?: string }> = (
      req,
    ) => req.presentedToken ?? null;
    const options = {
      jwtFromRequest: fromRequest,
      secretOrKey: key as unknown as string,
      algorithms: ['HS256' as const],
      issuer,
      audience,
    };
    const verify = (payload: unknown, done: (e: unknown, user?: unknown) => void) =>
      done(null, payload);
    this.strict = new JwtStrategy(options, verify);
    this.lenient = new JwtStrategy({ ...options, ignoreExpiration: true }, verify);
  }

  sign(
    subject: string,
    scopes: readonly string[],
    tokenId: string,
    lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
  ): { token: string; claims: TokenClaims } {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      iss: this.issuer,
      aud: this.audience,
      sub: subject,
      scopes: [...scopes],
      iat,
      exp: iat + lifetimeSeconds,
      jti: tokenId,
    };
    return { token: jwt.sign(claims, this.key, { algorithm: 'HS256' }), claims };
  }

  /** The claims of a valid, unexpired token, or a TokenError with the contract's code. */
  verify(token: string): Promise<TokenClaims> {
    return this.run(this.strict, token);
  }

  /** Like verify, but an expired token passes (the refresh endpoint checks the grace period). */
  verifyIgnoringExpiry(token: string): Promise<TokenClaims> {
    return this.run(this.lenient, token);
  }

  /** A keyed hash under the gateway's secret (pairing code lookups, derived bootstrap tokens). */
  hmac(value: string, encoding: 'hex' | 'base64url' = 'hex'): string {
    return createHmac('sha256', this.key).update(value).digest(encoding);
  }

  /** A value a page can send back in X-CSRF-Token: bound to the session, unguessable without the key. */
  csrfTokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(`csrf:${sessionId}`).digest('base64url');
  }

  private async run(strategy: JwtStrategy, token: string): Promise<TokenClaims> {
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      const attempt = Object.create(strategy) as JwtStrategy & {
        success(user: unknown): void;
        fail(info: unknown): void;
        error(error: unknown): void;
      };
      attempt.success = (user) => {
        const claims = asClaims(user);
        resolve(
          claims
            ? { claims }
            : { failure: new Error('the token lacks sub, scopes, iat, exp or jti') },
        );
      };
      attempt.fail = (info) => resolve({ failure: info });
      attempt.error = reject;
      attempt.authenticate({ presentedToken: token } as never, {});
    });
    if ('claims' in outcome) return outcome.claims;
    const failure = outcome.failure;
    if (failure instanceof jwt.TokenExpiredError)
      throw new TokenError(
        'TOKEN_EXPIRED',
        `the token expired at ${failure.expiredAt.toISOString()}; refresh it or pair again`,
      );
    const reason = failure instanceof Error ? failure.message : 'unreadable token';
    throw new TokenError('TOKEN_INVALID', `the token is invalid: ${reason}`);
  }
}

function asClaims(value: unknown): TokenClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Partial<Record<keyof TokenClaims, unknown>>;
  if (
    typeof c.sub !== 'string' ||
    c.sub === '' ||
    !Array.isArray(c.scopes) ||
    !c.scopes.every((s) => typeof s === 'string') ||
    typeof c.iat !== 'number' ||
    typeof c.exp !== 'number' ||
    typeof c.jti !== 'string' ||
    typeof c.iss !== 'string' ||
    typeof c.aud !== 'string'
  )
    return undefined;
  return c as TokenClaims;
}
