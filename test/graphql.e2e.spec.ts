import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DiscoveredService } from '#libs/discovery';
import { startHarness, type Harness } from './support/gateway-harness';

const TOKEN = 'household-token-0123456789';
const PASSWORD = 'correct horse battery';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface GqlReply {
  status: number;
  data: any;
  errors: { message: string; path?: string[]; extensions?: Record<string, any> }[] | undefined;
}

/** A lenient config: local-network trust off (no credentials = anonymous), rate limits raised. */
function configFile(extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'nekzus-graphql-config-'));
  const file = join(dir, 'nekzus.yaml');
  const lenient = '{ per_minute: 100000, burst: 10000 }';
  writeFileSync(
    file,
    [
      'auth:',
      '  local_network_trust: "off"',
      'rate_limits:',
      ...['auth', 'pairing', 'qr', 'devices', 'api', 'websocket'].map((c) => `  ${c}: ${lenient}`),
      // Nothing but the test's own requests appends events (the routes point nowhere).
      'health_checks:',
      '  enabled: false',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

async function gql(
  h: Harness,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlReply> {
  const r = await h.call('POST', '/graphql', { query, variables }, headers);
  return { status: r.status, data: r.body?.data, errors: r.body?.errors };
}

/** The `key` of each object in a list (replies are untyped JSON). */
const pluck = (list: unknown, key: string): unknown[] =>
  (list as Record<string, unknown>[]).map((item) => item[key]);

const codesOf = (reply: { errors?: { extensions?: Record<string, any> }[] | undefined }) =>
  (reply.errors ?? []).map((e): unknown => e.extensions?.['code']);

async function signIn(h: Harness): Promise<Record<string, string>> {
  expect(
    (await h.call('POST', '/api/v1/auth/setup', { username: 'admin', password: PASSWORD })).status,
  ).toBe(201);
  const login = await h.call('POST', '/api/v1/auth/login', {
    username: 'admin',
    password: PASSWORD,
  });
  return bearer(login.body.token as string);
}

async function pair(h: Harness, id: string, platform: string): Promise<string> {
  const r = await h.call('POST', '/api/v1/auth/pair', { device: { id, platform } }, bearer(TOKEN));
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

async function apiKey(
  h: Harness,
  admin: Record<string, string>,
  scopes: string[],
): Promise<Record<string, string>> {
  const r = await h.call('POST', '/api/v1/apikeys', { name: scopes.join(' '), scopes }, admin);
  expect(r.status).toBe(201);
  return { 'x-api-key': r.body.key as string };
}

/** A real graphql-ws client on the gateway's port; records how its socket closed. */
function wsClient(h: Harness, connectionParams?: Record<string, unknown>) {
  let resolveClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  let resolveConnected!: () => void;
  const connected = new Promise<void>((r) => (resolveConnected = r));
  const client: Client = createClient({
    url: `${h.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    ...(connectionParams ? { connectionParams } : {}),
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed, connected };
}

/** Subscribes and collects what arrives; `next(n)` resolves once n results are in. */
function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: any[] = [];
  let ended: { error?: unknown } | undefined;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        results.push(value);
        wake();
      },
      error: (error) => {
        ended = { error };
        wake();
      },
      complete: () => {
        ended = {};
        wake();
      },
    },
  );
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });
  return {
    results,
    dispose,
    next: (n: number) => until(() => results.length >= n || ended !== undefined),
    ended: async () => {
      await until(() => ended !== undefined);
      return ended!;
    },
  };
}

/** A proposal as a discovery source records it (the Docker engine is not needed for GraphQL). */
async function discover(h: Harness, name: string, port: number): Promise<string> {
  const proposalId = `proposal_docker_http_${name}_${port}`;
  const service: DiscoveredService = {
    proposalId,
    source: 'docker',
    identity: name,
    detectedScheme: 'http',
    detectedHost: '172.17.0.5',
    detectedPort: port,
    availablePorts: [{ port, scheme: 'http' }],
    confidence: 0.9,
    reasons: ['labelled nekzus.enable=true (0.9)'],
    securityNotes: ['Discovered via Docker API'],
    tags: ['docker'],
    suggestedApp: { id: name, name, icon: '', endpoints: {} },
    suggestedRoute: {
      routeId: name,
      appId: name,
      pathBase: `/apps/${name}/`,
      to: `http://172.17.0.5:${port}`,
      stripPrefix: true,
    },
  };
  const appended = await h.gateway.infra.store.append(
    `proposal-${proposalId}`,
    [
      {
        id: crypto.randomUUID(),
        type: 'ServiceDiscovered',
        data: { proposalId, service, fingerprint: createHash('sha256').update(name).digest('hex') },
        metadata: {
          correlationId: crypto.randomUUID(),
          actor: { kind: 'discovery', id: 'docker' },
        },
      },
    ],
    { streamState: 'no_stream' },
  );
  await h.gateway.infra.proposals.waitFor(appended.position, 5000);
  return proposalId;
}

const ROUTE = (id: string, extra: Record<string, unknown> = {}) => ({
  routeId: id,
  appId: id,
  appName: `App ${id}`,
  pathBase: `/apps/${id}/`,
  to: `http://127.0.0.1:9/${id}`,
  ...extra,
});

describe('GraphQL at /graphql', () => {
  let h: Harness;
  let admin: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness(undefined, {
      config: configFile(),
      env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN },
    });
    admin = await signIn(h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('answers queries with the same data as REST, and pages the audit log and the activity feed by cursor', async () => {
    for (const id of ['alpha', 'bravo', 'charlie'])
      expect((await h.call('POST', '/api/v1/routes', ROUTE(id), admin)).status).toBe(201);
    await pair(h, 'phone-a', 'ios');
    await pair(h, 'phone-b', 'android');

    const listed = await gql(
      h,
      '{ routes { routeId pathBase status app { id name proxyPath } } route(id: "bravo") { to } apps { id routes { routeId } url } }',
      {},
      admin,
    );
    expect(listed.errors).toBeUndefined();
    const rest = await h.call('GET', '/api/v1/routes', undefined, admin);
    expect(pluck(listed.data.routes, 'routeId')).toEqual(pluck(rest.body, 'routeId'));
    expect(listed.data.routes[0]).toEqual({
      routeId: 'alpha',
      pathBase: '/apps/alpha/',
      status: 'ACTIVE',
      app: { id: 'alpha', name: 'App alpha', proxyPath: '/apps/alpha/' },
    });
    expect(listed.data.route).toEqual({ to: 'http://127.0.0.1:9/bravo' });
    const restApps = await h.call('GET', '/api/v1/apps', undefined, admin);
    expect(listed.data.apps).toEqual(
      restApps.body.map((a: any) => ({ id: a.id, routes: [{ routeId: a.id }], url: a.url })),
    );

    // The audit log, two at a time, gives exactly REST's listing, newest first.
    const seen: number[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page: GqlReply = await gql(
        h,
        'query($after: String) { auditLog(first: 2, after: $after) { edges { cursor node { position action eventType actorKind } } pageInfo { hasNextPage endCursor } } }',
        { after },
        admin,
      );
      expect(page.errors).toBeUndefined();
      const { edges, pageInfo } = page.data.auditLog;
      expect(edges.length).toBeLessThanOrEqual(2);
      seen.push(...(pluck(pluck(edges, 'node'), 'position') as number[]));
      if (!pageInfo.hasNextPage) break;
      expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
      after = pageInfo.endCursor;
    }
    const all = await h.call('GET', '/api/v1/audit-logs?limit=1000', undefined, admin);
    expect(seen).toEqual(pluck(all.body.logs, 'position'));
    expect(seen.length).toBeGreaterThan(6);

    const filtered = await gql(
      h,
      '{ auditLog(filter: { target: "route:bravo" }) { edges { node { eventType targetId actorKind actorId } } } }',
      {},
      admin,
    );
    expect(pluck(filtered.data.auditLog.edges, 'node')).toEqual([
      { eventType: 'RouteAdded', targetId: 'bravo', actorKind: 'admin', actorId: 'admin' },
    ]);
    const bad = await gql(
      h,
      '{ auditLog(filter: { since: "yesterday" }) { edges { cursor } } }',
      {},
      admin,
    );
    expect(codesOf(bad)).toEqual(['VALIDATION_FAILED']);
    expect(bad.errors![0]!.extensions!['details']).toEqual([
      expect.objectContaining({ field: 'since' }),
    ]);
    const foreign = await gql(h, '{ auditLog(after: "bm9wZQ") { edges { cursor } } }', {}, admin);
    expect(codesOf(foreign)).toEqual(['VALIDATION_FAILED']);

    // The activity feed: one page of one, then the rest after its cursor.
    const first = await gql(
      h,
      '{ activity(first: 1) { totalCount edges { cursor node { type message } } pageInfo { hasNextPage endCursor } } }',
      {},
      admin,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data.activity.edges).toHaveLength(1);
    expect(first.data.activity.edges[0].node.type).toBe('device_paired');
    expect(first.data.activity.pageInfo.hasNextPage).toBe(true);
    const rest2 = await gql(
      h,
      'query($after: String) { activity(first: 10, after: $after) { edges { node { type message } } pageInfo { hasNextPage } } }',
      { after: first.data.activity.pageInfo.endCursor },
      admin,
    );
    const feed = await h.call('GET', '/api/v1/activity/recent', undefined, admin);
    expect([
      first.data.activity.edges[0].node,
      ...pluck(rest2.data.activity.edges, 'node'),
    ]).toEqual(feed.body.map((a: any) => ({ type: a.type, message: a.message })));
    expect(first.data.activity.totalCount).toBe(feed.body.length);

    const stats = await gql(
      h,
      '{ stats { routes { value trend trendUp } devices { value trend } } quickStats { routesTotal devicesTotal } }',
      {},
      admin,
    );
    const restStats = await h.call('GET', '/api/v1/stats', undefined, admin);
    const quick = await h.call('GET', '/api/v1/stats/quick', undefined, admin);
    expect(stats.data).toEqual({
      stats: {
        routes: restStats.body.routes,
        devices: { value: restStats.body.devices.value, trend: restStats.body.devices.trend },
      },
      quickStats: { routesTotal: quick.body.routesTotal, devicesTotal: quick.body.devicesTotal },
    });
    expect(stats.data.stats.routes.value).toBe(3);
  });

  it('runs the route and app commands REST runs, with domain errors under the REST code', async () => {
    const added = await gql(
      h,
      'mutation($input: RouteInput!) { addRoute(input: $input) { routeId appId pathBase scopes app { name } } }',
      { input: ROUTE('delta', { scopes: ['access:delta'] }) },
      admin,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data.addRoute).toEqual({
      routeId: 'delta',
      appId: 'delta',
      pathBase: '/apps/delta/',
      scopes: ['access:delta'],
      app: { name: 'App delta' },
    });
    expect((await h.call('GET', '/api/v1/routes/delta', undefined, admin)).body.scopes).toEqual([
      'access:delta',
    ]);
    const events = await h.call('GET', '/api/v1/audit-logs?target=route:delta', undefined, admin);
    expect(events.body.logs[0]).toMatchObject({ eventType: 'RouteAdded', actorId: 'admin' });

    // The same conflict through both APIs: the same code, and nothing recorded.
    const head = await h.head();
    const conflicting = ROUTE('echo', { pathBase: '/apps/delta/' });
    const viaRest = await h.call('POST', '/api/v1/routes', conflicting, admin);
    const viaGraphql = await gql(
      h,
      'mutation($input: RouteInput!) { addRoute(input: $input) { routeId } }',
      { input: conflicting },
      admin,
    );
    expect(viaRest.status).toBe(409);
    expect(codesOf(viaGraphql)).toEqual([viaRest.body.error]);
    expect(viaGraphql.errors![0]!.path).toEqual(['addRoute']);
    expect(await h.head()).toBe(head);
    const invalid = await gql(
      h,
      'mutation { addRoute(input: { routeId: "Bad Id", appId: "x", pathBase: "/nope", to: "ftp://x" }) { routeId } }',
      {},
      admin,
    );
    expect(codesOf(invalid)).toEqual(['VALIDATION_FAILED']);
    expect(pluck(invalid.errors![0]!.extensions!['details'], 'field')).toEqual(
      expect.arrayContaining(['routeId', 'pathBase', 'to']),
    );

    const changed = await gql(
      h,
      'mutation { changeRoute(id: "delta", patch: { websockets: true, to: "http://127.0.0.1:9/new" }) { websockets to scopes } }',
      {},
      admin,
    );
    expect(changed.data.changeRoute).toEqual({
      websockets: true,
      to: 'http://127.0.0.1:9/new',
      scopes: ['access:delta'],
    });
    const missing = await gql(
      h,
      'mutation { changeRoute(id: "nope", patch: { websockets: true }) { routeId } }',
      {},
      admin,
    );
    expect(codesOf(missing)).toEqual(['ROUTE_NOT_FOUND']);
    expect(missing.data).toBeNull();

    const app = await gql(
      h,
      'mutation { registerApp(input: { id: "foxtrot", name: "Foxtrot", tags: ["media"], endpoints: [{ name: "lan", address: "http://10.0.0.2" }] }) { id name tags endpoints { name address } routes { routeId } proxyPath } }',
      {},
      admin,
    );
    expect(app.data.registerApp).toEqual({
      id: 'foxtrot',
      name: 'Foxtrot',
      tags: ['media'],
      endpoints: [{ name: 'lan', address: 'http://10.0.0.2' }],
      routes: [],
      proxyPath: null,
    });
    const again = await gql(
      h,
      'mutation { registerApp(input: { id: "foxtrot", name: "F" }) { id } }',
      {},
      admin,
    );
    expect(codesOf(again)).toEqual(['APP_EXISTS']);
    const updated = await gql(
      h,
      'mutation { updateApp(id: "foxtrot", patch: { name: "Fox" }) { name tags } }',
      {},
      admin,
    );
    expect(updated.data.updateApp).toEqual({ name: 'Fox', tags: ['media'] });
    expect((await h.call('GET', '/api/v1/apps/foxtrot', undefined, admin)).body.name).toBe('Fox');

    const removed = await gql(
      h,
      'mutation { removeRoute(id: "delta") removeApp(id: "foxtrot") }',
      {},
      admin,
    );
    expect(removed.data).toEqual({ removeRoute: true, removeApp: true });
    expect((await h.call('GET', '/api/v1/routes/delta', undefined, admin)).status).toBe(404);
    expect((await h.call('GET', '/api/v1/apps/foxtrot', undefined, admin)).status).toBe(404);
  });

  it('decides proposals as REST does: approve with overrides, reject, dismiss, rediscover', async () => {
    const web = await discover(h, 'web', 8080);
    const db = await discover(h, 'db', 5432);
    const cache = await discover(h, 'cache', 6379);
    const pending = await gql(
      h,
      '{ proposals(filter: { state: pending }) { id state source suggestedRoute { pathBase stripPrefix } } }',
      {},
      admin,
    );
    expect(pluck(pending.data.proposals, 'id').sort()).toEqual([cache, db, web].sort());
    expect(pending.data.proposals.find((p: any) => p.id === web).suggestedRoute).toEqual({
      pathBase: '/apps/web/',
      stripPrefix: true,
    });

    const approved = await gql(
      h,
      'mutation($id: ID!) { approveProposal(id: $id, overrides: { appId: "site", name: "Site", pathBase: "/apps/site/" }) { id app { id name } route { routeId pathBase to } } }',
      { id: web },
      admin,
    );
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveProposal).toEqual({
      id: web,
      app: { id: 'site', name: 'Site' },
      route: { routeId: 'site', pathBase: '/apps/site/', to: 'http://172.17.0.5:8080' },
    });
    expect((await h.call('GET', '/api/v1/routes/site', undefined, admin)).status).toBe(200);

    const rejected = await gql(
      h,
      'mutation($id: ID!) { rejectProposal(id: $id, reason: "not now") { id status } }',
      { id: db },
      admin,
    );
    expect(rejected.data.rejectProposal).toEqual({ id: db, status: 'rejected' });
    const twice = await gql(
      h,
      'mutation($id: ID!) { rejectProposal(id: $id) { id } }',
      { id: db },
      admin,
    );
    const twiceRest = await h.call('POST', `/api/v1/discovery/proposals/${db}/reject`, {}, admin);
    expect(codesOf(twice)).toEqual([twiceRest.body.error]);
    expect(codesOf(twice)).toEqual(['PROPOSAL_ALREADY_DECIDED']);

    const dismissed = await gql(
      h,
      'mutation($id: ID!) { dismissProposal(id: $id) { status } }',
      { id: cache },
      admin,
    );
    expect(dismissed.data.dismissProposal).toEqual({ status: 'dismissed' });
    const rediscovered = await gql(h, 'mutation { rediscover { dismissedCleared } }', {}, admin);
    expect(rediscovered.data.rediscover.dismissedCleared).toBe(1);
    const states = await gql(h, '{ proposals { id state reason decidedBy } }', {}, admin);
    expect(
      Object.fromEntries(
        (states.data.proposals as { id: string; state: string }[]).map((p) => [p.id, p.state]),
      ),
    ).toEqual({
      [web]: 'approved',
      [db]: 'rejected',
      [cache]: 'pending',
    });
    expect(states.data.proposals.find((p: any) => p.id === db)).toMatchObject({
      reason: 'not now',
      decidedBy: 'admin:admin',
    });
    const unknown = await gql(
      h,
      'mutation { approveProposal(id: "proposal_docker_http_nope_1") { id } }',
      {},
      admin,
    );
    expect(codesOf(unknown)).toEqual(['PROPOSAL_NOT_FOUND']);
    const badSource = await gql(h, '{ proposals(filter: { source: "floppy" }) { id } }', {}, admin);
    expect(codesOf(badSource)).toEqual(['VALIDATION_FAILED']);
  });

  it('renames and revokes devices, and creates and revokes API keys', async () => {
    await pair(h, 'tablet-1', 'linux');
    const devices = await gql(h, '{ devices { id platform scopes status } }', {}, admin);
    expect(devices.data.devices.find((d: any) => d.id === 'tablet-1')).toEqual({
      id: 'tablet-1',
      platform: 'linux',
      scopes: ['read:catalog', 'read:events'],
      status: 'online',
    });
    const renamed = await gql(
      h,
      'mutation { renameDevice(id: "tablet-1", name: "Kitchen tablet") { id name } }',
      {},
      admin,
    );
    expect(renamed.data.renameDevice).toEqual({ id: 'tablet-1', name: 'Kitchen tablet' });
    const empty = await gql(
      h,
      'mutation { renameDevice(id: "tablet-1", name: "") { id } }',
      {},
      admin,
    );
    expect(codesOf(empty)).toEqual(['VALIDATION_FAILED']);

    const created = await gql(
      h,
      'mutation { createApiKey(input: { name: "ci", scopes: ["read:catalog"] }) { key apiKey { id name scopes prefix } } }',
      {},
      admin,
    );
    const { key, apiKey: created_ } = created.data.createApiKey;
    expect(key).toMatch(/^nkz_[0-9a-f]{64}$/);
    expect(key.startsWith(created_.prefix)).toBe(true);
    expect((await h.call('GET', '/api/v1/routes', undefined, { 'x-api-key': key })).status).toBe(
      200,
    );
    const listed = await gql(h, '{ apiKeys { id name revokedAt } }', {}, admin);
    expect(listed.data.apiKeys).toContainEqual({ id: created_.id, name: 'ci', revokedAt: null });
    const badScope = await gql(
      h,
      'mutation { createApiKey(input: { name: "x", scopes: ["root"] }) { key } }',
      {},
      admin,
    );
    expect(codesOf(badScope)).toEqual(['VALIDATION_FAILED']);

    const revoked = await gql(
      h,
      'mutation($id: ID!) { revokeApiKey(id: $id) }',
      { id: created_.id },
      admin,
    );
    expect(revoked.data.revokeApiKey).toBe(true);
    const refused = await h.call('GET', '/api/v1/routes', undefined, { 'x-api-key': key });
    expect([refused.status, refused.body.error]).toEqual([401, 'API_KEY_INVALID']);

    const gone = await gql(
      h,
      'mutation { revokeDevice(id: "tablet-1") { deviceId status } }',
      {},
      admin,
    );
    expect(gone.data.revokeDevice).toEqual({ deviceId: 'tablet-1', status: 'revoked' });
    const again = await gql(h, 'mutation { revokeDevice(id: "tablet-1") { deviceId } }', {}, admin);
    expect(codesOf(again)).toEqual(['DEVICE_NOT_FOUND']);
  });

  it('applies the access policy and scopes of REST, refusing with the same codes', async () => {
    const anonymous = await gql(h, '{ routes { routeId } }');
    const anonymousRest = await h.call('GET', '/api/v1/routes');
    expect(codesOf(anonymous)).toEqual([anonymousRest.body.error]);
    expect(codesOf(anonymous)).toEqual(['AUTH_REQUIRED']);
    expect((await gql(h, '{ health { status ready } }')).data.health).toEqual({
      status: 'ok',
      ready: true,
    });
    const forged = await gql(h, '{ routes { routeId } }', {}, bearer('not-a-token'));
    expect(codesOf(forged)).toEqual(['TOKEN_INVALID']);

    // A kiosk device: read:catalog and read:events, nothing else.
    const kiosk = bearer(await pair(h, 'kiosk-1', 'linux'));
    const reads = await gql(
      h,
      '{ routes { routeId } auditLog(first: 1) { edges { cursor } } }',
      {},
      kiosk,
    );
    expect(reads.errors).toBeUndefined();
    const devices = await gql(h, '{ devices { id } }', {}, kiosk);
    const devicesRest = await h.call('GET', '/api/v1/devices', undefined, kiosk);
    expect([devicesRest.status, devicesRest.body.error]).toEqual([403, 'PERMISSION_DENIED']);
    expect(codesOf(devices)).toEqual(['PERMISSION_DENIED']);
    expect(devices.errors![0]!.message).toContain('read:devices');
    expect(codesOf(await gql(h, '{ stats { routes { value } } }', {}, kiosk))).toEqual([
      'PERMISSION_DENIED',
    ]);

    const reader = await apiKey(h, admin, ['read:catalog']);
    const head = await h.head();
    const write = await gql(
      h,
      'mutation { addRoute(input: { routeId: "golf", appId: "golf", pathBase: "/apps/golf/", to: "http://127.0.0.1:9" }) { routeId } }',
      {},
      reader,
    );
    expect(codesOf(write)).toEqual(['PERMISSION_DENIED']);
    const keys = await gql(
      h,
      '{ apiKeys { id } }',
      {},
      await apiKey(h, admin, ['read:*', 'write:*']),
    );
    expect(codesOf(keys)).toEqual(['PERMISSION_DENIED']);
    expect(keys.errors![0]!.message).toContain('access:admin');
    expect(await h.head()).toBe(head + 1n); // only the key created just above

    // Refused field by field: the error names the field the caller may not read.
    const mixed = await gql(h, '{ routes { routeId } devices { id } }', {}, reader);
    expect(mixed.errors!.map((e): unknown[] => [e.path, e.extensions!['code']])).toEqual([
      [['devices'], 'PERMISSION_DENIED'],
    ]);
  });

  it('refuses operations that are too deep or too costly, with their own codes', async () => {
    const deep = await gql(
      h,
      '{ apps { routes { app { routes { app { routes { app { routes { app { routes { app { routes { routeId } } } } } } } } } } } } }',
      {},
      admin,
    );
    expect(deep.status).toBe(400);
    // Nesting lists that deep is costly too; both limits say so.
    expect(codesOf(deep)).toContain('QUERY_TOO_DEEP');
    expect(deep.errors!.find((e) => e.extensions!['code'] === 'QUERY_TOO_DEEP')!.message).toContain(
      'deeper than 12',
    );
    const costly = await gql(
      h,
      '{ auditLog(first: 1000) { edges { cursor node { position timestamp action actorKind actorId actorName actorIp targetType targetId targetName success error details eventId eventType stream correlationId causationId } } } }',
      {},
      admin,
    );
    expect(codesOf(costly)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(costly.errors![0]!.message).toMatch(/costs \d+, more than 20000/);
    const affordable = await gql(
      h,
      '{ auditLog(first: 100) { edges { node { position action } } } }',
      {},
      admin,
    );
    expect(affordable.errors).toBeUndefined();
    const introspection = await gql(h, '{ __schema { queryType { name } } }', {}, admin);
    expect(codesOf(introspection)).toEqual(['INTROSPECTION_DISABLED']);
    expect((await gql(h, '{ __typename }', {}, admin)).data).toEqual({ __typename: 'Query' });
  });

  it('lists routes with their apps from one read of the apps read model, however many routes', async () => {
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5'])
      expect((await h.call('POST', '/api/v1/routes', ROUTE(id), admin)).status).toBe(201);
    const logger = h.gateway.infra.readModels.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    const statements: string[] = [];
    logger.logQuery = (query, parameters, runner) => {
      statements.push(query);
      original(query, parameters, runner);
    };
    try {
      const reply = await gql(h, '{ routes { routeId app { id name } } }', {}, admin);
      expect(reply.errors).toBeUndefined();
      expect(reply.data.routes.length).toBeGreaterThanOrEqual(5);
      for (const r of reply.data.routes)
        expect(r.app.id).toBe(r.routeId === 'site' ? 'site' : r.routeId);
    } finally {
      logger.logQuery = original;
    }
    const reads = (table: string) =>
      statements.filter((s) => new RegExp(`\\bFROM ${table}\\b`, 'i').test(s)).length;
    expect(reads('apps')).toBe(1);
    expect(reads('routes')).toBe(1);
  });

  it('streams recorded events over graphql-ws to a client that authenticated in connection_init', async () => {
    const kioskToken = await pair(h, 'kiosk-2', 'linux');
    const { client } = wsClient(h, { authorization: `Bearer ${kioskToken}` });
    const from = Number(await h.head());
    const events = collect(
      client,
      'subscription($from: Float) { events(filter: { types: ["RouteAdded"] }, afterPosition: $from) { type stream position data metadata } }',
      { from },
    );
    expect((await h.call('POST', '/api/v1/routes', ROUTE('hotel'), admin)).status).toBe(201);
    await events.next(1);
    const [event] = events.results;
    expect(event.errors).toBeUndefined();
    expect(event.data.events).toMatchObject({ type: 'RouteAdded', stream: 'route-hotel' });
    expect(event.data.events.position).toBeGreaterThan(from);
    expect(JSON.parse(event.data.events.data).route.routeId).toBe('hotel');
    expect(JSON.parse(event.data.events.metadata).actor).toEqual({ kind: 'admin', id: 'admin' });

    // From the start of the log, secrets masked as in the audit log.
    const secrets = collect(
      client,
      'subscription { events(filter: { types: ["AdminAccountCreated", "ApiKeyCreated"] }, afterPosition: 0) { type data } }',
    );
    await secrets.next(2);
    const [account, key] = pluck(pluck(secrets.results, 'data'), 'events') as [
      { type: string; data: string },
      { type: string; data: string },
    ];
    expect(account.type).toBe('AdminAccountCreated');
    expect(JSON.parse(account.data)).toMatchObject({
      username: 'admin',
      passwordHash: '[redacted]',
    });
    expect(key.type).toBe('ApiKeyCreated');
    expect(JSON.parse(key.data).keyHash).toBe('[redacted]');
    secrets.dispose();

    // Proposals and activity arrive the same way; queries and scopes work over the socket too.
    const proposals = collect(
      client,
      'subscription($from: Float) { proposals(afterPosition: $from) { id state } }',
      { from },
    );
    const activity = collect(
      client,
      'subscription($from: Float) { activity(afterPosition: $from) { type message } }',
      { from },
    );
    const found = await discover(h, 'india', 8081);
    await pair(h, 'phone-c', 'ios');
    await proposals.next(1);
    await activity.next(1);
    expect(proposals.results[0].data.proposals).toEqual({ id: found, state: 'pending' });
    expect(activity.results[0].data.activity.type).toBe('device_paired');
    const denied = collect(client, '{ devices { id } }');
    await denied.next(1);
    expect(codesOf(denied.results[0])).toEqual(['PERMISSION_DENIED']);
    const deepWs = collect(
      client,
      '{ apps { routes { app { routes { app { routes { app { routes { app { routes { app { routes { routeId } } } } } } } } } } } } }',
    );
    const refused = await deepWs.ended();
    expect(pluck(pluck(refused.error, 'extensions'), 'code')).toContain('QUERY_TOO_DEEP');
    events.dispose();
    proposals.dispose();
    activity.dispose();
    await client.dispose();
  });

  it('refuses a socket without credentials, with a bad token or from a foreign page', async () => {
    const anonymous = wsClient(h);
    expect((await anonymous.closed).code).toBe(4401);
    const forged = wsClient(h, { authorization: 'Bearer forged' });
    const closed = await forged.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^TOKEN_INVALID/);

    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(
        `${h.url.replace('http', 'ws')}/graphql`,
        'graphql-transport-ws',
        {
          origin: 'http://evil.example',
        },
      );
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => reject(new Error('a foreign page opened the socket')));
      socket.once('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it("ends a device's subscriptions when the device is revoked", async () => {
    const token = await pair(h, 'phone-gone', 'linux');
    const { client, closed, connected } = wsClient(h, { token });
    await connected;
    const events = collect(client, 'subscription { events { type } }');
    const other = wsClient(h, { authorization: admin.authorization! });
    await other.connected;
    const watching = collect(
      other.client,
      'subscription($from: Float) { events(filter: { types: ["DeviceRevoked"] }, afterPosition: $from) { type } }',
      {
        from: Number(await h.head()),
      },
    );
    expect((await h.call('DELETE', '/api/v1/devices/phone-gone', undefined, admin)).status).toBe(
      200,
    );
    const ended = await events.ended();
    expect(ended.error).toMatchObject({ code: 4403 });
    expect((await closed).reason).toMatch(/^DEVICE_REVOKED/);
    // The administrator's connection is untouched and saw the revocation.
    await watching.next(1);
    expect(watching.results[0].data.events.type).toBe('DeviceRevoked');
    await other.client.dispose();
  });
});

describe('GraphQL health subscriptions', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it("pushes an app's health transitions, to a local caller trusted without credentials", async () => {
    h = await startHarness();
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    const { client, connected } = wsClient(h);
    await connected;
    const changes = collect(
      client,
      'subscription($from: Float) { healthChanges(afterPosition: $from) { appId status previous message } }',
      { from: Number(await h.head()) },
    );
    const route = ROUTE('juliet', { to: `http://127.0.0.1:${port}`, healthCheckInterval: '50ms' });
    expect((await h.call('POST', '/api/v1/routes', route)).status).toBe(201);
    await changes.next(1);
    expect(changes.results[0].data.healthChanges).toEqual({
      appId: 'juliet',
      status: 'healthy',
      previous: 'unknown',
      message: 'Service is healthy',
    });
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    await changes.next(2);
    expect(changes.results[1].data.healthChanges).toMatchObject({
      appId: 'juliet',
      status: 'unhealthy',
      previous: 'healthy',
    });
    await client.dispose();
  });
});
