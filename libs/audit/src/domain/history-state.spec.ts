import { describe, expect, it } from 'vitest';
import { diffHistory, foldHistory, historyView, type HistoryEvent } from './history-state';

let position = 0;
function e(type: string, stream: string, data: unknown): HistoryEvent {
  position += 1;
  return {
    position,
    stream,
    type,
    recordedAt: `2025-06-01T12:00:${String(position).padStart(2, '0')}.000Z`,
    data: () => data,
  };
}

const route = (routeId: string, to: string) => ({
  routeId,
  appId: 'a',
  pathBase: `/apps/${routeId}/`,
  to,
});

describe('the state at a point of history', () => {
  it('given routes added, changed and removed, then only the living ones with their last spec', () => {
    position = 0;
    const view = historyView(
      foldHistory([
        e('AppRegistered', 'app-a', { app: { id: 'a', name: 'A' } }),
        e('RouteAdded', 'route-r1', { route: route('r1', 'http://one') }),
        e('RouteAdded', 'route-r2', { route: route('r2', 'http://two') }),
        e('RouteChanged', 'route-r1', {
          routeId: 'r1',
          route: route('r1', 'http://uno'),
          changedFields: ['to'],
        }),
        e('RouteRemoved', 'route-r2', { routeId: 'r2', appId: 'a', pathBase: '/apps/r2/' }),
      ]),
    );
    expect(view.apps.map((a) => a.id)).toEqual(['a']);
    expect(view.routes).toEqual([
      {
        id: 'r1',
        spec: route('r1', 'http://uno'),
        createdAt: '2025-06-01T12:00:02.000Z',
        updatedAt: '2025-06-01T12:00:04.000Z',
        position: 4,
      },
    ]);
  });

  it('given a route removed and changed after (only a tampered log), then it stays removed, as the read model does', () => {
    position = 0;
    const view = historyView(
      foldHistory([
        e('RouteAdded', 'route-r1', { route: route('r1', 'http://one') }),
        e('RouteRemoved', 'route-r1', { routeId: 'r1' }),
        e('RouteChanged', 'route-r1', { routeId: 'r1', route: route('r1', 'http://x') }),
      ]),
    );
    expect(view.routes).toEqual([]);
  });

  it('given devices paired, renamed and revoked, and keys created, revoked and deleted, then no secret in the state', () => {
    position = 0;
    const view = historyView(
      foldHistory([
        e('DevicePaired', 'device-d1', {
          deviceId: 'd1',
          name: 'Pixel',
          model: 'P9',
          platform: 'android',
          scopes: ['read:catalog'],
        }),
        e('DeviceRenamed', 'device-d1', { deviceId: 'd1', name: 'Work' }),
        e('DevicePaired', 'device-d2', {
          deviceId: 'd2',
          name: 'iPad',
          model: 'Air',
          platform: 'ios',
          scopes: [],
        }),
        e('DeviceRevoked', 'device-d2', { deviceId: 'd2' }),
        e('AdminAccountCreated', 'admin-accounts', {
          username: 'alice',
          passwordHash: 'scrypt$secret',
        }),
        e('ApiKeyCreated', 'apikey-k1', {
          keyId: 'k1',
          name: 'ci',
          prefix: 'nkz_ab',
          keyHash: 'deadbeef',
          scopes: ['read:*'],
          expiresAt: null,
        }),
        e('ApiKeyCreated', 'apikey-k2', {
          keyId: 'k2',
          name: 'old',
          prefix: 'nkz_cd',
          keyHash: 'cafe',
          scopes: [],
          expiresAt: null,
        }),
        e('ApiKeyRevoked', 'apikey-k1', { keyId: 'k1' }),
        e('ApiKeyDeleted', 'apikey-k2', { keyId: 'k2' }),
      ]),
    );
    expect(view.devices.map((d) => [d.id, d.name, d.active])).toEqual([
      ['d1', 'Work', true],
      ['d2', 'iPad', false],
    ]);
    expect(view.admins).toEqual([{ username: 'alice', createdAt: '2025-06-01T12:00:05.000Z' }]);
    expect(view.apiKeys).toMatchObject([
      { keyId: 'k1', name: 'ci', revokedAt: '2025-06-01T12:00:08.000Z' },
    ]);
    const text = JSON.stringify(view);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('deadbeef');
  });

  it('the last creation, removal and event of each route stream fold to the same state as the whole stream', () => {
    position = 0;
    const all = [
      e('RouteAdded', 'route-r1', { route: route('r1', 'http://1') }),
      e('RouteChanged', 'route-r1', { routeId: 'r1', route: route('r1', 'http://2') }),
      e('RouteRemoved', 'route-r1', { routeId: 'r1' }),
      e('RouteAdded', 'route-r1', { route: route('r1', 'http://3') }),
      e('RouteChanged', 'route-r1', { routeId: 'r1', route: route('r1', 'http://4') }),
      e('RouteChanged', 'route-r1', { routeId: 'r1', route: route('r1', 'http://5') }),
    ];
    const reduced = [all[2]!, all[3]!, all[5]!];
    expect(historyView(foldHistory(reduced)).routes).toEqual(historyView(foldHistory(all)).routes);
  });

  it('diff names what was added, changed (with its fields) and removed', () => {
    position = 0;
    const before = historyView(
      foldHistory([
        e('RouteAdded', 'route-r1', { route: route('r1', 'http://1') }),
        e('RouteAdded', 'route-r2', { route: route('r2', 'http://2') }),
        e('DevicePaired', 'device-d1', {
          deviceId: 'd1',
          name: 'P',
          model: '',
          platform: 'ios',
          scopes: [],
        }),
      ]),
    );
    const after = historyView(
      foldHistory([
        e('RouteAdded', 'route-r1', { route: route('r1', 'http://changed') }),
        e('RouteAdded', 'route-r3', { route: route('r3', 'http://3') }),
        e('DevicePaired', 'device-d1', {
          deviceId: 'd1',
          name: 'P',
          model: '',
          platform: 'ios',
          scopes: [],
        }),
        e('DeviceRevoked', 'device-d1', { deviceId: 'd1' }),
      ]),
    );
    expect(diffHistory(before, after)).toEqual([
      { kind: 'changed', entity: 'route', id: 'r1', fields: ['to'] },
      { kind: 'removed', entity: 'route', id: 'r2' },
      { kind: 'added', entity: 'route', id: 'r3' },
      { kind: 'changed', entity: 'device', id: 'd1', fields: ['active', 'pairedAt', 'revokedAt'] },
    ]);
    expect(diffHistory(after, after)).toEqual([]);
  });
});
