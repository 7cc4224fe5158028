/** JSON Schemas of the request bodies; unknown fields are refused by name. */

const id = { type: 'string', minLength: 1, maxLength: 63 };
const routeFields = {
  routeId: id,
  appId: id,
  pathBase: { type: 'string', minLength: 1, maxLength: 512 },
  to: { type: 'string', minLength: 1, maxLength: 2048 },
  containerId: { type: 'string', maxLength: 64 },
  scopes: { type: 'array', items: { type: 'string' }, maxItems: 32 },
  publicAccess: { type: 'boolean' },
  websockets: { type: 'boolean' },
  stripPrefix: { type: 'boolean' },
  stripResponseCookies: { type: 'boolean' },
  rewriteCookiePaths: { type: 'boolean' },
  rewriteHTML: { type: 'boolean' },
  persistCookies: { type: 'boolean' },
  routingMode: { type: 'string', maxLength: 16 },
  subdomain: { type: 'string', maxLength: 253 },
  excludePaths: { type: 'array', items: { type: 'string' }, maxItems: 64 },
  healthCheckPath: { type: 'string', maxLength: 512 },
  healthCheckTimeout: { type: 'string', maxLength: 32 },
  healthCheckInterval: { type: 'string', maxLength: 32 },
  expectedStatusCodes: { type: 'array', items: { type: 'integer' }, maxItems: 32 },
  skipHealthCheck: { type: 'boolean' },
  tlsSkipVerify: { type: 'boolean' },
  preserveHost: { type: 'boolean' },
  maxBodyBytes: { type: 'integer', minimum: 0 },
  rateLimitPerMinute: { type: 'integer', minimum: 0 },
  rateLimitBurst: { type: 'integer', minimum: 0 },
  /** Not route fields: the app the route names is registered with these when it does not exist yet. */
  icon: { type: 'string', maxLength: 2048 },
  appName: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

export const CREATE_ROUTE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['routeId', 'appId', 'pathBase', 'to'],
  properties: routeFields,
};

export const PUT_ROUTE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['appId', 'pathBase', 'to'],
  properties: routeFields,
};

export const PATCH_ROUTE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: routeFields,
};

const appFields = {
  id,
  name: { type: 'string', minLength: 1, maxLength: 128 },
  icon: { type: 'string', maxLength: 2048 },
  tags: { type: 'array', items: { type: 'string' }, maxItems: 32 },
  endpoints: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 16 },
} as const;

export const CREATE_APP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name'],
  properties: appFields,
};

export const PATCH_APP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: appFields.name,
    icon: appFields.icon,
    tags: appFields.tags,
    endpoints: appFields.endpoints,
  },
};
