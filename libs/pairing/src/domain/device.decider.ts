import { DomainError, ValidationFailed, type Decider, type ErrorDetail } from '#libs/kernel';
import type { DeviceEvent, DevicePaired } from './pairing.events';

export type DeviceState =
  { status: 'missing' } | { status: 'active' | 'revoked'; device: DevicePaired['data'] };

export type DeviceCommand =
  | {
      kind: 'PairDevice';
      device: Omit<DevicePaired['data'], 'rePaired'>;
    }
  | { kind: 'RenameDevice'; deviceId: string; name: unknown }
  | { kind: 'RevokeDevice'; deviceId: string }
  | { kind: 'RefreshDeviceToken'; deviceId: string; tokenId: string };

export class DeviceNotFound extends DomainError {
  constructor(deviceId: string) {
    super('DEVICE_NOT_FOUND', 'not_found', `no paired device with id "${deviceId}"`);
  }
}

export const PLATFORMS = ['ios', 'android', 'web', 'desktop', 'linux', 'macos', 'windows'];
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const RESERVED_PREFIX = 'user-';

export interface DeviceRegistration {
  id?: unknown;
  model?: unknown;
  platform?: unknown;
  pushToken?: unknown;
}

/** The rules of `POST /api/v1/auth/pair`'s `device` object, as field details. */
export function registrationProblems(device: DeviceRegistration | undefined): ErrorDetail[] {
  if (typeof device !== 'object' || device === null)
    return [{ field: 'device', message: 'is required: {"device": {"platform": "ios", ...}}' }];
  const problems: ErrorDetail[] = [];
  if (device.platform === undefined || device.platform === '')
    problems.push({ field: 'device.platform', message: 'is required' });
  else if (typeof device.platform !== 'string' || !PLATFORMS.includes(device.platform))
    problems.push({ field: 'device.platform', message: `must be one of: ${PLATFORMS.join(', ')}` });
  if (device.id !== undefined && device.id !== null && device.id !== '') {
    if (typeof device.id !== 'string' || !DEVICE_ID.test(device.id))
      problems.push({
        field: 'device.id',
        message:
          '1 to 128 characters: letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
      });
    else if (device.id.startsWith(RESERVED_PREFIX))
      problems.push({ field: 'device.id', message: `may not start with "${RESERVED_PREFIX}"` });
  }
  if (
    device.model !== undefined &&
    device.model !== null &&
    (typeof device.model !== 'string' || device.model.length > 255)
  )
    problems.push({ field: 'device.model', message: 'a string of at most 255 characters' });
  if (
    device.pushToken !== undefined &&
    device.pushToken !== null &&
    (typeof device.pushToken !== 'string' || device.pushToken.length > 512)
  )
    problems.push({ field: 'device.pushToken', message: 'a string of at most 512 characters' });
  return problems;
}

export const deviceDecider: Decider<DeviceCommand, DeviceEvent, DeviceState, void> = {
  initialState: () => ({ status: 'missing' }),
  evolve(state, event) {
    switch (event.type) {
      case 'DevicePaired':
        return { status: 'active', device: event.data };
      case 'DeviceRenamed':
        return state.status === 'missing'
          ? state
          : { ...state, device: { ...state.device, name: event.data.name } };
      case 'DeviceRevoked':
        return state.status === 'missing' ? state : { ...state, status: 'revoked' };
      case 'DeviceTokenRefreshed':
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'PairDevice':
        // A configured permanent token must not let anyone take over a paired device's id
        // (Nekzus overwrites the record); re-pairing an id needs a code an admin issued.
        if (state.status === 'active' && command.device.via === 'bootstrap-token')
          throw new DomainError(
            'DEVICE_ID_TAKEN',
            'conflict',
            `a device with id "${command.device.deviceId}" is already paired; re-pair it with a QR code, or use another id`,
          );
        return [
          {
            type: 'DevicePaired',
            data: { ...command.device, rePaired: state.status !== 'missing' },
          },
        ];
      case 'RenameDevice': {
        if (state.status !== 'active') throw new DeviceNotFound(command.deviceId);
        const name = typeof command.name === 'string' ? command.name.trim() : '';
        if (name === '')
          throw new ValidationFailed([{ field: 'deviceName', message: 'cannot be empty' }]);
        if (name.length > 255)
          throw new ValidationFailed([{ field: 'deviceName', message: 'at most 255 characters' }]);
        if (name === state.device.name) return [];
        return [{ type: 'DeviceRenamed', data: { deviceId: command.deviceId, name } }];
      }
      case 'RevokeDevice':
        if (state.status !== 'active') throw new DeviceNotFound(command.deviceId);
        return [{ type: 'DeviceRevoked', data: { deviceId: command.deviceId } }];
      case 'RefreshDeviceToken':
        if (state.status !== 'active')
          throw new DomainError(
            'DEVICE_REVOKED',
            'unauthorized',
            `device "${command.deviceId}" has been revoked; pair it again`,
          );
        return [
          {
            type: 'DeviceTokenRefreshed',
            data: { deviceId: command.deviceId, tokenId: command.tokenId },
          },
        ];
    }
  },
};
