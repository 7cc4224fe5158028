import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the audit views; titled ones become components. */

const string = { type: 'string' };
const strings = { type: 'array', items: string };
const time = { type: 'string', format: 'date-time' };
const integer = { type: 'integer' };

export const AUDIT_EVENT_SCHEMA: SchemaObject = {
  title: 'AuditEvent',
  type: 'object',
  description:
    "Nekzus's AuditEvent (`id` … `error`), followed by what the event log adds (`position` … `causationId`).",
  required: [
    'id',
    'timestamp',
    'action',
    'actorId',
    'actorIp',
    'targetId',
    'details',
    'success',
    'position',
    'eventId',
    'eventType',
    'stream',
    'actorKind',
    'targetType',
    'correlationId',
  ],
  properties: {
    id: { type: 'integer', description: 'The event position.' },
    timestamp: time,
    action: { type: 'string', description: "Nekzus's action name, e.g. `route.created`." },
    actorId: string,
    actorIp: { type: 'string', description: '`""` when unknown.' },
    targetId: string,
    details: { description: 'What the event says, or null.' },
    success: { type: 'boolean' },
    error: string,
    position: integer,
    eventId: string,
    eventType: string,
    stream: string,
    actorKind: string,
    actorName: string,
    targetType: string,
    targetName: string,
    correlationId: { type: 'string', description: 'The request id that caused it.' },
    causationId: string,
  },
};

export const AUDIT_PAGE_SCHEMA: SchemaObject = {
  title: 'AuditLogPage',
  type: 'object',
  required: ['logs', 'limit', 'offset', 'count', 'nextCursor'],
  properties: {
    logs: { type: 'array', items: AUDIT_EVENT_SCHEMA },
    limit: integer,
    offset: integer,
    count: { type: 'integer', description: 'Entries in this page.' },
    nextCursor: {
      type: ['integer', 'null'],
      description: 'Pass as `after` for the next page; null at the end.',
    },
  },
};

const specState = {
  type: 'object',
  required: ['id', 'spec', 'createdAt', 'updatedAt', 'position'],
  properties: {
    id: string,
    spec: { type: 'object', additionalProperties: true, description: 'The app or route.' },
    createdAt: time,
    updatedAt: time,
    position: integer,
  },
};

export const STATE_AT_SCHEMA: SchemaObject = {
  title: 'StateAt',
  type: 'object',
  description:
    'The apps, routes, devices, administrators and API keys as they stood at `at`, folded from the log; every list sorted by id.',
  required: ['at', 'position', 'apps', 'routes', 'devices', 'admins', 'apiKeys'],
  properties: {
    at: time,
    position: { type: 'integer', description: 'The last event at or before `at`.' },
    apps: { type: 'array', items: specState },
    routes: { type: 'array', items: specState },
    devices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'model', 'platform', 'scopes', 'pairedAt', 'active', 'position'],
        properties: {
          id: string,
          name: string,
          model: string,
          platform: string,
          scopes: strings,
          pairedAt: time,
          active: { type: 'boolean' },
          revokedAt: time,
          position: integer,
        },
      },
    },
    admins: {
      type: 'array',
      items: {
        type: 'object',
        required: ['username', 'createdAt'],
        properties: { username: string, createdAt: time },
      },
    },
    apiKeys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['keyId', 'name', 'prefix', 'scopes', 'expiresAt', 'createdAt', 'position'],
        properties: {
          keyId: string,
          name: string,
          prefix: string,
          scopes: strings,
          expiresAt: { type: ['string', 'null'], format: 'date-time' },
          createdAt: time,
          revokedAt: time,
          position: integer,
        },
      },
    },
  },
};

export const CHAIN_STATUS_SCHEMA: SchemaObject = {
  title: 'ChainStatus',
  type: 'object',
  required: ['intact', 'events', 'headPosition', 'headHash'],
  properties: {
    chain: {
      type: 'string',
      enum: ['global', 'per-stream'],
      description:
        "Which check ran: `global`, the one hash chain through the SQLite log; `per-stream`, each stream's own chain (KurrentDB), where `headPosition` is the last commit position and `headHash` the digest of every stream's head.",
    },
    intact: { type: 'boolean' },
    events: { type: 'integer', description: 'Events that verified.' },
    headPosition: {
      type: 'integer',
      description: 'Position of the last event that verified (0 for an empty log).',
    },
    headHash: { type: 'string', description: 'Its hash (the genesis hash for an empty log).' },
    firstBadPosition: {
      type: 'integer',
      description: 'When broken: the first position that does not verify.',
    },
    reason: string,
    failure: { type: 'string', enum: ['chain', 'expected-head'] },
    expectedHead: {
      type: 'object',
      description: 'With `expectHead`: where that hash sits in the log (no position when nowhere).',
      required: ['hash'],
      properties: { hash: string, position: integer, newerEvents: integer },
    },
    streams: { type: 'integer', description: 'Per-stream chains: the streams walked.' },
    broken: {
      type: 'array',
      description: 'Per-stream chains: each stream that does not verify, where and why.',
      items: {
        type: 'object',
        required: ['stream', 'revision', 'reason'],
        properties: { stream: string, revision: string, reason: string },
      },
    },
    limits: { type: 'string', description: 'Per-stream chains: what this check cannot see.' },
  },
};
