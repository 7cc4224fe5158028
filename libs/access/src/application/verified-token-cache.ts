import { SecondChanceMap } from '#libs/kernel';
import type { TokenClaims } from '../infrastructure/jwt-tokens';

/**
 * Tokens whose signature was already checked, keyed by the whole token string (an altered
 * token never matches), bounded, with second-chance eviction: a hit on every proxied request
 * moves nothing (docs/decisions/0020).
 */
export class VerifiedTokenCache {
  private readonly entries: SecondChanceMap<string, TokenClaims>;

  constructor(capacity: number) {
    this.entries = new SecondChanceMap(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a cached token that has not expired at `nowMs`; an expired one is dropped. */
  get(token: string, nowMs: number): TokenClaims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined || claims.exp * 1000 > nowMs) return claims;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, claims: TokenClaims): void {
    this.entries.set(token, claims);
  }
}
