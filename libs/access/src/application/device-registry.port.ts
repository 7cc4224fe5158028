/** What access needs to know about a device, provided by the pairing context. */
export interface DeviceStatus {
  /** False once revoked. */
  active: boolean;
  /** Tokens issued (iat, seconds) before the device's latest pairing are refused. */
  validFromSeconds: number;
}

export interface DeviceRegistry {
  statusOf(deviceId: string): DeviceStatus | undefined;
  /** Notes an authenticated request (operational state, never an event). */
  seen(deviceId: string): void;
}

export const DEVICE_REGISTRY = Symbol('DEVICE_REGISTRY');
