import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the proposal views (`proposals.controller.ts`); titled ones become components. */

const string = { type: 'string' };
const strings = { type: 'array', items: string };
const routeSpec: SchemaObject = {
  type: 'object',
  additionalProperties: true,
  description: 'A route with every field, as in `Route` (without status and times).',
};
const appSpec: SchemaObject = {
  type: 'object',
  additionalProperties: true,
  description: 'An app: `id`, `name`, `icon`, `tags`, `endpoints`, `discoveryMeta`.',
};

export const PROPOSAL_SCHEMA: SchemaObject = {
  title: 'Proposal',
  type: 'object',
  description:
    "Nekzus's proposal object, followed by what this gateway adds: `state`, `present`, `reasons`, `firstSeen`, `decidedBy` and `reason`.",
  required: [
    'id',
    'source',
    'detectedScheme',
    'detectedHost',
    'detectedPort',
    'availablePorts',
    'confidence',
    'suggestedApp',
    'suggestedRoute',
    'tags',
    'lastSeen',
    'securityNotes',
    'state',
    'present',
    'reasons',
    'firstSeen',
  ],
  properties: {
    id: { type: 'string', description: '`proposal_<source>_<scheme>_<host>_<port>`.' },
    source: { type: 'string', enum: ['docker', 'kubernetes', 'kubernetes-ingress', 'mdns'] },
    detectedScheme: { type: 'string', enum: ['http', 'https'] },
    detectedHost: string,
    detectedPort: { type: 'integer' },
    availablePorts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['port', 'scheme'],
        properties: {
          port: { type: 'integer' },
          scheme: { type: 'string', enum: ['http', 'https'] },
        },
      },
    },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    suggestedApp: appSpec,
    suggestedRoute: routeSpec,
    tags: strings,
    lastSeen: { type: 'string', format: 'date-time' },
    securityNotes: strings,
    state: { type: 'string', enum: ['pending', 'approved', 'rejected', 'dismissed'] },
    present: { type: 'boolean', description: 'Whether the source still sees the service.' },
    reasons: { ...strings, description: 'Why the confidence is what it is, one line per rule.' },
    firstSeen: { type: 'string', format: 'date-time' },
    decidedBy: { type: 'string', description: 'Who approved, rejected or dismissed it.' },
    reason: { type: 'string', description: 'The reason given when rejecting.' },
  },
};

export const APPROVED_SCHEMA: SchemaObject = {
  title: 'ProposalApproved',
  type: 'object',
  required: ['status', 'id', 'app'],
  properties: {
    status: { type: 'string', enum: ['approved'] },
    id: string,
    app: appSpec,
    route: routeSpec,
  },
};

export const DECIDED_SCHEMA: SchemaObject = {
  title: 'ProposalDecided',
  type: 'object',
  required: ['status', 'id'],
  properties: { status: { type: 'string', enum: ['rejected', 'dismissed'] }, id: string },
};

export const REDISCOVERED_SCHEMA: SchemaObject = {
  title: 'RediscoverStarted',
  type: 'object',
  required: ['status', 'message', 'dismissedCleared', 'activeCleared'],
  properties: {
    status: { type: 'string', enum: ['success'] },
    message: string,
    dismissedCleared: { type: 'integer', description: 'Dismissed proposals shown again.' },
    activeCleared: {
      type: 'integer',
      description: "Nekzus's field; always 0 here (pending proposals are kept).",
    },
  },
};

/** A JSON Schema the body pipe validates with, named for the document. */
export function requestSchema(title: string, schema: object): SchemaObject {
  return { title, ...schema };
}
