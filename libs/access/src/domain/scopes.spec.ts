import { describe, expect, it } from 'vitest';
import { hasScopes, isGrantableScope, scopeMatches, scopesForPlatform } from './scopes';

describe('scope matching (contract A §4.2)', () => {
  it.each([
    ['read:catalog', 'read:catalog', true],
    ['read:*', 'read:devices', true],
    ['access:*', 'access:grafana', true],
    ['access:*', 'access:admin', true],
    ['*', 'read:catalog', false],
    ['read:catalog', 'read:*', false],
    ['read:*', 'write:routes', false],
    [':*', 'x', false],
  ])('granted %s, required %s → %s', (granted, required, expected) => {
    expect(scopeMatches(granted, required)).toBe(expected);
  });

  it('needs every required scope, and an empty requirement is met', () => {
    expect(hasScopes(['read:*'], ['read:a', 'read:b'])).toBe(true);
    expect(hasScopes(['read:a'], ['read:a', 'write:b'])).toBe(false);
    expect(hasScopes([], [])).toBe(true);
  });

  it('grants phones the full set and desktops the base set', () => {
    expect(scopesForPlatform('ios')).toEqual([
      'read:catalog',
      'read:events',
      'access:mobile',
      'access:*',
      'read:*',
    ]);
    expect(scopesForPlatform('linux')).toEqual(['read:catalog', 'read:events']);
  });

  it('lets keys carry the known scopes and per-app access, nothing else', () => {
    expect(isGrantableScope('write:*')).toBe(true);
    expect(isGrantableScope('access:grafana')).toBe(true);
    expect(isGrantableScope('root')).toBe(false);
    expect(isGrantableScope('access:')).toBe(false);
  });
});
