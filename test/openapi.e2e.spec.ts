import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpenApiCurrent, renderOpenApi } from '../apps/cli/src/openapi.command';
import { startGateway, type RunningGateway } from '../apps/gateway/src/gateway';
import { loadSettings } from '../apps/gateway/src/settings';

const COMMITTED = join(__dirname, '..', 'openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
/** The access guard's refusals: no or bad credentials, or a missing scope. */
const GUARD_401 = [
  'AUTH_REQUIRED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'DEVICE_REVOKED',
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
];
const PASSWORD = 'correct horse battery';

interface Operation {
  method: string;
  path: string;
  op: any;
}

/**
 * The whole gateway on 127.0.0.1 with local-network trust off (so a request without
 * credentials is anonymous) and rate limits raised (every endpoint is called a few times).
 * Nest's own log of the routes it mapped (at debug level) is the list the document is checked
 * against.
 */
describe('the OpenAPI document', () => {
  let gateway: RunningGateway;
  let dataDir: string;
  let doc: any;
  const mapped: { method: string; path: string }[] = [];

  const call = async (method: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gateway.url}${path}`, { method, redirect: 'manual', ...init });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  };
  const operations = (): Operation[] =>
    Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] })),
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'nekzus-openapi-e2e-'));
    const config = join(dataDir, 'nekzus.yaml');
    const lenient = '{ per_minute: 100000, burst: 10000 }';
    writeFileSync(
      config,
      [
        'auth:',
        '  local_network_trust: "off"',
        'rate_limits:',
        ...['auth', 'pairing', 'qr', 'devices', 'api'].map((c) => `  ${c}: ${lenient}`),
        '',
      ].join('\n'),
    );
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) {
          const match = /Mapped \{([^,]+), ([A-Z]+)\} route/.exec(line);
          // POST /graphql is described by schema.gql (test/graphql-schema.e2e.spec.ts).
          if (match && !line.includes('"context":"GraphQLModule"'))
            mapped.push({ path: match[1]!, method: match[2]!.toLowerCase() });
        }
        done();
      },
    });
    const settings = loadSettings({}, { addr: '127.0.0.1:0', dataDir, config });
    gateway = await startGateway(settings, pino({ level: 'debug' }, lines));
    await gateway.configApplied;
    const res = await call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  afterAll(async () => {
    await gateway?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is committed as openapi.json exactly as the code generates it (run "npm run nekzus -- openapi --write openapi.json")', async () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderOpenApi(doc));
    expect(await isOpenApiCurrent(COMMITTED)).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document by a real validator (swagger-parser)', async () => {
    // validate() resolves every $ref and checks the document against the OpenAPI schema.
    const checked = (await SwaggerParser.validate(structuredClone(doc))) as { openapi?: string };
    expect(checked.openapi).toBe('3.1.0');
    const broken = structuredClone(doc);
    broken.paths['/api/v1/activity/recent'].get.responses['200'].content[
      'application/json'
    ].schema = { $ref: '#/components/schemas/NoSuchSchema' };
    await expect(SwaggerParser.validate(broken)).rejects.toThrow(/NoSuchSchema/);
  });

  it('is served with its browsable page to anyone, unthrottled, without shadowing the API', async () => {
    const json = await call('GET', '/api/openapi.json');
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.body.openapi).toBe('3.1.0');
    const page = await call('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui');
    for (const asset of ['/api/docs/swagger-ui-init.js', '/api/docs/swagger-ui-bundle.js'])
      expect((await call('GET', asset)).status, asset).toBe(200);

    // Not behind the API's rate limit: more requests than its burst all succeed.
    const burst = await Promise.all(
      Array.from({ length: 150 }, () => fetch(`${gateway.url}/api/openapi.json`)),
    );
    await Promise.all(burst.map((r) => r.arrayBuffer()));
    expect(burst.every((r) => r.status === 200 && !r.headers.has('ratelimit-limit'))).toBe(true);

    // The API still answers for itself, guard and all.
    const routes = await call('GET', '/api/v1/routes');
    expect([routes.status, routes.body.error]).toEqual([401, 'AUTH_REQUIRED']);
  });

  it('describes every route Nest serves, and nothing else', () => {
    expect(mapped.length).toBeGreaterThan(30);
    const served = mapped.map(
      (r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`,
    );
    const described = operations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(described.sort()).toEqual([...new Set(served)].sort());
    for (const { method, path, op } of operations()) {
      expect(op.operationId, `${method} ${path}`).toBeTypeOf('string');
      expect(op.security, `${method} ${path}`).toBeInstanceOf(Array);
      expect(op.tags?.length, `${method} ${path} has a tag`).toBeGreaterThan(0);
    }
    const ids = operations().map((o) => String(o.op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives each operation the security the guard enforces', async () => {
    const setup = await call('POST', '/api/v1/auth/setup', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(setup.status).toBe(201);
    const login = await call('POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const admin = { authorization: `Bearer ${login.body.token}` };
    const keyWith = async (scopes: string[]): Promise<Record<string, string>> => {
      const res = await call('POST', '/api/v1/apikeys', {
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ name: scopes.join(' '), scopes }),
      });
      expect(res.status).toBe(201);
      return { 'x-api-key': res.body.key as string };
    };
    const unrelated = await keyWith(['access:openapi-probe']);
    const everythingButAdmin = await keyWith(['read:*', 'write:*']);
    const probe = (o: Operation, headers: Record<string, string>) =>
      call(o.method.toUpperCase(), o.path.replace(/\{\w+\}/g, 'openapi-probe'), {
        headers: o.op.requestBody ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(o.op.requestBody ? { body: '{}' } : {}),
      });
    const refusedByGuard = (r: { status: number; body: any }) =>
      (r.status === 401 && GUARD_401.includes(r.body?.error)) ||
      (r.status === 403 && r.body?.error === 'PERMISSION_DENIED');

    const schemes = Object.keys(doc.components.securitySchemes).sort();
    expect(schemes).toEqual(['apiKey', 'bearer', 'session']);
    for (const o of operations()) {
      const name = `${o.method.toUpperCase()} ${o.path}`;
      const scope: string | undefined = o.op['x-required-scope'];
      if (o.op.security.length === 0) {
        expect(scope, name).toBeUndefined();
        expect(o.op.description, name).toContain('public');
        const r = await probe(o, unrelated);
        expect(r.status === 403 && r.body?.error === 'PERMISSION_DENIED', name).toBe(false);
        continue;
      }
      expect(o.op.security, name).toEqual([{ session: [] }, { bearer: [] }, { apiKey: [] }]);
      expect(o.op.description, name).toContain(`\`${scope}\``);
      const anonymous = await probe(o, {});
      expect([anonymous.status, anonymous.body?.error], name).toEqual([401, 'AUTH_REQUIRED']);
      const wrongScope = await probe(o, scope === 'access:admin' ? everythingButAdmin : unrelated);
      expect([wrongScope.status, wrongScope.body?.error], name).toEqual([403, 'PERMISSION_DENIED']);
      if (scope !== 'access:admin') {
        const rightScope = await probe(o, await keyWith([scope!]));
        expect(refusedByGuard(rightScope), `${name}: ${rightScope.status} ${rightScope.text}`).toBe(
          false,
        );
      }
    }
  });

  it('points every JSON error response at the one Error schema, which real errors match', async () => {
    const refs = new Set<string>();
    for (const { method, path, op } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const responses = op.responses as Record<string, any>;
      if (op.security.length > 0) {
        expect(Object.keys(responses), name).toEqual(expect.arrayContaining(['401', '403']));
        expect(responses['401'].description, name).toContain('AUTH_REQUIRED');
        expect(responses['403'].description, name).toContain('PERMISSION_DENIED');
      }
      if (op.requestBody) {
        expect(responses['400']?.description, name).toContain('VALIDATION_FAILED');
        expect(op.requestBody.content['application/json'].schema.$ref, name).toMatch(
          /^#\/components\/schemas\//,
        );
      }
      if (responses['429']) expect(responses['429'].headers, name).toHaveProperty('Retry-After');
      for (const [status, response] of Object.entries(responses))
        if (Number(status) >= 400 && Number(status) < 500 && response.content?.['application/json'])
          refs.add(response.content['application/json'].schema.$ref);
    }
    expect([...refs]).toEqual(['#/components/schemas/Error']);
    // Everything behind the API's rate limit says so.
    const limited = operations().filter(
      (o) => o.path.startsWith('/api/v1/') && o.path !== '/api/v1/healthz',
    );
    expect(limited.filter((o) => !o.op.responses['429']).map((o) => o.path)).toEqual([]);

    const validate = new Ajv({ strict: false }).compile(doc.components.schemas.Error);
    const unauthenticated = await call('GET', '/api/v1/routes');
    const invalid = await call('POST', '/api/v1/apps', {
      headers: { 'content-type': 'application/json', 'x-api-key': 'nkz_nope' },
      body: '{}',
    });
    const notFound = await call('GET', '/api/v1/nowhere');
    for (const error of [unauthenticated, invalid, notFound]) {
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(validate(error.body), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
