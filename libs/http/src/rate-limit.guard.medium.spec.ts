import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AddressMatcher } from './address-matcher';
import { clientAddressOf } from './client-address';
import { ErrorFilter } from './error.filter';
import {
  NoRateLimit,
  RATE_LIMITS,
  RateLimit,
  RateLimitGuard,
  type RateLimits,
} from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';

@Controller('api/v1/things')
class ThingsController {
  @Get()
  list() {
    return { things: [] };
  }

  @Get('health')
  @NoRateLimit()
  health() {
    return { ok: true };
  }
}

@Controller('pair')
class PairPageController {
  @Get()
  @RateLimit('qr')
  page() {
    return 'pair';
  }
}

@Controller('about')
class AboutController {
  @Get()
  about() {
    return 'about';
  }
}

const BURST = 3;
/** The clock stands still, so nothing refills between requests. */
const newLimiter = () =>
  new RateLimiter(
    { api: { perMinute: 60, burst: BURST }, qr: { perMinute: 6, burst: 1 } },
    { now: () => 1_000 },
  );

describe('rate limiting over real HTTP', () => {
  let trusted = new AddressMatcher([]);
  const limits: RateLimits = {
    limiter: newLimiter(),
    clientAddress: (req) => clientAddressOf(req, trusted),
  };
  let app: INestApplication;
  let url: string;

  @Module({
    controllers: [ThingsController, PairPageController, AboutController],
    providers: [
      { provide: RATE_LIMITS, useValue: limits },
      { provide: APP_FILTER, useClass: ErrorFilter },
      { provide: APP_GUARD, useClass: RateLimitGuard },
    ],
  })
  class TestModule {}

  beforeAll(async () => {
    app = await NestFactory.create(TestModule, new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    limits.limiter = newLimiter();
    trusted = new AddressMatcher([]);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers });

  it('counts every /api/ request, with the RateLimit headers, and refuses the one past the burst', async () => {
    for (let i = 1; i <= BURST; i++) {
      const res = await get('/api/v1/things');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe(String(BURST));
      expect(res.headers.get('ratelimit-remaining')).toBe(String(BURST - i));
      expect(res.headers.get('ratelimit-reset')).toBe(String(i));
      await res.body?.cancel();
    }

    const refused = await get('/api/v1/things');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe(String(BURST));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe(String(BURST));
    expect(await refused.json()).toMatchObject({
      error: 'RATE_LIMITED',
      code: 4001,
      message: 'too many requests in a short time; try again in 1 second',
    });
  });

  it('cannot be dodged by spelling the path in capitals', async () => {
    for (let i = 0; i < BURST; i++) await (await get('/api/v1/things')).body?.cancel();
    const shouted = await get('/API/V1/THINGS');
    expect(shouted.status).toBe(429);
    await shouted.body?.cancel();
  });

  it('never limits an exempt handler, nor undecorated paths outside /api/', async () => {
    for (let i = 0; i < BURST * 3; i++) {
      for (const path of ['/api/v1/things/health', '/about']) {
        const res = await get(path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('ratelimit-limit'), path).toBeNull();
        await res.body?.cancel();
      }
    }
  });

  it('limits a decorated page outside /api/ by its own category', async () => {
    const first = await get('/pair');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('1');
    await first.body?.cancel();
    const second = await get('/pair');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('10');
    await second.body?.cancel();
    const api = await get('/api/v1/things');
    expect(api.status).toBe(200);
    await api.body?.cancel();
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    for (let i = 0; i < BURST; i++)
      await (await get('/api/v1/things', { 'x-forwarded-for': '203.0.113.1' })).body?.cancel();
    for (const spoofed of ['203.0.113.2', '198.51.100.7, 203.0.113.3']) {
      const res = await get('/api/v1/things', {
        'x-forwarded-for': spoofed,
        'x-real-ip': '203.0.113.4',
      });
      expect(res.status, spoofed).toBe(429);
      await res.body?.cancel();
    }
  });

  it('gives each forwarded client its own bucket behind a trusted proxy', async () => {
    trusted = new AddressMatcher(['127.0.0.1']);
    for (let i = 0; i < BURST; i++)
      await (await get('/api/v1/things', { 'x-forwarded-for': '203.0.113.1' })).body?.cancel();
    const same = await get('/api/v1/things', { 'x-forwarded-for': '203.0.113.1' });
    expect(same.status).toBe(429);
    await same.body?.cancel();

    const other = await get('/api/v1/things', { 'x-forwarded-for': '203.0.113.2' });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe(String(BURST - 1));
    await other.body?.cancel();
    // The proxy's own address is a bucket of its own, still untouched.
    const proxy = await get('/api/v1/things');
    expect(proxy.headers.get('ratelimit-remaining')).toBe(String(BURST - 1));
    await proxy.body?.cancel();
  });
});
