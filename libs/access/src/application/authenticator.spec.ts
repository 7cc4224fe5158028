import { createSecretKey } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NekzusConfig } from '#libs/config';
import { JwtTokens } from '../infrastructure/jwt-tokens';
import { AccessDirectory } from './access-directory';
import { Authenticator } from './authenticator';
import type { DeviceRegistry, DeviceStatus } from './device-registry.port';
import { NetworkPolicy } from './network-policy';

const key = createSecretKey(Buffer.from('k'.repeat(40)));

/** The pairing context's answer, kept in memory as the real directory keeps it. */
class Devices implements DeviceRegistry {
  readonly status = new Map<string, DeviceStatus>();
  readonly seenCount = new Map<string, number>();
  statusOf(deviceId: string) {
    return this.status.get(deviceId);
  }
  seen(deviceId: string) {
    this.seenCount.set(deviceId, (this.seenCount.get(deviceId) ?? 0) + 1);
  }
}

function configOf(trust: 'loopback' | 'off', trustedProxies: string[] = []): NekzusConfig {
  return {
    server: { trusted_proxies: trustedProxies },
    auth: { local_network_trust: trust, local_networks: [] },
  } as unknown as NekzusConfig;
}

/** A connection from `peer`: requests made with it share the socket, as keep-alive does. */
function connectionFrom(peer: string): Socket {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  return socket;
}

function request(socket: Socket, headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/apps/x/';
  // What Node's parser fills in: the list as sent, and the lower-case object.
  req.rawHeaders = Object.entries(headers).flat();
  req.headers = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return req;
}

describe('Authenticator: answers from memory', () => {
  let devices: Devices;
  let network: NetworkPolicy;
  let auth: Authenticator;
  const tokens = new JwtTokens(key, 'nekzus', 'nekzus-mobile', () => Date.now());
  const remote = connectionFrom('203.0.113.7');

  beforeEach(() => {
    // jsonwebtoken reads Date.now() for expiry: both clocks move together.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-26T10:00:00Z'));
    devices = new Devices();
    devices.status.set('phone-1', { active: true, validFromTokenId: '' });
    network = new NetworkPolicy(configOf('off'));
    auth = new Authenticator(tokens, new AccessDirectory(), devices, network, () => Date.now());
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('verifies a token once, then answers the same token without a promise', async () => {
    const { token } = tokens.sign('phone-1', ['access:x'], 'tok-1');
    expect(auth.authenticateFromMemory(request(remote, bearer(token)))).toBeUndefined();
    const first = await auth.authenticate(request(remote, bearer(token)));
    expect(first).toEqual({
      kind: 'device',
      deviceId: 'phone-1',
      scopes: ['access:x'],
      tokenId: 'tok-1',
    });
    expect(auth.authenticateFromMemory(request(remote, bearer(token)))).toEqual(first);
    // Every request counts as the device being seen, from memory or not.
    expect(devices.seenCount.get('phone-1')).toBe(2);
  });

  it('refuses a cached token on the request right after its device is revoked or re-paired', async () => {
    const { token } = tokens.sign('phone-1', [], 'tok-1');
    await auth.authenticate(request(remote, bearer(token)));
    expect(auth.authenticateFromMemory(request(remote, bearer(token)))).toMatchObject({
      kind: 'device',
    });
    devices.status.set('phone-1', { active: true, validFromTokenId: 'tok-2' });
    expect(() => auth.authenticateFromMemory(request(remote, bearer(token)))).toThrow(
      expect.objectContaining({ code: 'TOKEN_REVOKED' }),
    );
    devices.status.set('phone-1', { active: false, validFromTokenId: '' });
    expect(() => auth.authenticateFromMemory(request(remote, bearer(token)))).toThrow(
      expect.objectContaining({ code: 'DEVICE_REVOKED' }),
    );
    await expect(auth.authenticate(request(remote, bearer(token)))).rejects.toMatchObject({
      code: 'DEVICE_REVOKED',
    });
  });

  it('drops an expired token from the cache: it is verified again and refused', async () => {
    const { token, claims } = tokens.sign('phone-1', [], 'tok-1', 60);
    await auth.authenticate(request(remote, bearer(token)));
    vi.setSystemTime(claims.exp * 1000 - 1);
    expect(auth.authenticateFromMemory(request(remote, bearer(token)))).toMatchObject({
      kind: 'device',
    });
    vi.setSystemTime(claims.exp * 1000);
    expect(auth.authenticateFromMemory(request(remote, bearer(token)))).toBeUndefined();
    await expect(auth.authenticate(request(remote, bearer(token)))).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
  });

  it('never answers an altered token from the cache', async () => {
    const { token } = tokens.sign('phone-1', [], 'tok-1');
    await auth.authenticate(request(remote, bearer(token)));
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const altered = `${token.slice(0, -1)}${last}`;
    expect(auth.authenticateFromMemory(request(remote, bearer(altered)))).toBeUndefined();
    await expect(auth.authenticate(request(remote, bearer(altered)))).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
  });

  it('answers callers without credentials and API keys from memory', () => {
    expect(auth.authenticateFromMemory(request(remote))).toEqual({ kind: 'anonymous' });
    expect(() =>
      auth.authenticateFromMemory(request(remote, { 'X-API-Key': 'nkz_unknown' })),
    ).toThrow(expect.objectContaining({ code: 'API_KEY_INVALID' }));
  });

  it('lets a trusted local caller with an expired cached token in by address, as before', async () => {
    const local = connectionFrom('127.0.0.1');
    const trusting = new Authenticator(
      tokens,
      new AccessDirectory(),
      devices,
      new NetworkPolicy(configOf('loopback')),
      () => Date.now(),
    );
    const { token, claims } = tokens.sign('phone-1', [], 'tok-1', 60);
    expect(await trusting.authenticate(request(local, bearer(token)))).toMatchObject({
      kind: 'device',
    });
    vi.setSystemTime(claims.exp * 1000);
    expect(await trusting.authenticate(request(local, bearer(token)))).toEqual({
      kind: 'local',
      address: '127.0.0.1',
    });
    // A revoked device is not let in by address.
    vi.setSystemTime(claims.exp * 1000 - 1000);
    const fresh = tokens.sign('phone-1', [], 'tok-3');
    await trusting.authenticate(request(local, bearer(fresh.token)));
    devices.status.set('phone-1', { active: false, validFromTokenId: '' });
    expect(() => trusting.authenticateFromMemory(request(local, bearer(fresh.token)))).toThrow(
      expect.objectContaining({ code: 'DEVICE_REVOKED' }),
    );
  });
});

describe('NetworkPolicy: one verdict per connection', () => {
  it('follows a settings change on an open connection', () => {
    const network = new NetworkPolicy(configOf('loopback'));
    const local = connectionFrom('::ffff:127.0.0.1');
    expect(network.caller(request(local))).toEqual({ address: '127.0.0.1', trusted: true });
    network.update(configOf('off'));
    expect(network.caller(request(local))).toEqual({ address: '127.0.0.1', trusted: false });
  });

  it('reads each request of a trusted proxy’s connection for its own client', () => {
    const network = new NetworkPolicy(configOf('loopback', ['10.0.0.1']));
    const proxy = connectionFrom('10.0.0.1');
    expect(network.caller(request(proxy, { 'X-Forwarded-For': '198.51.100.4' }))).toEqual({
      address: '198.51.100.4',
      trusted: false,
    });
    expect(network.caller(request(proxy, { 'X-Forwarded-For': '127.0.0.1' }))).toEqual({
      address: '127.0.0.1',
      trusted: true,
    });
    // An untrusted peer's claims are ignored on every request.
    const other = connectionFrom('198.51.100.9');
    expect(network.clientAddress(request(other, { 'X-Forwarded-For': '127.0.0.1' }))).toBe(
      '198.51.100.9',
    );
  });
});
