import type { SchemaObject } from '@nestjs/swagger';
import { ROUTE_FIELDS } from '../domain';

/** OpenAPI schemas of the routing views (`routing.views.ts`); titled ones become components. */

const string = { type: 'string' };
const strings = { type: 'array', items: string };

export const ROUTE_VIEW_SCHEMA: SchemaObject = {
  title: 'Route',
  type: 'object',
  description: "A route with every field (Nekzus's names and order), plus its status and times.",
  required: [...ROUTE_FIELDS, 'status', 'createdAt', 'updatedAt'],
  properties: {
    routeId: string,
    appId: string,
    pathBase: { type: 'string', description: 'Path prefix on the gateway, e.g. `/apps/grafana/`.' },
    to: { type: 'string', description: 'Upstream URL.' },
    containerId: string,
    scopes: { ...strings, description: 'Scopes a device token needs to use the route.' },
    publicAccess: { type: 'boolean' },
    websockets: { type: 'boolean' },
    stripPrefix: { type: 'boolean' },
    stripResponseCookies: { type: 'boolean' },
    rewriteCookiePaths: { type: 'boolean' },
    rewriteHTML: { type: 'boolean' },
    persistCookies: { type: 'boolean' },
    routingMode: { type: 'string', enum: ['', 'path', 'subdomain', 'both'] },
    subdomain: string,
    excludePaths: strings,
    healthCheckPath: string,
    healthCheckTimeout: { type: 'string', description: 'A duration, e.g. `5s`.' },
    healthCheckInterval: { type: 'string', description: 'A duration, e.g. `30s`.' },
    expectedStatusCodes: { type: 'array', items: { type: 'integer' } },
    skipHealthCheck: { type: 'boolean' },
    tlsSkipVerify: {
      type: 'boolean',
      description: "(Not in Nekzus's API) Accept the upstream's certificate unchecked.",
    },
    preserveHost: {
      type: 'boolean',
      description: "(Not in Nekzus's API) Send the client's Host (true) or the target's (false).",
    },
    maxBodyBytes: {
      type: 'integer',
      description: '(Not in Nekzus) Request bodies above this answer 413; 0: the gateway default.',
    },
    rateLimitPerMinute: {
      type: 'integer',
      description: '(Not in Nekzus) Requests per minute and client address; 0: no limit.',
    },
    rateLimitBurst: { type: 'integer', description: '(Not in Nekzus) Requests at once.' },
    status: { type: 'string', enum: ['ACTIVE', 'UNHEALTHY', 'UNKNOWN'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const APP_VIEW_SCHEMA: SchemaObject = {
  title: 'App',
  type: 'object',
  description: 'An app as Nekzus shows it; `proxyPath` and `url` come from its first route.',
  required: ['id', 'name', 'icon', 'tags', 'endpoints', 'faviconUrl'],
  properties: {
    id: string,
    name: string,
    icon: string,
    tags: strings,
    endpoints: {
      type: 'object',
      additionalProperties: string,
      description: 'Named addresses of the service, e.g. `lan`, `cluster`, `mdns`.',
    },
    discoveryMeta: {
      type: 'object',
      additionalProperties: true,
      description: 'Where discovery found the app, when it did.',
    },
    proxyPath: { type: 'string', description: 'Path base of its first route.' },
    url: {
      type: 'string',
      description: 'Full URL of its first route, as the caller reached the gateway.',
    },
    faviconUrl: string,
  },
};

/** A JSON Schema the body pipe validates with, named for the document. */
export function requestSchema(title: string, schema: object): SchemaObject {
  return { title, ...schema };
}
