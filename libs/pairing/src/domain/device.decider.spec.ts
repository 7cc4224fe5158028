import { describe, expect, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import { deviceDecider, registrationProblems, type DeviceCommand } from './device.decider';
import type { DeviceEvent, DevicePaired } from './pairing.events';

const deviceId = 'phone-1';
const device: Omit<DevicePaired['data'], 'rePaired'> = {
  deviceId,
  name: 'Ana’s phone',
  model: 'Pixel 8',
  platform: 'android',
  scopes: ['read:catalog', 'read:events'],
  via: 'pairing-code',
  codeId: 'code-1',
  tokenId: '01900000-0000-7000-8000-000000000001',
};
const paired = (rePaired = false, data: Partial<DevicePaired['data']> = {}): DeviceEvent => ({
  type: 'DevicePaired',
  data: { ...device, ...data, rePaired },
});
const revoked: DeviceEvent = { type: 'DeviceRevoked', data: { deviceId } };
const renamed = (name: string): DeviceEvent => ({
  type: 'DeviceRenamed',
  data: { deviceId, name },
});
type Registration = Extract<DeviceCommand, { kind: 'PairDevice' }>['device'];
const pair = (data: Partial<Registration> = {}): DeviceCommand => ({
  kind: 'PairDevice',
  device: { ...device, ...data },
});

describe('device decider', () => {
  const spec = deciderSpecification(deviceDecider, undefined);

  describe('pair', () => {
    it('pairs a new device, through a code or a permanent token', () => {
      spec.given([]).when(pair()).then([paired()]);
      const viaToken = { via: 'bootstrap-token' as const, codeId: undefined };
      spec
        .given([])
        .when(pair(viaToken))
        .then([paired(false, viaToken)]);
    });

    it('re-pairs an active id through a pairing code, marking it re-paired', () => {
      spec
        .given([paired()])
        .when(pair({ codeId: 'code-2' }))
        .then([paired(true, { codeId: 'code-2' })]);
    });

    it('refuses a permanent token that names an active device', () => {
      spec
        .given([paired()])
        .when(pair({ via: 'bootstrap-token', codeId: undefined }))
        .thenThrows('DEVICE_ID_TAKEN', /phone-1/);
      spec
        .given([paired(), renamed('Other')])
        .when(pair({ via: 'bootstrap-token', codeId: undefined }))
        .thenThrows('DEVICE_ID_TAKEN');
    });

    it('pairs a revoked id again, by either route, marking it re-paired', () => {
      spec
        .given([paired(), revoked])
        .when(pair())
        .then([paired(true)]);
      const viaToken = { via: 'bootstrap-token' as const, codeId: undefined };
      spec
        .given([paired(), revoked])
        .when(pair(viaToken))
        .then([paired(true, viaToken)]);
    });
  });

  describe('rename', () => {
    it('trims the new name', () => {
      spec
        .given([paired()])
        .when({ kind: 'RenameDevice', deviceId, name: '  Kitchen tablet\t' })
        .then([renamed('Kitchen tablet')]);
    });

    it('refuses an empty or overlong name', () => {
      for (const name of ['', '   ', undefined, 42])
        spec
          .given([paired()])
          .when({ kind: 'RenameDevice', deviceId, name })
          .thenThrows('VALIDATION_FAILED', /^deviceName: cannot be empty$/);
      spec
        .given([paired()])
        .when({ kind: 'RenameDevice', deviceId, name: 'n'.repeat(256) })
        .thenThrows('VALIDATION_FAILED', /^deviceName: at most 255 characters$/);
      spec
        .given([paired()])
        .when({ kind: 'RenameDevice', deviceId, name: 'n'.repeat(255) })
        .then([renamed('n'.repeat(255))]);
    });

    it('gives no event when the name does not change', () => {
      spec
        .given([paired()])
        .when({ kind: 'RenameDevice', deviceId, name: ` ${device.name} ` })
        .then([]);
      spec
        .given([paired(), renamed('Kitchen')])
        .when({ kind: 'RenameDevice', deviceId, name: 'Kitchen' })
        .then([]);
      spec
        .given([paired(), renamed('Kitchen')])
        .when({ kind: 'RenameDevice', deviceId, name: device.name })
        .then([renamed(device.name)]);
    });

    it('does not find an unknown or revoked device', () => {
      spec
        .given([])
        .when({ kind: 'RenameDevice', deviceId, name: 'x' })
        .thenThrows('DEVICE_NOT_FOUND');
      spec
        .given([paired(), revoked])
        .when({ kind: 'RenameDevice', deviceId, name: 'x' })
        .thenThrows('DEVICE_NOT_FOUND');
    });
  });

  describe('revoke', () => {
    it('revokes an active device once; the second time it is not found', () => {
      spec.given([paired()]).when({ kind: 'RevokeDevice', deviceId }).then([revoked]);
      spec
        .given([paired(), revoked])
        .when({ kind: 'RevokeDevice', deviceId })
        .thenThrows('DEVICE_NOT_FOUND');
      spec.given([]).when({ kind: 'RevokeDevice', deviceId }).thenThrows('DEVICE_NOT_FOUND');
    });

    it('revokes a device that was paired again after a revocation', () => {
      spec
        .given([paired(), revoked, paired(true)])
        .when({ kind: 'RevokeDevice', deviceId })
        .then([revoked]);
    });
  });

  describe('refresh', () => {
    it('refreshes the token of an active device', () => {
      spec
        .given([paired()])
        .when({ kind: 'RefreshDeviceToken', deviceId, tokenId: 't-2' })
        .then([{ type: 'DeviceTokenRefreshed', data: { deviceId, tokenId: 't-2' } }]);
    });

    it('refuses to refresh for a revoked or unknown device', () => {
      spec
        .given([paired(), revoked])
        .when({ kind: 'RefreshDeviceToken', deviceId, tokenId: 't-2' })
        .thenThrows('DEVICE_REVOKED', /pair it again/);
      spec
        .given([])
        .when({ kind: 'RefreshDeviceToken', deviceId, tokenId: 't-2' })
        .thenThrows('DEVICE_REVOKED');
    });
  });
});

describe('registration problems', () => {
  const fields = (registration: Parameters<typeof registrationProblems>[0]) =>
    registrationProblems(registration).map((p) => p.field);

  it('accepts a minimal registration and one with every field', () => {
    expect(registrationProblems({ platform: 'ios' })).toEqual([]);
    expect(
      registrationProblems({
        platform: 'windows',
        id: 'Desk.top_1:a-b',
        model: 'Surface',
        pushToken: 'tok',
      }),
    ).toEqual([]);
  });

  it('needs a device object', () => {
    expect(fields(undefined)).toEqual(['device']);
    expect(fields(null as never)).toEqual(['device']);
  });

  it('needs a platform from the list', () => {
    expect(registrationProblems({})).toEqual([
      { field: 'device.platform', message: 'is required' },
    ]);
    expect(registrationProblems({ platform: '' })).toEqual([
      { field: 'device.platform', message: 'is required' },
    ]);
    for (const platform of ['iOS', 'blackberry', 7])
      expect(registrationProblems({ platform })).toEqual([
        {
          field: 'device.platform',
          message: 'must be one of: ios, android, web, desktop, linux, macos, windows',
        },
      ]);
    for (const platform of ['ios', 'android', 'web', 'desktop', 'linux', 'macos', 'windows'])
      expect(registrationProblems({ platform })).toEqual([]);
  });

  it('treats an empty or missing id as none', () => {
    expect(registrationProblems({ platform: 'ios', id: '' })).toEqual([]);
    expect(registrationProblems({ platform: 'ios', id: null })).toEqual([]);
  });

  it('checks the characters and length of a given id', () => {
    for (const id of ['-phone', '.phone', 'my phone', 'phone/1', 'é', 'a'.repeat(129), 12])
      expect(fields({ platform: 'ios', id })).toEqual(['device.id']);
    expect(fields({ platform: 'ios', id: 'a'.repeat(128) })).toEqual([]);
  });

  it('keeps the administrators’ "user-" subjects out of device ids', () => {
    expect(registrationProblems({ platform: 'ios', id: 'user-admin' })).toEqual([
      { field: 'device.id', message: 'may not start with "user-"' },
    ]);
    expect(fields({ platform: 'ios', id: 'my-user-phone' })).toEqual([]);
  });

  it('bounds the model at 255 and the push token at 512 characters', () => {
    expect(fields({ platform: 'ios', model: 'm'.repeat(255), pushToken: 'p'.repeat(512) })).toEqual(
      [],
    );
    expect(fields({ platform: 'ios', model: 'm'.repeat(256) })).toEqual(['device.model']);
    expect(fields({ platform: 'ios', pushToken: 'p'.repeat(513) })).toEqual(['device.pushToken']);
    expect(fields({ platform: 'ios', model: 5, pushToken: {} })).toEqual([
      'device.model',
      'device.pushToken',
    ]);
  });

  it('reports every problem at once', () => {
    expect(fields({ platform: 'palm', id: 'user-x', model: 'm'.repeat(256) })).toEqual([
      'device.platform',
      'device.id',
      'device.model',
    ]);
  });
});
