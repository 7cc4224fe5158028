import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the access views (administrators, sign-in, API keys); titled ones become components. */

const string = { type: 'string' };
const time = { type: 'string', format: 'date-time' };

export const MESSAGE_SCHEMA: SchemaObject = {
  title: 'Message',
  type: 'object',
  required: ['message'],
  properties: { message: string },
};

export const SETUP_STATUS_SCHEMA: SchemaObject = {
  title: 'SetupStatus',
  type: 'object',
  required: ['setupRequired', 'hasUsers'],
  properties: {
    setupRequired: { type: 'boolean', description: 'No administrator exists yet.' },
    hasUsers: { type: 'boolean' },
  },
};

export const SETUP_DONE_SCHEMA: SchemaObject = {
  title: 'SetupDone',
  type: 'object',
  required: ['message', 'username'],
  properties: { message: string, username: string },
};

export const USER_SCHEMA: SchemaObject = {
  title: 'User',
  type: 'object',
  required: ['id', 'username', 'createdAt', 'isActive'],
  properties: {
    id: { type: 'integer' },
    username: string,
    createdAt: time,
    lastLogin: time,
    isActive: { type: 'boolean' },
  },
};

export const SIGN_IN_SCHEMA: SchemaObject = {
  title: 'SignIn',
  type: 'object',
  description:
    'The session: also set as the `nekzus_session` (httpOnly) and `nekzus_csrf` cookies. Scripts may send `token` as `Authorization: Bearer`.',
  required: ['token', 'expiresIn', 'expiresAt', 'csrfToken', 'user'],
  properties: {
    token: string,
    expiresIn: { type: 'integer', description: 'Seconds.' },
    expiresAt: time,
    csrfToken: {
      type: 'string',
      description: 'Send as `X-CSRF-Token` with cookie-signed changes.',
    },
    user: USER_SCHEMA,
  },
};

export const ME_SCHEMA: SchemaObject = {
  title: 'Me',
  type: 'object',
  required: ['user'],
  properties: { user: USER_SCHEMA },
};

const apiKeyProperties = {
  id: { type: 'string', description: '`key_` and 32 hexadecimal digits.' },
  name: string,
  prefix: { type: 'string', description: 'The first characters of the key, to recognise it.' },
  scopes: { type: 'array', items: string },
  expiresAt: time,
  createdAt: time,
  createdBy: string,
  revokedAt: time,
};

export const API_KEY_SCHEMA: SchemaObject = {
  title: 'ApiKey',
  type: 'object',
  required: ['id', 'name', 'prefix', 'scopes', 'createdAt'],
  properties: apiKeyProperties,
};

export const API_KEY_CREATED_SCHEMA: SchemaObject = {
  title: 'ApiKeyCreated',
  type: 'object',
  description: 'The key itself is in this response and nowhere else, ever.',
  required: ['id', 'name', 'prefix', 'scopes', 'createdAt', 'key'],
  properties: {
    ...apiKeyProperties,
    key: {
      type: 'string',
      description: 'The API key (`nkz_…`), for `X-API-Key` or `Authorization: Bearer`.',
    },
  },
};

/** A JSON Schema the body pipe validates with, named for the document. */
export function requestSchema(title: string, schema: object): SchemaObject {
  return { title, ...schema };
}
