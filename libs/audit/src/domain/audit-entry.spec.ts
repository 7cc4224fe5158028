import { describe, expect, it } from 'vitest';
import {
  actionOf,
  describeEvent,
  entryJson,
  maskSecrets,
  MemoryNameBook,
  type AuditSource,
} from './audit-entry';

function event(
  type: string,
  stream: string,
  data: unknown,
  metadata: Partial<AuditSource['metadata']> = {},
  position = 7,
): AuditSource {
  return {
    position,
    id: `id-${position}`,
    stream,
    type,
    recordedAt: '2025-06-01T12:00:00.000Z',
    metadata: { correlationId: 'corr-1', actor: { kind: 'admin', id: 'alice' }, ...metadata },
    data: () => data,
  };
}

const noNames = new MemoryNameBook();

describe('audit entries', () => {
  it('name actions after the event type, as Nekzus does where it has a name', () => {
    expect(actionOf('RouteAdded')).toBe('route.added');
    expect(actionOf('DeviceRevoked')).toBe('device.revoked');
    expect(actionOf('ApiKeyCreated')).toBe('api_key.created');
    expect(actionOf('AdminSignInFailed')).toBe('admin.sign_in_failed');
    // A type added later without a table entry still gets a readable action.
    expect(actionOf('ServiceBecameHealthy')).toBe('service.became_healthy');
  });

  it('given a route change by an admin from an address, show who, what, where and which request', () => {
    const entry = describeEvent(
      event(
        'RouteChanged',
        'route-grafana',
        { routeId: 'grafana' },
        { sourceIp: '192.168.1.5', causationId: 'cause-1' },
      ),
      noNames,
    );
    expect(entry).toEqual({
      position: 7,
      eventId: 'id-7',
      time: '2025-06-01T12:00:00.000Z',
      stream: 'route-grafana',
      eventType: 'RouteChanged',
      action: 'route.changed',
      actor: { kind: 'admin', id: 'alice' },
      target: { type: 'route', id: 'grafana' },
      outcome: 'success',
      sourceIp: '192.168.1.5',
      correlationId: 'corr-1',
      causationId: 'cause-1',
    });
  });

  it('a failed sign-in is a failure with its reason and the address it came from', () => {
    const entry = describeEvent(
      event(
        'AdminSignInFailed',
        'admin-sessions',
        { username: 'bob', reason: 'wrong-password', address: '10.0.0.9' },
        { actor: { kind: 'anonymous', id: 'anonymous' } },
      ),
      noNames,
    );
    expect(entry).toMatchObject({
      action: 'admin.sign_in_failed',
      target: { type: 'admin', id: 'bob' },
      outcome: 'failure',
      error: 'wrong-password',
      sourceIp: '10.0.0.9',
    });
  });

  it('a rejected config is a failure listing its errors', () => {
    const entry = describeEvent(
      event('ConfigRejected', 'config', {
        source: '/etc/nekzus.yaml',
        errors: ['a: bad', 'b: bad'],
      }),
      noNames,
    );
    expect(entry).toMatchObject({
      target: { type: 'config', id: '/etc/nekzus.yaml' },
      outcome: 'failure',
      error: 'a: bad; b: bad',
    });
  });

  it('given a device paired and renamed, later entries show its current name as actor and target', () => {
    const names = new MemoryNameBook();
    const paired = event('DevicePaired', 'device-d1', { deviceId: 'd1', name: 'Pixel' }, {}, 1);
    names.learn(paired.type, paired.data);
    expect(describeEvent(paired, names).target).toEqual({
      type: 'device',
      id: 'd1',
      name: 'Pixel',
    });
    const renamed = event(
      'DeviceRenamed',
      'device-d1',
      { deviceId: 'd1', name: 'Work phone' },
      {},
      2,
    );
    names.learn(renamed.type, renamed.data);
    const refresh = event(
      'DeviceTokenRefreshed',
      'device-d1',
      { deviceId: 'd1', tokenId: 't' },
      { actor: { kind: 'device', id: 'd1' } },
      3,
    );
    expect(describeEvent(refresh, names)).toMatchObject({
      actor: { kind: 'device', id: 'd1', name: 'Work phone' },
      target: { type: 'device', id: 'd1', name: 'Work phone' },
    });
  });

  it('never shows a secret: password, key and code hashes are masked, the rest kept', () => {
    expect(maskSecrets('AdminAccountCreated', { username: 'a', passwordHash: 'scrypt$x' })).toEqual(
      {
        username: 'a',
        passwordHash: '[redacted]',
      },
    );
    expect(maskSecrets('ApiKeyCreated', { keyId: 'k', keyHash: 'abc', scopes: [] })).toEqual({
      keyId: 'k',
      keyHash: '[redacted]',
      scopes: [],
    });
    const issued = { codeId: 'c', codeHash: 'h', tokenDigest: 'd', baseUrl: 'u' };
    expect(maskSecrets('PairingCodeIssued', issued)).toEqual({
      codeId: 'c',
      codeHash: '[redacted]',
      tokenDigest: '[redacted]',
      baseUrl: 'u',
    });
    expect(issued.codeHash).toBe('h');
    const route = { route: { routeId: 'r' } };
    expect(maskSecrets('RouteAdded', route)).toBe(route);
  });

  it('entryJson writes exactly what JSON.stringify writes, strings that need escaping included', () => {
    const names = new MemoryNameBook();
    names.learn('DevicePaired', () => ({ deviceId: 'p"1', name: 'Anna\'s "phone" \\ 📱' }));
    const odd = [
      'plain',
      'quote " and \\ backslash',
      'tab\tnew\nline\u0001',
      'emoji 😀 é',
      'lone \ud800 surrogate',
      '',
    ];
    const entries = [
      describeEvent(event('RouteChanged', 'route-r1', {}), noNames),
      describeEvent(
        event('AdminSignInFailed', 'admin-x', {
          username: 'x',
          reason: 'bad "password"',
          address: '10.0.0.1',
        }),
        noNames,
      ),
      describeEvent(
        event(
          'DeviceRenamed',
          'device-p"1',
          { deviceId: 'p"1', name: 'n' },
          { actor: { kind: 'device', id: 'p"1' }, causationId: 'cause', sourceIp: '::1' },
        ),
        names,
      ),
      describeEvent(
        event('ConfigRejected', 'config', { source: 'file', errors: ['a\nb', 'c'] }),
        noNames,
      ),
      ...odd.map((text, i) =>
        describeEvent(
          event(
            text || 'X',
            `${text}-${text}`,
            {},
            { correlationId: text, actor: { kind: text, id: text } },
            i,
          ),
          noNames,
        ),
      ),
    ];
    for (const entry of entries) expect(entryJson(entry)).toBe(JSON.stringify(entry));
    expect(entries.some((e) => e.actor.name !== undefined && e.target.name !== undefined)).toBe(
      true,
    );
  });
});
