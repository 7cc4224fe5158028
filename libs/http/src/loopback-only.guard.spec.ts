import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { LoopbackOnlyGuard } from './loopback-only.guard';
import { isLoopback } from './request-context';

const contextFrom = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ socket: { remoteAddress }, headers }) }),
  }) as unknown as ExecutionContext;

describe('loopback-only guard', () => {
  it('lets callers on this machine through', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(new LoopbackOnlyGuard().canActivate(contextFrom(ip))).toBe(true);
  });

  it('refuses LAN callers even when they claim otherwise in headers', () => {
    const attempt = () =>
      new LoopbackOnlyGuard().canActivate(
        contextFrom('192.168.1.20', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' }),
      );
    expect(attempt).toThrow(
      expect.objectContaining({ code: 'PERMISSION_DENIED', kind: 'forbidden' }),
    );
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('::ffff:192.168.0.1')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });
});
