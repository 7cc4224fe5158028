import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DomainError } from '#libs/kernel';
import type { Principal } from '#libs/http';
import { ADMIN_SCOPE, hasScopes } from '../domain';
import { TokenError, type JwtTokens, type TokenClaims } from '../infrastructure/jwt-tokens';
import type { AccessDirectory } from './access-directory';
import type { DeviceRegistry } from './device-registry.port';
import type { NetworkPolicy } from './network-policy';
import { VerifiedTokenCache } from './verified-token-cache';

export const SESSION_COOKIE = 'nekzus_session';
export const CSRF_COOKIE = 'nekzus_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Subjects of administrator tokens; device ids may not start with it (no collisions). */
export const ADMIN_SUBJECT_PREFIX = 'user-';
/** Prefixes of API keys: ours, and Nekzus's for keys a user carries over. */
export const API_KEY_PREFIXES = ['nkz_', 'nekzus_'] as const;

/** Verified tokens kept (a few hundred bytes each); when full, one not read lately goes. */
const VERIFIED_TOKEN_CACHE = 10_000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class AuthRequired extends DomainError {
  constructor() {
    super(
      'AUTH_REQUIRED',
      'unauthorized',
      'authentication required: sign in, or send a device token (Authorization: Bearer) or an API key (X-API-Key)',
    );
  }
}

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Decides who a request comes from, from what it presents: an API key (`X-API-Key`, or a
 * Bearer starting with `nkz_`), a token (Bearer), or the admin session cookie; with none,
 * local-network trust or nobody. Reads only in-memory projections, so the control plane and
 * the proxy can both call it on every request.
 */
export class Authenticator {
  private readonly verifiedTokens = new VerifiedTokenCache(VERIFIED_TOKEN_CACHE);
  constructor(
    private readonly tokens: JwtTokens,
    private readonly directory: AccessDirectory,
    private readonly devices: DeviceRegistry,
    private readonly network: NetworkPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  clientAddress(req: IncomingMessage): string {
    return this.network.clientAddress(req);
  }

  /**
   * `forProxy`: an `X-API-Key` counts only when it is one of ours (`nkz_…`); proxied apps
   * such as Sonarr use that header for their own keys, which must pass through untouched.
   */
  async authenticate(
    req: IncomingMessage,
    options: { forProxy?: boolean } = {},
  ): Promise<Principal> {
    const known = this.authenticateFromMemory(req, options);
    if (known !== undefined) return known;
    // Only a token whose signature is not in the cache gets here.
    const caller = this.network.caller(req);
    const bearer = bearerOf(req);
    const token = bearer ?? cookieOf(req, SESSION_COOKIE);
    if (token === undefined) return this.withoutCredentials(req, caller.address, caller.trusted);
    const via = bearer === undefined ? 'cookie' : 'bearer';
    let claims: TokenClaims;
    try {
      claims = await this.verified(token);
    } catch (error) {
      return this.afterTokenFailure(req, caller.address, caller.trusted, error);
    }
    return this.tokenPrincipal(req, caller.address, caller.trusted, claims, via);
  }

  /**
   * `authenticate` without a promise, when everything it needs is in memory: the answer
   * (a principal, or a thrown refusal) for API keys, the admin session, no credentials, and
   * tokens whose signature was already verified (expiry, revocations and sign-outs are still
   * checked here, on every call). Undefined when a token's signature must be verified first:
   * then call `authenticate`.
   */
  authenticateFromMemory(
    req: IncomingMessage,
    options: { forProxy?: boolean } = {},
  ): Principal | undefined {
    const caller = this.network.caller(req);
    const bearer = bearerOf(req);
    const apiKey = presentedApiKey(req, options.forProxy === true, bearer);
    if (apiKey !== undefined) return this.apiKey(apiKey);
    const token = bearer ?? cookieOf(req, SESSION_COOKIE);
    if (token === undefined) return this.withoutCredentials(req, caller.address, caller.trusted);
    const claims = this.cachedClaims(token);
    if (claims === undefined) return undefined;
    return this.tokenPrincipal(
      req,
      caller.address,
      caller.trusted,
      claims,
      bearer === undefined ? 'cookie' : 'bearer',
    );
  }

  private withoutCredentials(req: IncomingMessage, address: string, trusted: boolean): Principal {
    return trusted ? this.local(req, address) : { kind: 'anonymous' };
  }

  /** The principal of verified claims, checked against revocations (and CSRF for a cookie). */
  private tokenPrincipal(
    req: IncomingMessage,
    address: string,
    trusted: boolean,
    claims: TokenClaims,
    via: 'bearer' | 'cookie',
  ): Principal {
    try {
      const principal = this.principalOf(claims, via);
      if (principal.kind === 'admin' && principal.via === 'cookie')
        this.checkCsrf(req, principal.sessionId);
      if (principal.kind === 'device') this.devices.seen(principal.deviceId);
      return principal;
    } catch (error) {
      return this.afterTokenFailure(req, address, trusted, error);
    }
  }

  /**
   * As in Nekzus, a trusted caller whose token merely expired or is unreadable still gets in
   * (the mobile app must not wipe its credentials on the LAN); a revoked one does not.
   */
  private afterTokenFailure(
    req: IncomingMessage,
    address: string,
    trusted: boolean,
    error: unknown,
  ): Principal {
    if (
      trusted &&
      error instanceof TokenError &&
      (error.code === 'TOKEN_EXPIRED' || error.code === 'TOKEN_INVALID')
    )
      return this.local(req, address);
    throw error;
  }

  /**
   * Trust by address must not let another web site act through a local browser: a
   * state-changing request that a browser marks as coming from another origin is refused.
   */
  private local(req: IncomingMessage, address: string): Principal {
    if (!SAFE_METHODS.has(req.method ?? 'GET') && isCrossSite(req))
      throw new DomainError(
        'CROSS_SITE_REQUEST',
        'forbidden',
        'a page from another origin may not change this gateway through local-network trust; sign in instead',
      );
    return { kind: 'local', address };
  }

  /** A credential sent inside a protocol (the WebSocket's auth message): an API key or a token. */
  async credential(value: string): Promise<Principal> {
    if (isOurApiKey(value)) return this.apiKey(value);
    return this.token(value, 'bearer');
  }

  /** The administrator whose session cookie came with the request (a browser opening a WebSocket). */
  async sessionOf(req: IncomingMessage): Promise<Principal | undefined> {
    const cookie = cookieOf(req, SESSION_COOKIE);
    return cookie === undefined ? undefined : this.token(cookie, 'cookie');
  }

  /** Whether local-network trust covers the caller. */
  isTrusted(req: IncomingMessage): boolean {
    return this.network.caller(req).trusted;
  }

  /** Checks a token's claims against revocations: sessions that ended, devices revoked or re-paired. */
  async token(token: string, via: 'bearer' | 'cookie'): Promise<Principal> {
    return this.principalOf(await this.verified(token), via);
  }

  /**
   * Claims of a valid token, from a cache keyed by the whole token string (an altered token
   * is another key and is checked in full). Only the signature check is cached: expiry is
   * checked on every hit, and revocations and sign-outs in `principalOf` on every request.
   */
  private async verified(token: string): Promise<TokenClaims> {
    const cached = this.cachedClaims(token);
    if (cached) return cached;
    const claims = await this.tokens.verify(token);
    this.verifiedTokens.set(token, claims);
    return claims;
  }

  /** The cached claims of a token not yet expired (an expired one leaves the cache). */
  private cachedClaims(token: string): TokenClaims | undefined {
    return this.verifiedTokens.get(token, this.now());
  }

  principalOf(claims: TokenClaims, via: 'bearer' | 'cookie'): Principal {
    if (claims.sub.startsWith(ADMIN_SUBJECT_PREFIX)) {
      const username = claims.sub.slice(ADMIN_SUBJECT_PREFIX.length);
      if (!this.directory.admin(username))
        throw new TokenError('TOKEN_REVOKED', 'the account this session belongs to does not exist');
      if (this.directory.isSessionEnded(claims.jti))
        throw new TokenError('TOKEN_REVOKED', 'this session was signed out; sign in again');
      return { kind: 'admin', username, sessionId: claims.jti, via };
    }
    if (via === 'cookie')
      throw new TokenError('TOKEN_INVALID', 'the session cookie does not hold a session');
    this.checkDevice(claims);
    return { kind: 'device', deviceId: claims.sub, scopes: claims.scopes, tokenId: claims.jti };
  }

  /** Refuses tokens of revoked or unknown devices, and tokens from before the latest pairing. */
  checkDevice(claims: TokenClaims): void {
    const status = this.devices.statusOf(claims.sub);
    if (!status || !status.active)
      throw new TokenError(
        'DEVICE_REVOKED',
        `device "${claims.sub}" has been revoked; pair it again`,
      );
    if (claims.jti < status.validFromTokenId)
      throw new TokenError('TOKEN_REVOKED', 'this token was issued before the device paired again');
  }

  private apiKey(presented: string): Principal {
    const record = this.directory.keyByHash(sha256Hex(presented));
    // Compare in constant time too, though the map lookup already keyed on a hash.
    if (
      !record ||
      !timingSafeEqual(
        Buffer.from(record.keyHash, 'hex'),
        createHash('sha256').update(presented).digest(),
      )
    )
      throw new DomainError(
        'API_KEY_INVALID',
        'unauthorized',
        'the API key is not valid (unknown or revoked)',
      );
    if (record.expiresAt && Date.parse(record.expiresAt) <= this.now())
      throw new DomainError(
        'API_KEY_EXPIRED',
        'unauthorized',
        `the API key expired at ${record.expiresAt}`,
      );
    return { kind: 'apikey', keyId: record.keyId, scopes: record.scopes };
  }

  private checkCsrf(req: IncomingMessage, sessionId: string): void {
    if (SAFE_METHODS.has(req.method ?? 'GET')) return;
    const sent = req.headers[CSRF_HEADER];
    const expected = this.tokens.csrfTokenFor(sessionId);
    if (
      typeof sent !== 'string' ||
      sent.length !== expected.length ||
      !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))
    )
      throw new DomainError(
        'CSRF_TOKEN_INVALID',
        'forbidden',
        `a request signed in by cookie that changes something must send the ${CSRF_HEADER} header from sign-in`,
      );
  }
}

/**
 * Whether `principal` may do what needs `scope` (undefined: administrators only). Throws
 * 401 for nobody and 403 for someone without the scope.
 */
export function authorize(principal: Principal, scope: string | undefined): void {
  switch (principal.kind) {
    case 'anonymous':
      throw new AuthRequired();
    case 'local':
    case 'admin':
      return;
    case 'device':
    case 'apikey':
      if (hasScopes(principal.scopes, [ADMIN_SCOPE])) return;
      if (scope !== undefined && hasScopes(principal.scopes, [scope])) return;
      throw new DomainError(
        'PERMISSION_DENIED',
        'forbidden',
        scope === undefined
          ? 'this needs administrator rights (scope access:admin)'
          : `this needs the scope ${scope}`,
      );
  }
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function isOurApiKey(value: string): boolean {
  return API_KEY_PREFIXES.some((p) => value.startsWith(p));
}

/** `bearer`: the request's Bearer credential (`bearerOf`), read once by the caller. */
function presentedApiKey(
  req: IncomingMessage,
  onlyOurs: boolean,
  bearer: string | undefined,
): string | undefined {
  const header = req.headers['x-api-key'];
  if (
    typeof header === 'string' &&
    header.trim() !== '' &&
    (!onlyOurs || isOurApiKey(header.trim()))
  )
    return header.trim();
  if (bearer && API_KEY_PREFIXES.some((p) => bearer.startsWith(p))) return bearer;
  return undefined;
}

export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '' || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
