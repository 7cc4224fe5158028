import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeOnStream, SqliteEventStore, uuidv7 } from '#libs/event-store';
import { proposalDecider, proposalStream, type DiscoveredService } from '#libs/discovery';
import { loadSchemas } from '../apps/gateway/src/composition';
import { spawnGateway, type SpawnedGateway } from './support/spawn-gateway';

/**
 * Replicas on one SQLite event log: each gateway process has its own data dir and read models
 * and shares the events file (storage.events_path) and the token secret. What one replica
 * decides, the other serves, refuses or refuses to overwrite.
 */

const SECRET = 'r3plica-t3st-' + 'k'.repeat(40);
const PAIR_HEADERS = { 'x-pairing-request': 'true' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Reply {
  status: number;
  body: any;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, text };
}

/** Polls until `done` holds (bounded); returns how long it took, which the test reports but never asserts on. */
async function until(
  what: string,
  done: () => Promise<boolean>,
  limitMs = 15_000,
): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

/** Until every projection of `replica` has applied the log up to `head`. */
async function caughtUp(replica: SpawnedGateway, head: number): Promise<void> {
  await until(`projections reach ${head}`, async () => {
    const ready = await call(replica.url, 'GET', '/readyz');
    return (ready.body.projections as { position: number }[]).every((p) => p.position >= head);
  });
}

describe('two gateway processes on one SQLite event log', () => {
  const root = mkdtempSync(join(tmpdir(), 'nekzus-replicas-'));
  const eventsPath = join(root, 'shared', 'events.db');
  const replicas: SpawnedGateway[] = [];
  let a: SpawnedGateway;
  let b: SpawnedGateway;
  let upstream: Server;
  let upstreamPort: number;
  const figures: string[] = [];

  const startReplica = async (name: string) => {
    const replica = await spawnGateway(join(root, name), {
      NEKZUS_EVENTS_PATH: eventsPath,
      NEKZUS_READ_MODELS_PATH: join(root, name, 'own-read-models.db'),
      NEKZUS_JWT_SECRET: SECRET,
    });
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('upstream says hi'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    a = await startReplica('a');
    b = await startReplica('b');
    for (const r of [a, b])
      await until('ready', async () => (await call(r.url, 'GET', '/readyz')).status === 200);
  });

  afterAll(async () => {
    for (const r of replicas) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
    await new Promise((r) => upstream.close(r));
    rmSync(root, { recursive: true, force: true });
    if (figures.length > 0) process.stdout.write(`replicas: ${figures.join('; ')}\n`);
  });

  it('both replicas speak for one gateway: one instance id, their own read-model files', async () => {
    // The instance id is an event, so both pairing pages name the same gateway.
    const [pageA, pageB] = await Promise.all([
      call(a.url, 'GET', '/pair'),
      call(b.url, 'GET', '/pair'),
    ]);
    const idA = /nkz_[A-Za-z0-9_-]+/.exec(pageA.text)?.[0];
    expect(idA).toBeDefined();
    expect(/nkz_[A-Za-z0-9_-]+/.exec(pageB.text)?.[0]).toBe(idA);
    expect(a.output()).toContain(`read models: ${join(root, 'a', 'own-read-models.db')}`);
    expect(a.output()).toContain(`events: ${eventsPath}`);
  });

  it('a route approved through A serves traffic on B; a device revoked on B is refused on A', async () => {
    // A discovery source (this process) proposes a service, writing to the shared log as a
    // third writer.
    const store = SqliteEventStore.open({ path: eventsPath, schemas: loadSchemas() });
    const service: DiscoveredService = {
      proposalId: 'proposal_docker_http_web_1',
      source: 'docker',
      identity: 'web',
      detectedScheme: 'http',
      detectedHost: '127.0.0.1',
      detectedPort: upstreamPort,
      availablePorts: [{ port: upstreamPort, scheme: 'http' }],
      confidence: 0.95,
      reasons: ['labelled nekzus.enable=true (0.95)'],
      securityNotes: [],
      tags: ['docker'],
      suggestedApp: {
        id: 'web',
        name: 'Web',
        icon: '📦',
        tags: ['docker'],
        endpoints: { lan: `http://127.0.0.1:${upstreamPort}` },
        discoveryMeta: { source: 'docker' },
      },
      suggestedRoute: {
        routeId: 'web',
        appId: 'web',
        pathBase: '/apps/web/',
        to: `http://127.0.0.1:${upstreamPort}`,
        scopes: ['access:web'],
        stripPrefix: true,
      },
    };
    try {
      await executeOnStream(
        store,
        proposalStream(service.proposalId),
        proposalDecider,
        { kind: 'Observe', service, fingerprint: 'e'.repeat(64), changed: [] },
        undefined,
        { correlationId: uuidv7(), actor: { kind: 'discovery', id: 'docker' } },
      );
    } finally {
      await store.close();
    }
    await until('A sees the proposal', async () => {
      const p = await call(a.url, 'GET', `/api/v1/discovery/proposals/${service.proposalId}`);
      return p.status === 200 && p.body.state === 'pending';
    });

    // Pairing crosses replicas too: the code from A, the exchange on B, the device on A. The
    // phone scans the code first, which gives B the moment it needs to apply the new code.
    const qr = await call(a.url, 'GET', '/api/v1/auth/qr');
    await caughtUp(b, (await call(a.url, 'GET', '/readyz')).body.eventStore.head);
    const config = await call(b.url, 'POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    expect(config.status).toBe(200);
    const paired = await call(
      a.url,
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'phone-1', model: 'Pixel 9', platform: 'android' } },
      bearer(config.body.bootstrapToken),
    );
    expect(paired.status).toBe(200);
    const token = paired.body.accessToken as string;

    expect((await call(b.url, 'GET', '/apps/web/', undefined, bearer(token))).status).toBe(404);
    const approved = await call(
      a.url,
      'POST',
      `/api/v1/discovery/proposals/${service.proposalId}/approve`,
      { name: 'Web' },
    );
    expect(approved.status).toBe(200);
    const served = await until('B serves the approved route', async () => {
      const r = await call(b.url, 'GET', '/apps/web/', undefined, bearer(token));
      return r.status === 200 && r.text === 'upstream says hi';
    });
    figures.push(`approved on A → served on B after ${served.toFixed(0)} ms`);
    expect((await call(a.url, 'GET', '/apps/web/', undefined, bearer(token))).text).toBe(
      'upstream says hi',
    );

    const revoked = await call(b.url, 'DELETE', '/api/v1/devices/phone-1');
    expect(revoked.body).toMatchObject({ status: 'revoked', deviceId: 'phone-1' });
    const refused = await until('A refuses the revoked device', async () => {
      const r = await call(a.url, 'GET', '/apps/web/', undefined, bearer(token));
      return r.status === 401 && r.body?.error === 'DEVICE_REVOKED';
    });
    figures.push(`revoked on B → refused on A after ${refused.toFixed(0)} ms`);
    for (const [base, path] of [
      [a.url, '/api/v1/devices'],
      [a.url, '/apps/web/'],
      [b.url, '/apps/web/'],
    ] as const) {
      const r = await call(base, 'GET', path, undefined, bearer(token));
      expect([path, r.status, r.body?.error]).toEqual([path, 401, 'DEVICE_REVOKED']);
    }
  });

  it('writes from both replicas to one stream resolve by optimistic concurrency, none lost', async () => {
    const created = await call(a.url, 'POST', '/api/v1/routes', {
      routeId: 'contested',
      appId: 'contested',
      pathBase: '/apps/contested/',
      to: 'http://127.0.0.1:9',
    });
    expect(created.status).toBe(201);
    await until(
      'B knows the route',
      async () => (await call(b.url, 'GET', '/api/v1/routes/contested')).status === 200,
    );
    const attempts = 40;
    const replies = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        call(i % 2 === 0 ? a.url : b.url, 'PATCH', '/api/v1/routes/contested', {
          to: `http://127.0.0.1:${10_000 + i}`,
        }).then((r) => ({ i, ...r })),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status !== 200);
    // A request that lost every retry is told so (409), never silently overwritten.
    for (const r of refused)
      expect([r.status, r.body?.error]).toEqual([409, 'CONCURRENT_MODIFICATION']);
    expect(ok.length).toBeGreaterThan(0);

    const store = SqliteEventStore.open({
      path: eventsPath,
      schemas: loadSchemas(),
      readonly: true,
    });
    try {
      const targets: string[] = [];
      for await (const e of store.readStream('route-contested'))
        if (e.type === 'RouteChanged') targets.push((e.data as { route: { to: string } }).route.to);
      // Every acknowledged write is in the stream exactly once, and nothing else is.
      expect([...targets].sort()).toEqual(ok.map((r) => `http://127.0.0.1:${10_000 + r.i}`).sort());
      // Both replicas converge on the stream's last write.
      const last = targets[targets.length - 1];
      await until('A and B show the last write', async () => {
        const [x, y] = await Promise.all([
          call(a.url, 'GET', '/api/v1/routes/contested'),
          call(b.url, 'GET', '/api/v1/routes/contested'),
        ]);
        return x.body?.to === last && y.body?.to === last;
      });
    } finally {
      await store.close();
    }
  });

  it('a replica started late catches up before /readyz says ready', async () => {
    const routes = 80;
    for (let i = 0; i < routes; i++) {
      const r = await call(i % 2 === 0 ? a.url : b.url, 'POST', '/api/v1/routes', {
        routeId: `bulk-${i}`,
        appId: `bulk-${i}`,
        pathBase: `/apps/bulk-${i}/`,
        to: `http://127.0.0.1:${upstreamPort}`,
      });
      expect(r.status).toBe(201);
    }
    await caughtUp(a, (await call(b.url, 'GET', '/readyz')).body.eventStore.head);
    const expected = ((await call(a.url, 'GET', '/api/v1/routes')).body as { routeId: string }[])
      .map((r) => r.routeId)
      .sort();
    expect(expected.filter((id) => id.startsWith('bulk-'))).toHaveLength(routes);
    const late = await startReplica('late');
    // The first 200 from /readyz is the moment that counts: everything before it is in.
    await until(
      'late replica ready',
      async () => (await call(late.url, 'GET', '/readyz')).status === 200,
    );
    const listed = ((await call(late.url, 'GET', '/api/v1/routes')).body as { routeId: string }[])
      .map((r) => r.routeId)
      .sort();
    expect(listed).toEqual(expected);
    expect((await call(late.url, 'GET', `/apps/bulk-${routes - 1}/`)).text).toBe(
      'upstream says hi',
    );
  });
});
