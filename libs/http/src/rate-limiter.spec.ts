import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

/** A limiter on a clock the test moves by hand. */
const limiterAt = (
  rules: ConstructorParameters<typeof RateLimiter>[0],
  options: { maxKeys?: number } = {},
) => {
  const clock = { ms: 1_000_000 };
  const limiter = new RateLimiter(rules, { ...options, now: () => clock.ms });
  return { limiter, clock };
};

describe('rate limiter', () => {
  it('allows a burst, then refuses without consuming', () => {
    const { limiter } = limiterAt({ auth: { perMinute: 6, burst: 3 } });
    expect(limiter.take('auth', 'a')).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 10,
      retryAfterSeconds: 0,
    });
    expect(limiter.take('auth', 'a').remaining).toBe(1);
    expect(limiter.take('auth', 'a')).toEqual({
      allowed: true,
      limit: 3,
      remaining: 0,
      resetSeconds: 30,
      retryAfterSeconds: 0,
    });
    const refused = limiter.take('auth', 'a');
    expect(refused).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 30,
      retryAfterSeconds: 10,
    });
    // Refusals took nothing: the wait is still ten seconds, not longer.
    expect(limiter.take('auth', 'a').retryAfterSeconds).toBe(10);
  });

  it('keeps keys and categories apart', () => {
    const { limiter } = limiterAt({
      auth: { perMinute: 6, burst: 1 },
      api: { perMinute: 6, burst: 1 },
    });
    expect(limiter.take('auth', 'a').allowed).toBe(true);
    expect(limiter.take('auth', 'a').allowed).toBe(false);
    expect(limiter.take('auth', 'b').allowed).toBe(true);
    expect(limiter.take('api', 'a').allowed).toBe(true);
  });

  it('refills continuously with time, up to the burst', () => {
    const { limiter, clock } = limiterAt({ auth: { perMinute: 6, burst: 3 } });
    for (let i = 0; i < 3; i++) limiter.take('auth', 'a');
    expect(limiter.take('auth', 'a').allowed).toBe(false);

    clock.ms += 4_000;
    const early = limiter.take('auth', 'a');
    expect(early.allowed).toBe(false);
    expect(early.retryAfterSeconds).toBe(6);

    clock.ms += 6_000;
    expect(limiter.take('auth', 'a')).toMatchObject({ allowed: true, remaining: 0 });

    clock.ms += 10 * 60_000;
    expect(limiter.take('auth', 'a')).toMatchObject({
      allowed: true,
      remaining: 2,
      resetSeconds: 10,
    });
  });

  it('rounds waits up to whole seconds, never below one when refused', () => {
    const { limiter, clock } = limiterAt({ api: { perMinute: 600, burst: 1 } });
    expect(limiter.take('api', 'a')).toMatchObject({ allowed: true, resetSeconds: 1 });
    clock.ms += 50;
    expect(limiter.take('api', 'a')).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it('survives a clock that steps backwards', () => {
    const { limiter, clock } = limiterAt({ auth: { perMinute: 6, burst: 1 } });
    limiter.take('auth', 'a');
    clock.ms -= 60_000;
    expect(limiter.take('auth', 'a')).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
  });

  it('never limits a category with perMinute 0, and keeps no buckets for it', () => {
    const { limiter } = limiterAt({ open: { perMinute: 0, burst: 1 } });
    for (let i = 0; i < 100; i++) expect(limiter.take('open', 'a').allowed).toBe(true);
    expect(limiter.size('open')).toBe(0);
  });

  it('refuses unknown categories and invalid rules', () => {
    const { limiter } = limiterAt({ api: { perMinute: 60, burst: 10 } });
    expect(() => limiter.take('nope', 'a')).toThrow('"nope"');
    expect(() => limiter.size('nope')).toThrow('"nope"');
    expect(() => new RateLimiter({ api: { perMinute: -1, burst: 1 } })).toThrow('"api"');
    expect(() => new RateLimiter({ api: { perMinute: 1, burst: 0 } })).toThrow('"api"');
    expect(() => new RateLimiter({}, { maxKeys: 0 })).toThrow('maxKeys');
  });

  it('keeps at most maxKeys buckets per category under many distinct callers', () => {
    const { limiter, clock } = limiterAt({ api: { perMinute: 1, burst: 5 } });
    let seed = 7;
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      limiter.take('api', `addr:${seed}`);
      clock.ms += 1;
      largest = Math.max(largest, limiter.size('api'));
    }
    expect(largest).toBe(10_000);
    expect(limiter.size('api')).toBe(10_000);
  });

  it('evicts the least recently used bucket first', () => {
    const { limiter } = limiterAt({ auth: { perMinute: 1, burst: 1 } }, { maxKeys: 2 });
    limiter.take('auth', 'a');
    limiter.take('auth', 'b');
    limiter.take('auth', 'a'); // refused, but a is now the most recently used
    limiter.take('auth', 'c'); // evicts b
    expect(limiter.take('auth', 'a').allowed).toBe(false);
    expect(limiter.take('auth', 'b').allowed).toBe(true);
  });

  it('drops buckets that have filled up again', () => {
    const { limiter, clock } = limiterAt({ auth: { perMinute: 60, burst: 2 } });
    limiter.take('auth', 'a');
    limiter.take('auth', 'b');
    expect(limiter.size('auth')).toBe(2);
    clock.ms += 1_000;
    limiter.take('auth', 'c');
    expect(limiter.size('auth')).toBe(1);
  });

  it('applies new limits to the next request', () => {
    const { limiter, clock } = limiterAt({ auth: { perMinute: 6, burst: 2 } });
    limiter.take('auth', 'a');
    limiter.take('auth', 'a');
    expect(limiter.take('auth', 'a').allowed).toBe(false);

    limiter.reconfigure({ auth: { perMinute: 60, burst: 5 } });
    expect(limiter.take('auth', 'a')).toMatchObject({
      allowed: false,
      limit: 5,
      retryAfterSeconds: 1,
    });
    clock.ms += 1_000;
    expect(limiter.take('auth', 'a')).toMatchObject({ allowed: true, limit: 5, remaining: 0 });
    expect(limiter.take('auth', 'fresh')).toMatchObject({ allowed: true, remaining: 4 });

    limiter.reconfigure({ auth: { perMinute: 0, burst: 5 }, api: { perMinute: 60, burst: 1 } });
    expect(limiter.take('auth', 'a').allowed).toBe(true);
    expect(limiter.take('api', 'a').allowed).toBe(true);

    limiter.reconfigure({ api: { perMinute: 60, burst: 1 } });
    expect(() => limiter.take('auth', 'a')).toThrow('"auth"');
  });

  it('caps a bucket at a lowered burst', () => {
    const { limiter } = limiterAt({ api: { perMinute: 60, burst: 100 } });
    expect(limiter.take('api', 'a').remaining).toBe(99);
    limiter.reconfigure({ api: { perMinute: 60, burst: 3 } });
    expect(limiter.take('api', 'a')).toMatchObject({ limit: 3, remaining: 2 });
  });
});
