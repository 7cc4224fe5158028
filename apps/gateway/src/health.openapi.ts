import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the health views (`health.controller.ts`). */

const projection: SchemaObject = {
  title: 'ProjectionStatus',
  type: 'object',
  required: ['name', 'kind', 'state', 'position', 'lag'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string' },
    state: { type: 'string', description: '`live` once caught up; `failed` after an error.' },
    position: { type: 'integer', description: 'The last event applied.' },
    lag: {
      type: 'integer',
      description:
        'Events behind the head of the log (on KurrentDB counted from the log, at most 10,000).',
    },
    lastError: { type: 'string' },
  },
};

const eventStore: SchemaObject = {
  type: 'object',
  required: ['head'],
  properties: { head: { type: 'integer', description: 'Position of the newest event.' } },
};

export const READINESS_SCHEMA: SchemaObject = {
  title: 'Readiness',
  type: 'object',
  required: ['status', 'eventStore', 'projections'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    eventStore,
    projections: { type: 'array', items: projection },
  },
};

export const HEALTH_SCHEMA: SchemaObject = {
  title: 'Health',
  type: 'object',
  required: ['status', 'uptimeSeconds', 'eventStore', 'projections'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    uptimeSeconds: { type: 'integer' },
    eventStore,
    projections: { type: 'array', items: projection },
  },
};
