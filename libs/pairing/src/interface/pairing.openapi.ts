import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the pairing and device views; titled ones become components. */

const string = { type: 'string' };
const strings = { type: 'array', items: string };
const unixSeconds = { type: 'integer', description: 'Unix time, seconds.' };

export const QR_PAYLOAD_SCHEMA: SchemaObject = {
  title: 'PairingCode',
  type: 'object',
  description: 'A pairing code and what its QR code holds (contract A §1.2.1).',
  required: ['qr', 'code', 'expiresAt'],
  properties: {
    qr: {
      type: 'object',
      required: ['u', 'c', 'v'],
      properties: {
        u: { type: 'string', description: 'The base URL the phone uses.' },
        c: { type: 'string', description: 'The pairing code.' },
        v: { type: 'string', description: 'Verification hash (hex).' },
      },
    },
    code: string,
    expiresAt: unixSeconds,
  },
};

export const CODE_STATUS_SCHEMA: SchemaObject = {
  title: 'PairingCodeStatus',
  type: 'object',
  required: ['valid', 'redeemed', 'expired', 'ttl', 'status'],
  properties: {
    valid: { type: 'boolean' },
    redeemed: { type: 'boolean' },
    expired: { type: 'boolean' },
    ttl: { type: 'integer', description: 'Seconds left.' },
    status: {
      type: 'string',
      enum: ['issued', 'redeemed', 'used', 'expired', 'unknown'],
      description: 'Not in Nekzus: the whole state in one word.',
    },
    deviceId: { type: 'string', description: 'The device paired with the code, once used.' },
  },
};

export const REDEEM_BODY_SCHEMA: SchemaObject = {
  title: 'RedeemPairingCode',
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', description: 'The code shown or scanned.' } },
};

export const PAIRING_CONFIG_SCHEMA: SchemaObject = {
  title: 'PairingConfig',
  type: 'object',
  required: [
    'baseUrl',
    'name',
    'spkiPins',
    'bootstrapToken',
    'capabilities',
    'nekzusId',
    'expiresAt',
  ],
  properties: {
    baseUrl: string,
    name: string,
    spkiPins: { ...strings, description: 'SHA-256 pins of the certificate keys, base64.' },
    bootstrapToken: { type: 'string', description: 'For `POST /api/v1/auth/pair`.' },
    capabilities: strings,
    nekzusId: string,
    expiresAt: unixSeconds,
  },
};

export const PAIR_DEVICE_BODY_SCHEMA: SchemaObject = {
  title: 'PairDevice',
  type: 'object',
  required: ['device'],
  properties: {
    device: {
      type: 'object',
      required: ['platform'],
      properties: {
        platform: {
          type: 'string',
          enum: ['ios', 'android', 'web', 'desktop', 'linux', 'macos', 'windows'],
        },
        id: {
          type: 'string',
          maxLength: 128,
          description: 'The device id to use; a new one is made when left out.',
        },
        model: string,
        pushToken: string,
      },
    },
  },
};

export const DEVICE_TOKEN_SCHEMA: SchemaObject = {
  title: 'DeviceToken',
  type: 'object',
  required: ['accessToken', 'expiresIn', 'scopes', 'deviceId'],
  properties: {
    accessToken: { type: 'string', description: 'A JWT for `Authorization: Bearer`.' },
    expiresIn: { type: 'integer', description: 'Seconds.' },
    scopes: strings,
    deviceId: string,
  },
};

export const DEVICE_SCHEMA: SchemaObject = {
  title: 'Device',
  type: 'object',
  required: [
    'id',
    'name',
    'platform',
    'platformVersion',
    'scopes',
    'pairedAt',
    'lastSeen',
    'status',
    'requestsToday',
  ],
  properties: {
    id: string,
    name: string,
    platform: string,
    platformVersion: string,
    scopes: strings,
    pairedAt: { type: 'string', format: 'date-time' },
    lastSeen: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['online', 'offline'] },
    requestsToday: { type: 'integer' },
  },
};

export const DEVICES_SCHEMA: SchemaObject = {
  description: 'An array; with `limit` or `offset`, a page object (as in Nekzus).',
  oneOf: [
    { type: 'array', items: DEVICE_SCHEMA },
    {
      title: 'DevicePage',
      type: 'object',
      required: ['devices', 'total', 'limit', 'offset'],
      properties: {
        devices: { type: 'array', items: DEVICE_SCHEMA },
        total: { type: 'integer' },
        limit: { type: 'integer', description: '-1: no limit.' },
        offset: { type: 'integer' },
      },
    },
  ],
};

export const DEVICE_REVOKED_SCHEMA: SchemaObject = {
  title: 'DeviceRevoked',
  type: 'object',
  required: ['status', 'deviceId', 'message', 'revokedAt'],
  properties: {
    status: { type: 'string', enum: ['revoked'] },
    deviceId: string,
    message: string,
    revokedAt: { type: 'string', format: 'date-time' },
  },
};

/** A JSON Schema the body pipe validates with, named for the document. */
export function requestSchema(title: string, schema: object): SchemaObject {
  return { title, ...schema };
}
