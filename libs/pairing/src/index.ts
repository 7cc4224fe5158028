export * from './domain';
export * from './application/device-directory';
export * from './application/pairing-codes';
export * from './application/pairing-settings';
export * from './application/instance-id';
export {
  PairingService,
  verificationHash,
  type CodeStatus,
  type QrPayload,
} from './application/pairing.service';
export { qrTerminal, qrText, qrPng } from './infrastructure/qr-image';
export { PairingModule } from './pairing.module';
export { DevicesService, type DeviceView } from './application/devices.service';
export {
  DevicePresenceStore,
  devicePresenceContribution,
} from './infrastructure/device-presence.store';
