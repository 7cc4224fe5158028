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

  it('stays within its capacity, dropping the oldest tokens nobody read', () => {
    const cache = new VerifiedTokenCache(3);
    for (const token of ['t1', 't2', 't3', 't4', 't5']) cache.set(token, claims(token));
    expect(cache.size).toBe(3);
    expect(['t1', 't2', 't3', 't4', 't5'].filter((t) => cache.get(t, NOW))).toEqual([
      't3',
      't4',
      't5',
    ]);
  });

  it('keeps a token read since it was cached over older unread ones (second chance)', () => {
    const cache = new VerifiedTokenCache(3);
    cache.set('hot', claims('hot'));
    cache.set('t2', claims('t2'));
    cache.set('t3', claims('t3'));
    cache.get('hot', NOW);
    cache.set('t4', claims('t4'));
    cache.set('t5', claims('t5'));
    expect(cache.get('hot', NOW)?.sub).toBe('hot');
    expect(cache.get('t2', NOW)).toBeUndefined();
    expect(cache.get('t3', NOW)).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('evicts even when every entry was read: one lap clears the chances', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t1', claims('t1'));
    cache.set('t2', claims('t2'));
    cache.get('t1', NOW);
    cache.get('t2', NOW);
    cache.set('t3', claims('t3'));
    expect(cache.size).toBe(2);
    expect(cache.get('t3', NOW)?.sub).toBe('t3');
    // t1 had its chance first and went to the back; t2 then lost its chance too, so t1 went.
    expect(cache.get('t1', NOW)).toBeUndefined();
    expect(cache.get('t2', NOW)?.sub).toBe('t2');
  });

  it('replaces the claims of a token cached again', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t1', claims('old'));
    cache.set('t1', claims('new'));
    expect(cache.size).toBe(1);
    expect(cache.get('t1', NOW)?.sub).toBe('new');
  });
});
