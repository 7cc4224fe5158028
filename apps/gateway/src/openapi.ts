import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type ReferenceObject,
  type ResponseObject,
  type ResponsesObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { numericCodeOf, PUBLIC_ENDPOINT, REQUIRED_SCOPE } from '#libs/http';
import { GATEWAY_VERSION } from './gateway';

/** Where the document and its browsable page are served; outside `/api/v1`, so no API route is shadowed. */
export const OPENAPI_JSON_PATH = '/api/openapi.json';
export const OPENAPI_DOCS_PATH = '/api/docs';

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const ADMIN_SCOPE = 'access:admin';
/** The rate-limit guard's metadata key (`@RateLimit`, `@NoRateLimit`); not exported by `#libs/http`. */
const RATE_LIMIT_CATEGORY = 'nekzus:rate-limit-category';
const SAFE_METHODS = new Set(['get', 'head', 'options']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const TOKEN_CODES = [
  'AUTH_REQUIRED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'DEVICE_REVOKED',
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
];

const ERROR_CODES = [
  ...TOKEN_CODES,
  'PERMISSION_DENIED',
  'CSRF_TOKEN_INVALID',
  'CROSS_SITE_REQUEST',
  'RATE_LIMITED',
  'VALIDATION_FAILED',
  'INVALID_REQUEST_BODY',
  'BAD_REQUEST',
  'NOT_FOUND',
  'INTERNAL_ERROR',
];

/** Who a handler lets in, read from the same metadata the access and rate-limit guards read. */
interface HandlerAccess {
  public: boolean;
  /** The scope a device token or API key needs; undefined: administrators only. */
  scope: string | undefined;
  rateLimited: boolean;
}

/** Builds the document and serves it at `/api/openapi.json`, with Swagger UI at `/api/docs`. */
export function setupOpenApi(nest: INestApplication): void {
  // Plain express routes (no guards, no rate limit): the document describes the API, it
  // is no secret, and anyone who may call the API must be able to read it.
  SwaggerModule.setup(OPENAPI_DOCS_PATH, nest, () => buildOpenApiDocument(nest), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Nekzus API',
    swaggerOptions: { persistAuthorization: false, tryItOutEnabled: false },
  });
}

/**
 * The OpenAPI 3.1 document of the control plane: what the controllers declare with `@Api*`,
 * completed from the guards' metadata (security, the scope, 401/403/429) so the documented
 * access cannot drift from the enforced one, and with every error response pointing at the
 * one `Error` schema.
 */
export function buildOpenApiDocument(nest: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Nekzus gateway API')
    .setVersion(GATEWAY_VERSION)
    .setDescription(DESCRIPTION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addTag('routing', 'Apps and the routes that proxy them.')
    .addTag('discovery', 'Services found on the network, proposed as apps and routes.')
    .addTag('pairing', 'Pairing phones and other devices (contract A §1.2).')
    .addTag('devices', 'Paired devices.')
    .addTag('access', 'Administrators, sign-in and API keys.')
    .addTag('audit', 'The audit log, the state at a time and the hash chain.')
    .addTag('live', 'The WebSocket at `/api/v1/ws`.')
    .addTag('health', 'Probes for people and orchestrators.')
    .addSecurity('session', {
      type: 'apiKey',
      in: 'cookie',
      name: 'nekzus_session',
      description:
        'The portal session, set by `POST /api/v1/auth/login`. A request signed in this way that changes something (not GET/HEAD/OPTIONS) must also send `X-CSRF-Token` with the `csrfToken` of the sign-in (also in the readable `nekzus_csrf` cookie); without it: 403 CSRF_TOKEN_INVALID.',
    })
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description:
        '`Authorization: Bearer <token>`: a device token from pairing (JWT with scopes), the `token` of an administrator sign-in, or an API key (`nkz_…`).',
    })
    .addSecurity('apiKey', {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'An API key (`nkz_…`, or a `nekzus_…` key carried over from Nekzus).',
    })
    .build();
  config.components = { ...config.components, schemas: { Error: ERROR_SCHEMA } };
  // A copy: completing it must not touch the schema constants the decorators hold.
  const document = structuredClone(
    SwaggerModule.createDocument(nest, config, {
      operationIdFactory: (controller, method) => `${controller}_${method}`,
    }),
  );
  complete(document, handlerAccess(nest));
  hoistTitledSchemas(document);
  return sortedDocument(document);
}

/** `Controller_method` → access, for every controller method of the application. */
function handlerAccess(nest: INestApplication): Map<string, HandlerAccess> {
  const out = new Map<string, HandlerAccess>();
  for (const module of nest.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type || typeof type !== 'function') continue;
      const proto = type.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const read = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, type)) as T | undefined;
        const category = read<string | false>(RATE_LIMIT_CATEGORY);
        out.set(`${type.name}_${name}`, {
          public: read<boolean>(PUBLIC_ENDPOINT) === true,
          scope: read<string>(REQUIRED_SCOPE),
          rateLimited: category !== false,
        });
      }
    }
  return out;
}

function complete(document: OpenAPIObject, access: Map<string, HandlerAccess>): void {
  for (const [path, item] of Object.entries(document.paths))
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // A controller mounted on several paths (Nekzus's aliases) gets `method[i]` per path.
      const [, id = '', alias] = /^(.*?)(?:\[(\d+)\])?$/.exec(operation.operationId ?? '') ?? [];
      const rule = access.get(id);
      if (!rule) throw new Error(`OpenAPI: no handler found for ${method.toUpperCase()} ${path}`);
      operation.operationId = alias && alias !== '0' ? `${id}_${alias}` : id;

      const responses = operation.responses;
      const notes: string[] = [];
      if (rule.public) {
        operation.security = [];
        notes.push('**Access:** public, no credentials needed.');
      } else {
        operation.security = [{ session: [] }, { bearer: [] }, { apiKey: [] }];
        Object.assign(operation, { 'x-required-scope': rule.scope ?? ADMIN_SCOPE });
        notes.push(
          rule.scope
            ? `**Access:** a device token or API key with the scope \`${rule.scope}\`, or an administrator (session, sign-in token, a token or key with \`${ADMIN_SCOPE}\`, or a caller trusted by \`auth.local_network_trust\`).`
            : `**Access:** administrators only (session, sign-in token, a token or key with \`${ADMIN_SCOPE}\`, or a caller trusted by \`auth.local_network_trust\`).`,
        );
        addError(responses, 401, `Not authenticated: ${TOKEN_CODES.join(', ')}.`);
        addError(
          responses,
          403,
          SAFE_METHODS.has(method)
            ? 'PERMISSION_DENIED: the token or key lacks the scope.'
            : 'PERMISSION_DENIED: the token or key lacks the scope; CSRF_TOKEN_INVALID: signed in by cookie without X-CSRF-Token; CROSS_SITE_REQUEST: a page of another origin acting through local-network trust.',
        );
      }
      if (operation.requestBody)
        addError(
          responses,
          400,
          'VALIDATION_FAILED: the body breaks its schema (every problem in `details`); INVALID_REQUEST_BODY: not a JSON object.',
        );
      if (rule.rateLimited) {
        addError(
          responses,
          429,
          'RATE_LIMITED: too many requests; retry after `Retry-After` seconds.',
        );
        const limited = responses['429'] as ResponseObject;
        limited.headers = {
          'Retry-After': {
            description: 'Seconds to wait before trying again.',
            schema: { type: 'integer' },
          },
        };
      }
      // Errors are the Error schema, unless a handler documents another body (an HTML page).
      for (const [status, response] of Object.entries(responses))
        if (response && Number(status) >= 400 && !('$ref' in response))
          response.content ??= { 'application/json': { schema: ERROR_REF } };
      operation.description = [operation.description, ...notes].filter(Boolean).join('\n\n');
    }
}

function addError(responses: ResponsesObject, status: number, description: string): void {
  const existing = responses[String(status)];
  if (existing && !('$ref' in existing))
    existing.description = `${description} ${existing.description}`;
  else responses[String(status)] = { description };
}

/**
 * Schemas with a `title` become named components (`#/components/schemas/<title>`), so a
 * generated client has one type per view instead of anonymous copies.
 */
function hoistTitledSchemas(document: OpenAPIObject): void {
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {});
  const hoist = (schema: SchemaObject | ReferenceObject): SchemaObject | ReferenceObject => {
    if ('$ref' in schema) return schema;
    walkChildren(schema, hoist);
    if (schema.title === undefined) return schema;
    const { title } = schema;
    const known = schemas[title];
    if (known && JSON.stringify(known) !== JSON.stringify(schema))
      throw new Error(`OpenAPI: two different schemas are titled "${title}"`);
    schemas[title] = schema;
    return { $ref: `#/components/schemas/${title}` };
  };
  for (const item of Object.values(document.paths))
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const body = operation.requestBody;
      if (body && !('$ref' in body))
        for (const media of Object.values(body.content))
          if (media.schema) media.schema = hoist(media.schema);
      for (const response of Object.values(operation.responses))
        if (response && !('$ref' in response))
          for (const media of Object.values(response.content ?? {}))
            if (media.schema) media.schema = hoist(media.schema);
    }
  for (const schema of Object.values(schemas)) if (!('$ref' in schema)) walkChildren(schema, hoist);
}

type Visit = (schema: SchemaObject | ReferenceObject) => SchemaObject | ReferenceObject;

function walkChildren(schema: SchemaObject, visit: Visit): void {
  if (schema.properties)
    for (const [key, value] of Object.entries(schema.properties))
      schema.properties[key] = visit(value);
  if (schema.items) schema.items = visit(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    schema.additionalProperties = visit(schema.additionalProperties);
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[key];
    if (list) schema[key] = list.map(visit);
  }
}

/** Paths and components in a stable order, so the committed file changes only with the API. */
function sortedDocument(document: OpenAPIObject): OpenAPIObject {
  const sortKeys = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const components = document.components ?? {};
  return {
    ...document,
    paths: sortKeys(document.paths),
    components: {
      ...components,
      ...(components.schemas ? { schemas: sortKeys(components.schemas) } : {}),
    },
  };
}

const ERROR_SCHEMA: SchemaObject = {
  title: 'Error',
  type: 'object',
  description:
    'Every error of the API (Nekzus\'s `{"error", "message", "code"}`), from one place. `error` is the stable code to branch on; `code` is Nekzus\'s numeric code where it has one.',
  required: ['error', 'message'],
  properties: {
    error: {
      type: 'string',
      description: 'Stable error code, e.g. VALIDATION_FAILED, AUTH_REQUIRED, ROUTE_NOT_FOUND.',
      examples: ['VALIDATION_FAILED'],
    },
    message: { type: 'string', description: 'What went wrong, for people.' },
    code: {
      type: 'integer',
      description: `Nekzus's numeric code, only for the codes that have one: ${ERROR_CODES.map(
        (c) => [c, numericCodeOf(c)] as const,
      )
        .filter(([, n]) => n !== 0)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}.`,
    },
    details: {
      type: 'array',
      description: 'With VALIDATION_FAILED and other field problems: one entry per problem.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requestId: {
      type: 'string',
      description:
        "The id of the request (the caller's `X-Request-Id` when it sent a sane one), as in the logs and as the correlation id of the events it caused.",
    },
  },
};

const DESCRIPTION = `The control plane of the Nekzus gateway: apps and routes, discovery proposals, pairing and devices, administrators and API keys, the audit log and health. Proxied apps are under \`/apps/…\` and are not described here.

**Credentials.** A session cookie (portal), \`Authorization: Bearer\` (device token, sign-in token or \`nkz_\` API key) or \`X-API-Key\`. Every operation lists the scope it needs (\`x-required-scope\`); administrators pass every check. Callers on the gateway's own machine (or the LAN, per \`auth.local_network_trust\`) are administrators without credentials.

**Errors.** Every error body is the \`Error\` schema. Rate-limited requests get 429 with \`Retry-After\`, and every limited response carries \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`.

**Differences from Nekzus.** Lists answer \`[]\` where Nekzus answers \`null\`; a bad query value is a 400 VALIDATION_FAILED naming it instead of being replaced by a default; request bodies with unknown fields are refused by name; views carry more fields than Nekzus's (event positions, proposal states and reasons, who decided), always after Nekzus's own.`;
