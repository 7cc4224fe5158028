import { describe, expect, it } from 'vitest';
import type { Actor, RecordedEvent } from '#libs/event-store';
import {
  ADMIN_ACCOUNTS_STREAM,
  ADMIN_SESSIONS_STREAM,
  apiKeyStream,
  type AccessEvent,
  type ApiKeyCreated,
} from '../domain';
import { AccessDirectory, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from './access-directory';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const MINUTE = 60_000;
const admin: Actor = { kind: 'admin', id: 'alice' };
const anonymous: Actor = { kind: 'anonymous', id: 'anonymous' };

/** Builds events as the store would hand them over: positions strictly increasing. */
function log() {
  let position = 0n;
  return (
    event: AccessEvent,
    at: number,
    actor: Actor = admin,
    stream = ADMIN_SESSIONS_STREAM,
  ): RecordedEvent => {
    position += 1n;
    return {
      id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
      stream,
      revision: position - 1n,
      position,
      type: event.type,
      schemaVersion: 1,
      data: event.data,
      metadata: { correlationId: `c-${position}`, actor },
      recordedAt: new Date(at),
    };
  };
}

const hashOf = (n: number) => String(n).repeat(64).slice(0, 64);
const keyCreated = (n: number): ApiKeyCreated => ({
  type: 'ApiKeyCreated',
  data: {
    keyId: `key_${String(n).repeat(32).slice(0, 32)}`,
    name: `key ${n}`,
    prefix: `nkz_${n}`,
    keyHash: hashOf(n),
    scopes: ['read:catalog'],
    expiresAt: null,
  },
});

describe('access directory: API keys', () => {
  function withKeys() {
    const record = log();
    const directory = new AccessDirectory();
    const keys = [1, 2, 3].map(keyCreated);
    keys.forEach((key, i) =>
      directory.apply(record(key, T0 + i * MINUTE, admin, apiKeyStream(key.data.keyId))),
    );
    const ids = keys.map((k) => k.data.keyId);
    return { directory, record, ids };
  }

  it('finds an active key by the hash of what the client presents', () => {
    const { directory, ids } = withKeys();
    const found = directory.keyByHash(hashOf(2));
    expect(found?.keyId).toBe(ids[1]);
    expect(found?.name).toBe('key 2');
    expect(found?.createdAt).toEqual(new Date(T0 + MINUTE));
    expect(found?.createdBy).toBe('alice');
    expect(found?.revokedAt).toBeUndefined();
    expect(directory.keyByHash(hashOf(9))).toBeUndefined();
  });

  it('lists keys newest first', () => {
    const { directory, ids } = withKeys();
    expect(directory.keys().map((k) => k.keyId)).toEqual([ids[2], ids[1], ids[0]]);
  });

  it('stops finding a revoked key by hash but still lists it, with when it was revoked', () => {
    const { directory, record, ids } = withKeys();
    const keyId = ids[1]!;
    directory.apply(record({ type: 'ApiKeyRevoked', data: { keyId } }, T0 + 10 * MINUTE));
    expect(directory.keyByHash(hashOf(2))).toBeUndefined();
    expect(directory.key(keyId)?.revokedAt).toEqual(new Date(T0 + 10 * MINUTE));
    expect(directory.keys().map((k) => k.keyId)).toEqual([ids[2], keyId, ids[0]]);
    expect(directory.keyByHash(hashOf(1))?.keyId).toBe(ids[0]);
  });

  it('forgets a deleted key entirely, whether it was active or revoked', () => {
    const { directory, record, ids } = withKeys();
    directory.apply(record({ type: 'ApiKeyDeleted', data: { keyId: ids[0]! } }, T0 + 10 * MINUTE));
    directory.apply(record({ type: 'ApiKeyRevoked', data: { keyId: ids[1]! } }, T0 + 11 * MINUTE));
    directory.apply(record({ type: 'ApiKeyDeleted', data: { keyId: ids[1]! } }, T0 + 12 * MINUTE));
    expect(directory.keyByHash(hashOf(1))).toBeUndefined();
    expect(directory.keyByHash(hashOf(2))).toBeUndefined();
    expect(directory.key(ids[0]!)).toBeUndefined();
    expect(directory.key(ids[1]!)).toBeUndefined();
    expect(directory.keys().map((k) => k.keyId)).toEqual([ids[2]]);
  });

  it('ignores events of other contexts but moves its position past them', async () => {
    const record = log();
    const directory = new AccessDirectory();
    directory.apply(record(keyCreated(1), T0));
    const other = {
      ...record(keyCreated(2), T0),
      type: 'DevicePaired',
    };
    directory.apply(other);
    expect(directory.keys()).toHaveLength(1);
    expect(directory.position).toBe(2n);
    await expect(directory.waitFor(2n, 1_000)).resolves.toBe(true);
  });
});

describe('access directory: administrators and sessions', () => {
  const created = {
    type: 'AdminAccountCreated',
    data: { username: 'alice', passwordHash: 'scrypt$x' },
  } as const;
  const signedIn = (sessionId: string): AccessEvent => ({
    type: 'AdminSignedIn',
    data: {
      username: 'alice',
      sessionId,
      expiresAt: new Date(T0 + 60 * MINUTE).toISOString(),
      address: '192.168.1.20',
    },
  });

  it('knows there are administrators once setup created one', () => {
    const record = log();
    const directory = new AccessDirectory();
    expect(directory.hasAdmins()).toBe(false);
    directory.apply(record(created, T0, { kind: 'system', id: 'setup' }, ADMIN_ACCOUNTS_STREAM));
    expect(directory.hasAdmins()).toBe(true);
    expect(directory.admin('alice')).toEqual({
      id: 1,
      username: 'alice',
      passwordHash: 'scrypt$x',
      createdAt: new Date(T0),
      lastLogin: undefined,
    });
    expect(directory.admin('Alice')).toBeUndefined();
  });

  it('records the time of the latest sign-in as the last login', () => {
    const record = log();
    const directory = new AccessDirectory();
    directory.apply(record(created, T0, anonymous, ADMIN_ACCOUNTS_STREAM));
    directory.apply(record(signedIn('s1'), T0 + MINUTE));
    directory.apply(record(signedIn('s2'), T0 + 5 * MINUTE));
    expect(directory.admin('alice')?.lastLogin).toEqual(new Date(T0 + 5 * MINUTE));
  });

  it('does not invent an account for a sign-in of an unknown username', () => {
    const record = log();
    const directory = new AccessDirectory();
    directory.apply(record(signedIn('s1'), T0));
    expect(directory.hasAdmins()).toBe(false);
    expect(directory.admin('alice')).toBeUndefined();
  });

  it('remembers signed-out sessions until they are swept', () => {
    const record = log();
    const directory = new AccessDirectory();
    const signedOut = (sessionId: string): AccessEvent => ({
      type: 'AdminSignedOut',
      data: { username: 'alice', sessionId },
    });
    directory.apply(record(signedIn('s1'), T0));
    expect(directory.isSessionEnded('s1')).toBe(false);
    directory.apply(record(signedOut('s1'), T0 + MINUTE));
    directory.apply(record(signedOut('s2'), T0 + 3 * MINUTE));
    expect(directory.isSessionEnded('s1')).toBe(true);
    expect(directory.isSessionEnded('s2')).toBe(true);
    expect(directory.isSessionEnded('s3')).toBe(false);
    directory.sweepEndedSessions(T0 + 2 * MINUTE);
    expect(directory.isSessionEnded('s1')).toBe(false);
    expect(directory.isSessionEnded('s2')).toBe(true);
  });
});

describe('access directory: sign-in lock-out', () => {
  const HOME = '192.168.1.20';
  const ELSEWHERE = '203.0.113.9';

  function directoryWith() {
    const record = log();
    const directory = new AccessDirectory();
    directory.apply(
      record(
        { type: 'AdminAccountCreated', data: { username: 'alice', passwordHash: 'scrypt$x' } },
        T0 - 60 * MINUTE,
        anonymous,
        ADMIN_ACCOUNTS_STREAM,
      ),
    );
    const fail = (at: number, username = 'alice', address = HOME) =>
      directory.apply(
        record(
          {
            type: 'AdminSignInFailed',
            data: { username, reason: 'wrong-password', address },
          },
          at,
          anonymous,
        ),
      );
    const succeed = (at: number, address = HOME) =>
      directory.apply(
        record(
          {
            type: 'AdminSignedIn',
            data: { username: 'alice', sessionId: `s-${at}`, expiresAt: '', address },
          },
          at,
        ),
      );
    return { directory, fail, succeed };
  }

  it('uses five failures and a fifteen-minute window', () => {
    expect(SIGN_IN_MAX_FAILURES).toBe(5);
    expect(SIGN_IN_WINDOW_MS).toBe(15 * MINUTE);
  });

  it('lets four failures pass', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 4; i++) fail(T0 + i * MINUTE);
    expect(directory.signInWait('alice', HOME, T0 + 4 * MINUTE)).toBe(0);
  });

  it('locks the account and the address for 15 minutes after the fifth failure', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 5; i++) fail(T0 + i * MINUTE);
    const last = T0 + 4 * MINUTE;
    expect(directory.signInWait('alice', HOME, last)).toBe(15 * MINUTE);
    // The account is locked from any address, and the address for any account.
    expect(directory.signInWait('alice', ELSEWHERE, last)).toBe(15 * MINUTE);
    expect(directory.signInWait('bob', HOME, last)).toBe(15 * MINUTE);
    expect(directory.signInWait('bob', ELSEWHERE, last)).toBe(0);
    expect(directory.signInWait('alice', HOME, last + 10 * MINUTE)).toBe(5 * MINUTE);
    expect(directory.signInWait('alice', HOME, last + 15 * MINUTE - 1)).toBe(1);
    expect(directory.signInWait('alice', HOME, last + 15 * MINUTE)).toBe(0);
  });

  it('locks an account tried from many addresses, and an address trying many accounts', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 5; i++) fail(T0 + i * MINUTE, 'alice', `10.0.0.${i}`);
    for (let i = 0; i < 5; i++) fail(T0 + i * MINUTE, `user${i}`, ELSEWHERE);
    const now = T0 + 5 * MINUTE;
    expect(directory.signInWait('alice', '10.9.9.9', now)).toBe(14 * MINUTE);
    expect(directory.signInWait('user0', '10.0.0.0', now)).toBe(0);
    expect(directory.signInWait('bob', ELSEWHERE, now)).toBe(14 * MINUTE);
  });

  it('starts a new run when the previous failure is older than the window', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 4; i++) fail(T0 + i * MINUTE);
    const restart = T0 + 3 * MINUTE + 15 * MINUTE + 1;
    fail(restart);
    expect(directory.signInWait('alice', HOME, restart)).toBe(0);
    for (let i = 1; i < 4; i++) fail(restart + i * MINUTE);
    expect(directory.signInWait('alice', HOME, restart + 3 * MINUTE)).toBe(0);
    fail(restart + 4 * MINUTE);
    expect(directory.signInWait('alice', HOME, restart + 4 * MINUTE)).toBe(15 * MINUTE);
  });

  it('clears the account and the address on a successful sign-in', () => {
    const { directory, fail, succeed } = directoryWith();
    for (let i = 0; i < 4; i++) fail(T0 + i * MINUTE);
    succeed(T0 + 4 * MINUTE);
    fail(T0 + 5 * MINUTE);
    expect(directory.signInWait('alice', HOME, T0 + 5 * MINUTE)).toBe(0);
    for (let i = 6; i < 10; i++) fail(T0 + i * MINUTE);
    expect(directory.signInWait('alice', HOME, T0 + 9 * MINUTE)).toBe(15 * MINUTE);
    // However the locks came about, a successful sign-in lifts both.
    succeed(T0 + 10 * MINUTE);
    expect(directory.signInWait('alice', ELSEWHERE, T0 + 10 * MINUTE)).toBe(0);
    expect(directory.signInWait('bob', HOME, T0 + 10 * MINUTE)).toBe(0);
  });

  it('keeps an administrator locked while 10,000 failures with made-up usernames follow', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 5; i++) fail(T0 + i * MINUTE, 'alice', `10.0.1.${i}`);
    for (let i = 0; i < 10_001; i++)
      fail(T0 + 5 * MINUTE, `made-up-${i}`, `10.1.${i >> 8}.${i & 255}`);
    expect(directory.signInWait('alice', '10.9.9.9', T0 + 5 * MINUTE)).toBe(14 * MINUTE);
  });

  it('does not lock after five failures spread over more than fifteen minutes', () => {
    const { directory, fail } = directoryWith();
    for (let i = 0; i < 5; i++) fail(T0 + i * 14 * MINUTE);
    expect(directory.signInWait('alice', HOME, T0 + 4 * 14 * MINUTE)).toBe(0);
  });
});
