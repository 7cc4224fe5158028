import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../infrastructure/jwt-tokens';
import { VerifiedTokenCache } from './verified-token-cache';

const claims = (sub: string, exp = 2_000_000_000): TokenClaims => ({
  iss: 'nekzus',
  aud: 'nekzus',
  sub,
  scopes: [],
  iat: 1_000_000_000,
  exp,
  jti: `jti-${sub}`,
});
const NOW = 1_500_000_000_000;

describe('VerifiedTokenCache', () => {
  it('answers a cached token until its expiry, then forgets it', () => {
    const cache = new VerifiedTokenCache(4);
    cache.set('t1', claims('a', 1_600_000_000));
    expect(cache.get('t1', 1_600_000_000_000 - 1)?.sub).toBe('a');
    expect(cache.get('t1', 1_600_000_000_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('t2', NOW)).toBeUndefined();
  });

  it('keeps the tokens in use when full, within its capacity', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('phone', claims('phone'));
    cache.set('t2', claims('t2'));
    cache.get('phone', NOW);
    cache.set('t3', claims('t3'));
    expect(cache.size).toBe(2);
    expect(cache.get('phone', NOW)?.sub).toBe('phone');
    expect(cache.get('t2', NOW)).toBeUndefined();
  });
});
