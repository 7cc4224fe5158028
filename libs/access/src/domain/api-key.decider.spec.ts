import { describe, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import type { ApiKeyCreated, ApiKeyEvent } from './access.events';
import { apiKeyDecider, type ApiKeyCommand } from './api-key.decider';

const keyId = 'key_0123456789abcdef0123456789abcdef';
const keyHash = 'a'.repeat(64);
const now = new Date('2030-01-01T00:00:00.000Z');

const create = (
  overrides: Partial<Extract<ApiKeyCommand, { kind: 'CreateApiKey' }>> = {},
): ApiKeyCommand => ({
  kind: 'CreateApiKey',
  keyId,
  name: 'Home Assistant',
  prefix: 'nkz_01234567',
  keyHash,
  scopes: ['read:catalog'],
  expiresAt: null,
  ...overrides,
});

const created = (data: Partial<ApiKeyCreated['data']> = {}): ApiKeyCreated => ({
  type: 'ApiKeyCreated',
  data: {
    keyId,
    name: 'Home Assistant',
    prefix: 'nkz_01234567',
    keyHash,
    scopes: ['read:catalog'],
    expiresAt: null,
    ...data,
  },
});
const revoked: ApiKeyEvent = { type: 'ApiKeyRevoked', data: { keyId } };
const deleted: ApiKeyEvent = { type: 'ApiKeyDeleted', data: { keyId } };

describe('API key decider', () => {
  const spec = deciderSpecification(apiKeyDecider, { now });

  describe('create', () => {
    it('creates a key that never expires when no expiry is given', () => {
      spec.given([]).when(create()).then([created()]);
      spec
        .given([])
        .when(create({ expiresAt: undefined }))
        .then([created()]);
    });

    it('refuses a second key with the same id', () => {
      spec.given([created()]).when(create()).thenThrows('API_KEY_EXISTS');
      spec.given([created(), deleted]).when(create()).thenThrows('API_KEY_EXISTS');
    });

    it('trims the name and requires one', () => {
      spec
        .given([])
        .when(create({ name: '  Home Assistant \n' }))
        .then([created()]);
      spec
        .given([])
        .when(create({ name: '   ' }))
        .thenThrows('VALIDATION_FAILED', /^name: is required$/);
      spec
        .given([])
        .when(create({ name: undefined }))
        .thenThrows('VALIDATION_FAILED', /^name: is required$/);
      spec
        .given([])
        .when(create({ name: 7 }))
        .thenThrows('VALIDATION_FAILED', /^name: is required$/);
    });

    it('allows names of up to 255 characters', () => {
      const longest = 'n'.repeat(255);
      spec
        .given([])
        .when(create({ name: ` ${longest} ` }))
        .then([created({ name: longest })]);
      spec
        .given([])
        .when(create({ name: 'n'.repeat(256) }))
        .thenThrows('VALIDATION_FAILED', /^name: at most 255 characters$/);
    });

    it('needs at least one scope', () => {
      spec
        .given([])
        .when(create({ scopes: [] }))
        .thenThrows('VALIDATION_FAILED', /^scopes: at least one scope$/);
      spec
        .given([])
        .when(create({ scopes: 'read:catalog' }))
        .thenThrows('VALIDATION_FAILED', /^scopes: at least one scope$/);
    });

    it('names each scope it refuses by its index', () => {
      spec
        .given([])
        .when(create({ scopes: ['read:catalog', 'root', 'write:routes', 5] }))
        .thenThrows(
          'VALIDATION_FAILED',
          /^scopes\.1: "root" is not a scope a key can carry; scopes\.3: "5" is not a scope a key can carry$/,
        );
    });

    it('accepts per-app access scopes and wildcards of known families', () => {
      const scopes = ['access:grafana', 'access:home-assistant', 'write:*', 'access:admin'];
      spec
        .given([])
        .when(create({ scopes }))
        .then([created({ scopes })]);
      spec
        .given([])
        .when(create({ scopes: ['access:'] }))
        .thenThrows('VALIDATION_FAILED', /scopes\.0/);
      spec
        .given([])
        .when(create({ scopes: ['access:Grafana'] }))
        .thenThrows('VALIDATION_FAILED', /scopes\.0/);
    });

    it('keeps each scope once, in the order first given', () => {
      spec
        .given([])
        .when(create({ scopes: ['read:events', 'read:catalog', 'read:events', 'read:catalog'] }))
        .then([created({ scopes: ['read:events', 'read:catalog'] })]);
    });

    it('stores an expiry in the future as UTC', () => {
      spec
        .given([])
        .when(create({ expiresAt: '2030-01-01T00:00:01Z' }))
        .then([created({ expiresAt: '2030-01-01T00:00:01.000Z' })]);
      spec
        .given([])
        .when(create({ expiresAt: '2030-06-01T12:00:00+02:00' }))
        .then([created({ expiresAt: '2030-06-01T10:00:00.000Z' })]);
    });

    it('refuses an expiry at or before the current time of the command', () => {
      spec
        .given([])
        .when(create({ expiresAt: '2030-01-01T00:00:00Z' }))
        .thenThrows('VALIDATION_FAILED', /^expiresAt: must be in the future$/);
      spec
        .given([])
        .when(create({ expiresAt: '2029-12-31T23:59:59Z' }))
        .thenThrows('VALIDATION_FAILED', /^expiresAt: must be in the future$/);
      // The same date is fine for a command decided a day earlier: "now" comes from the context.
      deciderSpecification(apiKeyDecider, { now: new Date('2029-12-31T00:00:00Z') })
        .given([])
        .when(create({ expiresAt: '2029-12-31T23:59:59Z' }))
        .then([created({ expiresAt: '2029-12-31T23:59:59.000Z' })]);
    });

    it('refuses an expiry that is not a date-time', () => {
      for (const expiresAt of ['tomorrow', '2030-13-01T00:00:00Z', 1893456000000, {}])
        spec
          .given([])
          .when(create({ expiresAt }))
          .thenThrows('VALIDATION_FAILED', /^expiresAt: an RFC 3339 date-time with a time zone/);
    });

    it('refuses expiry strings that are not RFC 3339 date-times with an offset', () => {
      for (const expiresAt of ['2031', 'June 1 2031', '2031-06-01', '2031-06-01T00:00:00', '99999'])
        spec
          .given([])
          .when(create({ expiresAt }))
          .thenThrows('VALIDATION_FAILED', /^expiresAt: an RFC 3339 date-time with a time zone/);
    });

    it('refuses more than 64 distinct scopes', () => {
      const scopes = Array.from({ length: 65 }, (_, i) => `access:app-${i}`);
      spec
        .given([])
        .when(create({ scopes }))
        .thenThrows('VALIDATION_FAILED', /at most 64 scopes/);
    });

    it('reports every problem at once', () => {
      spec
        .given([])
        .when(create({ name: '', scopes: [], expiresAt: 'soon' }))
        .thenThrows(
          'VALIDATION_FAILED',
          /^name: is required; scopes: at least one scope; expiresAt: an RFC 3339 date-time with a time zone, such as 2027-01-31T18:00:00Z$/,
        );
    });
  });

  describe('revoke', () => {
    it('revokes an active key', () => {
      spec
        .given([created()])
        .when({ kind: 'RevokeApiKey', keyId, permanent: false })
        .then([revoked]);
    });

    it('gives no event when the key is already revoked', () => {
      spec
        .given([created(), revoked])
        .when({ kind: 'RevokeApiKey', keyId, permanent: false })
        .then([]);
    });

    it('deletes a key permanently, active or revoked', () => {
      spec
        .given([created()])
        .when({ kind: 'RevokeApiKey', keyId, permanent: true })
        .then([deleted]);
      spec
        .given([created(), revoked])
        .when({ kind: 'RevokeApiKey', keyId, permanent: true })
        .then([deleted]);
    });

    it('does not find a key that never existed or was deleted', () => {
      for (const permanent of [false, true]) {
        spec
          .given([])
          .when({ kind: 'RevokeApiKey', keyId, permanent })
          .thenThrows('NOT_FOUND', new RegExp(keyId));
        spec
          .given([created(), deleted])
          .when({ kind: 'RevokeApiKey', keyId, permanent })
          .thenThrows('NOT_FOUND');
        spec
          .given([created(), revoked, deleted])
          .when({ kind: 'RevokeApiKey', keyId, permanent })
          .thenThrows('NOT_FOUND');
      }
    });
  });
});
