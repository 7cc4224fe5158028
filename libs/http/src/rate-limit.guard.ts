import {
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimited } from '#libs/kernel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './error.filter';
import { identityKeyOf, principalOf } from './principal';
import type { RateDecision, RateLimiter } from './rate-limiter';
import { rateLimitKeyOf } from './address-matcher';

/** What the rate-limit guard needs from the gateway: the buckets, and who the caller is. */
export interface RateLimits {
  limiter: RateLimiter;
  clientAddress(req: IncomingMessage): string;
}

export const RATE_LIMITS = Symbol('RATE_LIMITS');

const RATE_LIMIT_CATEGORY = 'nekzus:rate-limit-category';

/** The category of `rate_limits` a handler (or every handler of a controller) counts against. */
export const RateLimit = (category: string) => SetMetadata(RATE_LIMIT_CATEGORY, category);

/** Exempts a handler (or controller) from rate limiting, including the default `api` limit. */
export const NoRateLimit = () => SetMetadata(RATE_LIMIT_CATEGORY, false);

const DEFAULT_CATEGORY = 'api';

/**
 * Token buckets per client address and, for signed-in callers, per identity. Handlers count
 * against their `@RateLimit` category; any other endpoint under /api/ against `api`. Runs after
 * the access guard, which sets the principal. Every limited response carries the RateLimit-*
 * headers of the IETF draft; a refusal is a `RateLimited` error (429 with Retry-After).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMITS) private readonly limits: RateLimits,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    const category = this.categoryOf(context, req);
    if (category === undefined) return true;
    // The gateway's own machine (or LAN, when trusted) acting as administrator is not
    // throttled on authenticated endpoints; public ones stay limited for everyone.
    if (principalOf(req).kind === 'local') return true;
    const { limiter } = this.limits;
    if (limiter.ruleOf(category).perMinute === 0) return true;

    let decision = limiter.take(category, `addr:${rateLimitKeyOf(this.limits.clientAddress(req))}`);
    const identity = identityKeyOf(principalOf(req));
    if (decision.allowed && identity !== undefined)
      decision = tighter(decision, limiter.take(category, `id:${identity}`));

    const res = context.switchToHttp().getResponse<ServerResponse>();
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    if (decision.allowed) return true;
    const wait = decision.retryAfterSeconds;
    throw new RateLimited(
      `too many requests in a short time; try again in ${wait} second${wait === 1 ? '' : 's'}`,
      wait,
    );
  }

  private categoryOf(context: ExecutionContext, req: IncomingMessage): string | undefined {
    const declared = this.reflector.getAllAndOverride<string | false | undefined>(
      RATE_LIMIT_CATEGORY,
      [context.getHandler(), context.getClass()],
    );
    if (declared === false) return undefined;
    if (declared !== undefined) return declared;
    return isApiPath(req) ? DEFAULT_CATEGORY : undefined;
  }
}

/**
 * Whether the route that matched is under /api/. Express matches paths case-insensitively,
 * so the matched route's own path decides, never the spelling the caller chose.
 */
function isApiPath(req: IncomingMessage): boolean {
  const route = (req as { route?: { path?: unknown } }).route?.path;
  const path = typeof route === 'string' ? route : pathOf(req);
  return path.toLowerCase().startsWith('/api/');
}

/** The decision a caller should see: a refusal, else the one with fewer requests left. */
function tighter(a: RateDecision, b: RateDecision): RateDecision {
  if (!a.allowed) return a;
  if (!b.allowed) return b;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a : b;
  return a.resetSeconds >= b.resetSeconds ? a : b;
}
