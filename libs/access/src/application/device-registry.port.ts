/** What access needs to know about a device, provided by the pairing context. */
export interface DeviceStatus {
  /** False once revoked. */
  active: boolean;
  /**
   * Id of the token issued by the device's latest pairing ('' when paired once). Token ids are
   * UUIDv7, ordered by creation: ids below this one come from an earlier pairing and are refused.
   */
  validFromTokenId: string;
}

export interface DeviceRegistry {
  statusOf(deviceId: string): DeviceStatus | undefined;
  /** Notes an authenticated request (operational state, never an event). */
  seen(deviceId: string): void;
}

/** Something that lets a caller in was withdrawn: open connections of it must close. */
export type Revocation =
  | { kind: 'device'; deviceId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'apikey'; keyId: string };

export type RevocationListener = (revocation: Revocation) => void;

export const DEVICE_REGISTRY = Symbol('DEVICE_REGISTRY');
