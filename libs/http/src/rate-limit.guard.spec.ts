import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimited } from '#libs/kernel';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { setPrincipal, type Principal } from './principal';
import { NoRateLimit, RateLimit, RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';

class Handlers {
  plain(): void {}
  @RateLimit('auth')
  signIn(): void {}
  @NoRateLimit()
  health(): void {}
}

@RateLimit('devices')
class DeviceHandlers {
  list(): void {}
  @NoRateLimit()
  ping(): void {}
}

interface Call {
  url: string;
  handler?: keyof Handlers | keyof DeviceHandlers;
  controller?: typeof Handlers | typeof DeviceHandlers;
  address?: string;
  principal?: Principal;
  routePath?: string;
}

const setup = () => {
  const limiter = new RateLimiter(
    {
      api: { perMinute: 60, burst: 3 },
      auth: { perMinute: 6, burst: 2 },
      devices: { perMinute: 60, burst: 1 },
      open: { perMinute: 0, burst: 1 },
    },
    { now: () => 0 },
  );
  const guard = new RateLimitGuard(new Reflector(), {
    limiter,
    clientAddress: (req) => (req as unknown as { address: string }).address,
  });
  const call = ({ url, handler = 'plain', controller = Handlers, ...rest }: Call) => {
    const headers: Record<string, string> = {};
    const req = {
      url,
      address: rest.address ?? '192.168.1.20',
      ...(rest.routePath ? { route: { path: rest.routePath } } : {}),
    } as unknown as IncomingMessage;
    if (rest.principal) setPrincipal(req, rest.principal);
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
    const context = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
      getHandler: () => (controller.prototype as unknown as Record<string, unknown>)[handler],
      getClass: () => controller,
    } as unknown as ExecutionContext;
    try {
      return { allowed: guard.canActivate(context), headers, error: undefined };
    } catch (error) {
      return { allowed: false, headers, error: error as RateLimited };
    }
  };
  return { limiter, call };
};

const admin: Principal = { kind: 'admin', username: 'ada', sessionId: 's1', via: 'cookie' };

describe('rate-limit guard', () => {
  it('limits endpoints under /api/ by client address, with the draft headers', () => {
    const { call } = setup();
    expect(call({ url: '/api/v1/routes' })).toEqual({
      allowed: true,
      headers: { 'RateLimit-Limit': '3', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '1' },
      error: undefined,
    });
    call({ url: '/api/v1/routes?x=1' });
    expect(call({ url: '/api/v1/other' }).headers['RateLimit-Remaining']).toBe('0');

    const refused = call({ url: '/api/v1/routes' });
    expect(refused.error).toBeInstanceOf(RateLimited);
    expect(refused.error).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 1,
      message: 'too many requests in a short time; try again in 1 second',
    });
    expect(refused.headers).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3',
    });
    expect(call({ url: '/api/v1/routes', address: '192.168.1.21' }).allowed).toBe(true);
  });

  it('uses the category of the handler, or of its controller', () => {
    const { call } = setup();
    call({ url: '/api/v1/auth/login', handler: 'signIn' });
    call({ url: '/api/v1/auth/login', handler: 'signIn' });
    const refused = call({ url: '/api/v1/auth/login', handler: 'signIn' });
    expect(refused.error?.message).toBe(
      'too many requests in a short time; try again in 10 seconds',
    );
    expect(call({ url: '/api/v1/routes' }).allowed).toBe(true);

    expect(
      call({ url: '/api/v1/devices', handler: 'list', controller: DeviceHandlers }).allowed,
    ).toBe(true);
    expect(
      call({ url: '/api/v1/devices', handler: 'list', controller: DeviceHandlers }).error,
    ).toBeInstanceOf(RateLimited);
  });

  it('limits a decorated handler outside /api/ and leaves other paths alone', () => {
    const { call } = setup();
    expect(call({ url: '/pair', handler: 'signIn' }).headers['RateLimit-Limit']).toBe('2');
    for (let i = 0; i < 10; i++) {
      const free = call({ url: '/healthz' });
      expect(free).toEqual({ allowed: true, headers: {}, error: undefined });
    }
  });

  it('never limits an exempt handler, even under /api/ or in a limited controller', () => {
    const { call } = setup();
    for (let i = 0; i < 10; i++) {
      expect(call({ url: '/api/v1/health', handler: 'health' })).toMatchObject({
        allowed: true,
        headers: {},
      });
      expect(
        call({ url: '/api/v1/devices/ping', handler: 'ping', controller: DeviceHandlers }).allowed,
      ).toBe(true);
    }
  });

  it('decides "under /api/" by the matched route, not the spelling of the URL', () => {
    const { call } = setup();
    const shouted = { url: '/API/v1/routes', routePath: '/api/v1/routes' };
    for (let i = 0; i < 3; i++) call(shouted);
    expect(call(shouted).error).toBeInstanceOf(RateLimited);
  });

  it('also limits a signed-in identity across addresses', () => {
    const { call, limiter } = setup();
    call({ url: '/api/v1/routes', address: '10.0.0.1', principal: admin });
    call({ url: '/api/v1/routes', address: '10.0.0.2', principal: admin });
    expect(call({ url: '/api/v1/routes', address: '10.0.0.3', principal: admin }).headers).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3',
    });
    const refused = call({ url: '/api/v1/routes', address: '10.0.0.4', principal: admin });
    expect(refused.error).toBeInstanceOf(RateLimited);
    expect(refused.headers['RateLimit-Remaining']).toBe('0');
    // The address bucket of 10.0.0.4 paid for the refused attempt; anonymous callers elsewhere are fine.
    expect(limiter.take('api', 'addr:10.0.0.4').remaining).toBe(1);
    expect(call({ url: '/api/v1/routes', address: '10.0.0.1' }).allowed).toBe(true);
  });

  it('leaves the identity bucket alone when the address bucket refuses', () => {
    const { call, limiter } = setup();
    for (let i = 0; i < 3; i++) call({ url: '/api/v1/routes' });
    const refused = call({ url: '/api/v1/routes', principal: admin });
    expect(refused.error).toBeInstanceOf(RateLimited);
    expect(limiter.take('api', 'id:admin:ada').remaining).toBe(2);
  });

  it('does not count anonymous callers as an identity', () => {
    const { call, limiter } = setup();
    call({ url: '/api/v1/routes' });
    call({ url: '/api/v1/routes' });
    expect(limiter.size('api')).toBe(1);
  });

  it('does not throttle trusted local administrators', () => {
    const { call, limiter } = setup();
    for (let i = 0; i < 10; i++)
      expect(
        call({ url: '/api/v1/routes', principal: { kind: 'local', address: '127.0.0.1' } }).error,
      ).toBeUndefined();
    expect(limiter.size('api')).toBe(0);
  });

  it('sends no headers for an unlimited category', () => {
    const { call, limiter } = setup();
    limiter.reconfigure({ api: { perMinute: 0, burst: 1 }, auth: { perMinute: 6, burst: 2 } });
    for (let i = 0; i < 5; i++)
      expect(call({ url: '/api/v1/routes' })).toEqual({
        allowed: true,
        headers: {},
        error: undefined,
      });
  });

  it('lets non-HTTP contexts through', () => {
    const { limiter } = setup();
    const guard = new RateLimitGuard(new Reflector(), { limiter, clientAddress: () => 'x' });
    const ws = { getType: () => 'ws' } as unknown as ExecutionContext;
    expect(guard.canActivate(ws)).toBe(true);
  });
});
