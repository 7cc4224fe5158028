/**
 * Scopes as in Nekzus (contract A §4): a granted scope matches a required one when equal,
 * or when it ends in `:*` and the required scope starts with what precedes the `*`.
 * A bare `*` is no wildcard; required scopes are never expanded.
 */
export function scopeMatches(granted: string, required: string): boolean {
  if (granted === required) return true;
  return granted.length > 2 && granted.endsWith(':*') && required.startsWith(granted.slice(0, -1));
}

/** Every required scope is granted (an empty requirement is always met). */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((r) => granted.some((g) => scopeMatches(g, r)));
}

/** The scope that stands for full administration; `access:*` includes it, as in Nekzus. */
export const ADMIN_SCOPE = 'access:admin';

/** Platforms a device may pair as, exactly Nekzus's list. */
export const PLATFORMS = ['ios', 'android', 'web', 'desktop', 'linux', 'macos', 'windows'] as const;
export type Platform = (typeof PLATFORMS)[number];

const BASE = ['read:catalog', 'read:events'];
const FULL = [...BASE, 'access:mobile', 'access:*', 'read:*'];

/** Scopes granted at pairing (Nekzus `DetermineScopes`); admin sign-ins get the `web` set. */
export function scopesForPlatform(platform: string): string[] {
  switch (platform) {
    case 'ios':
    case 'android':
    case 'web':
      return [...FULL];
    default:
      return [...BASE];
  }
}

/**
 * Scopes an API key may carry: Nekzus's five plus the ones our endpoints require, and
 * `access:<app id>` for the proxy.
 */
export const API_KEY_SCOPES = [
  'read:catalog',
  'read:events',
  'read:devices',
  'read:metrics',
  'read:*',
  'write:routes',
  'write:devices',
  'write:webhooks',
  'write:*',
  'access:admin',
] as const;

const APP_ACCESS = /^access:[a-z0-9][a-z0-9_-]{0,62}$/;

export function isGrantableScope(scope: string): boolean {
  return (API_KEY_SCOPES as readonly string[]).includes(scope) || APP_ACCESS.test(scope);
}
