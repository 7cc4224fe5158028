import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#libs/event-store';
import { deviceStream, type DeviceEvent, type DevicePaired } from '../domain';
import { DeviceDirectory } from './device-directory';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function log() {
  let position = 0n;
  return (event: DeviceEvent | { type: string; data: unknown }, at: number): RecordedEvent => {
    position += 1n;
    return {
      id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
      stream: deviceStream('any'),
      revision: position - 1n,
      position,
      type: event.type,
      schemaVersion: 1,
      data: event.data,
      metadata: { correlationId: `c-${position}`, actor: { kind: 'anonymous', id: 'anonymous' } },
      recordedAt: new Date(at),
    };
  };
}

const tokenIdOf = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const paired = (
  deviceId: string,
  rePaired = false,
  name = deviceId,
  tokenId = tokenIdOf(1),
): DeviceEvent => {
  const data: DevicePaired['data'] = {
    deviceId,
    name,
    model: 'Pixel 8',
    platform: 'android',
    scopes: ['read:catalog'],
    via: 'pairing-code',
    tokenId,
    rePaired,
  };
  return { type: 'DevicePaired', data };
};
const revoked = (deviceId: string): DeviceEvent => ({ type: 'DeviceRevoked', data: { deviceId } });

/** A clock the test moves by hand. */
function clock(start: number) {
  let now = start;
  return { now: () => now, set: (ms: number) => void (now = ms) };
}

describe('device directory', () => {
  it('reports an active device as valid for every token', () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record(paired('phone'), T0));
    expect(directory.statusOf('phone')).toEqual({ active: true, validFromTokenId: '' });
    expect(directory.active('phone')?.pairedAt).toEqual(new Date(T0));
  });

  it('reports a revoked device as inactive and an unknown one as unknown', () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record(paired('phone'), T0));
    directory.apply(record(revoked('phone'), T0 + MINUTE));
    expect(directory.statusOf('phone')).toEqual({ active: false, validFromTokenId: '' });
    expect(directory.active('phone')).toBeUndefined();
    expect(directory.statusOf('tablet')).toBeUndefined();
  });

  it('refuses tokens from before a re-pairing: valid from the new pairing’s token id', () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record(paired('phone'), T0));
    directory.apply(record(revoked('phone'), T0 + MINUTE));
    directory.apply(record(paired('phone', true, 'Phone again', tokenIdOf(2)), T0 + 2 * MINUTE));
    expect(directory.statusOf('phone')).toEqual({ active: true, validFromTokenId: tokenIdOf(2) });
    const device = directory.active('phone');
    expect(device?.name).toBe('Phone again');
    expect(device?.revokedAt).toBeUndefined();
  });

  it('follows renames and revocations', () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record(paired('phone'), T0));
    directory.apply(record(paired('tablet'), T0));
    directory.apply(
      record({ type: 'DeviceRenamed', data: { deviceId: 'phone', name: 'Kitchen' } }, T0 + 1),
    );
    directory.apply(record(revoked('tablet'), T0 + 2));
    expect(directory.active('phone')?.name).toBe('Kitchen');
    expect(directory.list().map((d) => d.id)).toEqual(['phone']);
  });

  it('lists active devices, most recently seen first', () => {
    const record = log();
    const time = clock(T0);
    const directory = new DeviceDirectory(time.now);
    directory.apply(record(paired('a'), T0));
    directory.apply(record(paired('b'), T0 + MINUTE));
    directory.apply(record(paired('c'), T0 + 2 * MINUTE));
    time.set(T0 + 10 * MINUTE);
    directory.seen('a');
    directory.apply(
      record(
        { type: 'DeviceTokenRefreshed', data: { deviceId: 'b', tokenId: 't' } },
        T0 + 5 * MINUTE,
      ),
    );
    expect(directory.list().map((d) => d.id)).toEqual(['a', 'b', 'c']);
    expect(directory.active('a')?.lastSeen).toEqual(new Date(T0 + 10 * MINUTE));
  });

  it('counts requests per day on the injected clock', () => {
    const record = log();
    const time = clock(T0);
    const directory = new DeviceDirectory(time.now);
    directory.apply(record(paired('phone'), T0));
    const device = () => directory.active('phone')!;
    expect(directory.requestsTodayOf(device())).toBe(0);
    directory.seen('phone');
    directory.seen('phone');
    time.set(T0 + 11 * 60 * MINUTE);
    directory.seen('phone');
    expect(directory.requestsTodayOf(device())).toBe(3);
    // Past midnight UTC the count starts again, even before the next request.
    time.set(T0 + DAY);
    expect(directory.requestsTodayOf(device())).toBe(0);
    directory.seen('phone');
    expect(directory.requestsTodayOf(device())).toBe(1);
  });

  it('keeps today’s count across a re-pairing and ignores unknown devices', () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record(paired('phone'), T0));
    directory.seen('phone');
    directory.seen('nobody');
    directory.apply(record(paired('phone', true), T0 + MINUTE));
    expect(directory.requestsTodayOf(directory.active('phone')!)).toBe(1);
    expect(directory.statusOf('nobody')).toBeUndefined();
  });

  it('ignores events of other streams but moves its position past them', async () => {
    const record = log();
    const directory = new DeviceDirectory(() => T0);
    directory.apply(record({ type: 'PairingCodeRedeemed', data: { codeId: 'c' } }, T0));
    expect(directory.list()).toEqual([]);
    await expect(directory.waitFor(1n, 1_000)).resolves.toBe(true);
  });
});
