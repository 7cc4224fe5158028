import type { DomainEvent } from '#libs/kernel';

export type PairingCodeIssued = DomainEvent<
  'PairingCodeIssued',
  {
    codeId: string;
    /** HMAC of the code under the gateway's key: the code itself is never stored. */
    codeHash: string;
    /** SHA-256 of the short-lived bootstrap token handed out with the code. */
    tokenDigest: string;
    expiresAt: string;
    baseUrl: string;
    spkiPins: string[];
  }
>;
export type PairingCodeRedeemed = DomainEvent<'PairingCodeRedeemed', { codeId: string }>;
/** The code's bootstrap token paired a device; neither can be used again. */
export type PairingCodeUsed = DomainEvent<'PairingCodeUsed', { codeId: string; deviceId: string }>;
export type PairingCodeEvent = PairingCodeIssued | PairingCodeRedeemed | PairingCodeUsed;

export type DevicePaired = DomainEvent<
  'DevicePaired',
  {
    deviceId: string;
    name: string;
    model: string;
    platform: string;
    scopes: string[];
    /** How the device proved it may pair: a QR/pairing code's token, or a configured permanent token. */
    via: 'pairing-code' | 'bootstrap-token';
    codeId?: string;
    /** Id (jti) of the token handed out with this pairing. */
    tokenId: string;
    /** The id was paired before; tokens from before this pairing are refused. */
    rePaired: boolean;
  }
>;
export type DeviceRenamed = DomainEvent<'DeviceRenamed', { deviceId: string; name: string }>;
export type DeviceRevoked = DomainEvent<'DeviceRevoked', { deviceId: string }>;
export type DeviceTokenRefreshed = DomainEvent<
  'DeviceTokenRefreshed',
  { deviceId: string; tokenId: string }
>;
export type DeviceEvent = DevicePaired | DeviceRenamed | DeviceRevoked | DeviceTokenRefreshed;

export type GatewayInstanceCreated = DomainEvent<'GatewayInstanceCreated', { nekzusId: string }>;

export type PairingEvent = PairingCodeEvent | DeviceEvent | GatewayInstanceCreated;

export const PAIRING_CODE_EVENT_TYPES = [
  'PairingCodeIssued',
  'PairingCodeRedeemed',
  'PairingCodeUsed',
] as const;
export const DEVICE_EVENT_TYPES = [
  'DevicePaired',
  'DeviceRenamed',
  'DeviceRevoked',
  'DeviceTokenRefreshed',
] as const;
export const PAIRING_EVENT_TYPES = [
  ...PAIRING_CODE_EVENT_TYPES,
  ...DEVICE_EVENT_TYPES,
  'GatewayInstanceCreated',
] as const;

export const pairingCodeStream = (codeId: string) => `pairing-${codeId}`;
export const deviceStream = (deviceId: string) => `device-${deviceId}`;
export const INSTANCE_STREAM = 'gateway-instance';
