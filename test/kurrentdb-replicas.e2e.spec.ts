import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, uuidv7 } from '#libs/event-store';
import { KurrentDbEventStore } from '../libs/event-store/src/kurrentdb/kurrentdb-event-store';
import { ProjectionRunner, type ReadModelDatabase } from '#libs/projections';
import { loadSchemas } from '../apps/gateway/src/composition';
import { loadSettings, SettingsError } from '../apps/gateway/src/settings';
import { KurrentDbStandIn } from './support/kurrentdb-standin';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Gateways on `storage.event_store: kurrentdb`, against a KurrentDB STAND-IN (an in-memory gRPC
 * server speaking the subset of KurrentDB's protocol our client uses, test/support/
 * kurrentdb-standin.ts) — no KurrentDB server can run here. Each replica is a whole gateway in
 * this process with its own data dir and read models; the log is the stand-in's.
 */

const SECRET = 'kurr3nt-r3plica-' + 'k'.repeat(40);
const PAIR_HEADERS = { 'x-pairing-request': 'true' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls until `done` holds (bounded); returns how long it took, which is printed, never asserted. */
async function until(what: string, done: () => Promise<boolean>, limitMs = 15_000) {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe('two gateways on one KurrentDB (stand-in)', () => {
  let standIn: KurrentDbStandIn;
  let a: Harness;
  let b: Harness;
  const replicas: Harness[] = [];
  let upstream: Server;
  let upstreamPort: number;
  const figures: string[] = [];
  // No health probes: their transitions would append events while the tests compare heads.
  const configDir = mkdtempSync(join(tmpdir(), 'nekzus-kurrentdb-'));
  const configFile = join(configDir, 'config.yaml');
  writeFileSync(configFile, 'health_checks:\n  enabled: false\n');

  const startReplica = async () => {
    const replica = await startHarness(undefined, {
      config: configFile,
      env: {
        NEKZUS_EVENT_STORE: 'kurrentdb',
        NEKZUS_KURRENTDB_URL: standIn.connectionString,
        NEKZUS_JWT_SECRET: SECRET,
      },
    });
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    standIn = await KurrentDbStandIn.start();
    upstream = createServer((_req, res) => res.end('upstream says hi'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    a = await startReplica();
    b = await startReplica();
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await new Promise((r) => upstream.close(r));
    await standIn.stop();
    rmSync(configDir, { recursive: true, force: true });
    process.stdout.write(
      `kurrentdb replicas on the KurrentDB stand-in (not a KurrentDB server): ${figures.join('; ')}\n`,
    );
  });

  it('both replicas keep their log on the stand-in, not in a file, and name one gateway', async () => {
    expect(a.gateway.infra.log.kind).toBe('kurrentdb');
    expect(b.gateway.nekzusId).toBe(a.gateway.nekzusId);
    // The instance id is the first user event, written once through the gRPC protocol.
    expect(standIn.userRecords().filter((r) => r.type === 'GatewayInstanceCreated')).toHaveLength(
      1,
    );
    for (const r of [a, b]) {
      const ready = await r.call('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.eventStore.head).toBe(Number(standIn.userRecords().at(-1)!.position));
      for (const p of ready.body.projections as { lag: number }[]) expect(p.lag).toBe(0);
    }
  });

  it('a route added through A serves traffic on B; a device revoked on B is refused on A', async () => {
    // Pairing crosses replicas: the code issued on A, exchanged on B, the device paired on A.
    const qr = await a.call('GET', '/api/v1/auth/qr');
    expect(qr.status).toBe(200);
    let bootstrapToken = '';
    await until('B knows the pairing code issued on A', async () => {
      const r = await b.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
      if (r.status === 200) bootstrapToken = r.body.bootstrapToken as string;
      return r.status === 200;
    });
    let token = '';
    await until('A accepts the bootstrap token issued on B', async () => {
      const r = await a.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id: 'phone-k', model: 'Pixel 9', platform: 'android' } },
        bearer(bootstrapToken),
      );
      if (r.status === 200) token = r.body.accessToken as string;
      return r.status === 200;
    });

    const created = await a.call('POST', '/api/v1/routes', {
      routeId: 'web',
      appId: 'web',
      pathBase: '/apps/web/',
      to: `http://127.0.0.1:${upstreamPort}`,
    });
    expect(created.status).toBe(201);
    const served = await until('B serves the route added on A', async () => {
      const r = await b.call('GET', '/apps/web/', undefined, bearer(token));
      return r.status === 200 && r.text === 'upstream says hi';
    });
    figures.push(`added on A → served on B after ${served.toFixed(0)} ms`);

    const revoked = await b.call('DELETE', '/api/v1/devices/phone-k');
    expect(revoked.body).toMatchObject({ status: 'revoked', deviceId: 'phone-k' });
    const refused = await until('A refuses the device revoked on B', async () => {
      const r = await a.call('GET', '/apps/web/', undefined, bearer(token));
      return r.status === 401 && r.body?.error === 'DEVICE_REVOKED';
    });
    figures.push(`revoked on B → refused on A after ${refused.toFixed(0)} ms`);
    for (const r of [a, b]) {
      const reply = await r.call('GET', '/apps/web/', undefined, bearer(token));
      expect([reply.status, reply.body?.error]).toEqual([401, 'DEVICE_REVOKED']);
    }
  });

  it('writes from both replicas to one stream resolve by optimistic concurrency, none lost', async () => {
    expect(
      (
        await a.call('POST', '/api/v1/routes', {
          routeId: 'contested',
          appId: 'contested',
          pathBase: '/apps/contested/',
          to: 'http://127.0.0.1:9',
        })
      ).status,
    ).toBe(201);
    await until(
      'B knows the route',
      async () => (await b.call('GET', '/api/v1/routes/contested')).status === 200,
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .call('PATCH', '/api/v1/routes/contested', { to: `http://127.0.0.1:${10_000 + i}` })
          .then((r) => ({ i, ...r })),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    for (const r of replies.filter((x) => x.status !== 200))
      expect([r.status, r.body?.error]).toEqual([409, 'CONCURRENT_MODIFICATION']);
    expect(ok.length).toBeGreaterThan(0);
    const targets = standIn
      .userRecords()
      .filter((r) => r.stream === 'route-contested' && r.type === 'RouteChanged')
      .map(
        (r) =>
          (JSON.parse(Buffer.from(r.data).toString('utf8')) as { route: { to: string } }).route.to,
      );
    expect([...targets].sort()).toEqual(ok.map((r) => `http://127.0.0.1:${10_000 + r.i}`).sort());
  });

  it('a replica started late catches up before /readyz says ready', async () => {
    for (let i = 0; i < 30; i++) {
      const r = await (i % 2 === 0 ? a : b).call('POST', '/api/v1/routes', {
        routeId: `bulk-${i}`,
        appId: `bulk-${i}`,
        pathBase: `/apps/bulk-${i}/`,
        to: `http://127.0.0.1:${upstreamPort}`,
      });
      expect(r.status).toBe(201);
    }
    const head = Number(standIn.userRecords().at(-1)!.position);
    await until('A has applied everything', async () =>
      ((await a.call('GET', '/readyz')).body.projections as { position: number }[]).every(
        (p) => p.position >= head,
      ),
    );
    const expected = ((await a.call('GET', '/api/v1/routes')).body as { routeId: string }[])
      .map((r) => r.routeId)
      .sort();
    const late = await startReplica();
    const ready = await late.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    const listed = ((await late.call('GET', '/api/v1/routes')).body as { routeId: string }[])
      .map((r) => r.routeId)
      .sort();
    expect(listed).toEqual(expected);
    expect(listed.filter((id) => id.startsWith('bulk-'))).toHaveLength(30);
    expect((await late.call('GET', '/apps/bulk-29/')).text).toBe('upstream says hi');
  });

  it('audit state folds the log through the port; audit verify walks the per-stream chains', async () => {
    const before = new Date().toISOString();
    const state = await b.call('GET', '/api/v1/audit/state');
    expect(state.status).toBe(200);
    const routeIds = (state.body.routes as { id: string }[]).map((r) => r.id);
    expect(routeIds).toEqual(expect.arrayContaining(['web', 'contested', 'bulk-0', 'bulk-29']));
    expect(state.body.devices).toEqual([expect.objectContaining({ id: 'phone-k', active: false })]);
    expect(state.body.position).toBe(Number(standIn.userRecords().at(-1)!.position));
    // A time before the route existed: the state then, not now.
    const removed = await a.call('DELETE', '/api/v1/routes/bulk-0');
    expect(removed.status).toBeLessThan(300);
    const then = await a.call('GET', `/api/v1/audit/state?at=${encodeURIComponent(before)}`);
    expect((then.body.routes as { id: string }[]).map((r) => r.id)).toContain('bulk-0');
    const now = await a.call('GET', '/api/v1/audit/state');
    expect((now.body.routes as { id: string }[]).map((r) => r.id)).not.toContain('bulk-0');

    const verified = await a.call('GET', '/api/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ chain: 'per-stream', intact: true, broken: [] });
    expect(verified.body.events).toBe(standIn.userRecords().length);
    expect(verified.body.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(verified.body.limits).toMatch(/deleted stream/);
    // The digest the head line logs is the one verify computes, once both saw the same log.
    const heads = a.gateway.infra.log.kind === 'kurrentdb' ? a.gateway.infra.log.heads : undefined;
    await until(
      'A applied everything',
      async () => heads!.snapshot().position >= BigInt(verified.body.headPosition),
    );
    expect(heads!.snapshot().digest).toBe(verified.body.headHash);

    const refused = await a.call('GET', `/api/v1/audit/verify?expectHead=${'a'.repeat(64)}`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/per-stream chains/);

    standIn.tamperWithData('route-contested', 1n, { route: { to: 'http://evil.example' } });
    const broken = (await b.call('GET', '/api/v1/audit/verify')).body;
    expect(broken).toMatchObject({ chain: 'per-stream', intact: false, failure: 'chain' });
    expect(broken.broken).toEqual([
      { stream: 'route-contested', revision: '1', reason: 'its content does not match its hash' },
    ]);
  });
});

describe('projection lag on KurrentDB positions (stand-in)', () => {
  it('counts events behind the head, not the distance between commit positions', async () => {
    const standIn = await KurrentDbStandIn.start();
    const store = new KurrentDbEventStore({
      connectionString: standIn.connectionString,
      schemas: loadSchemas(),
    });
    try {
      for (let i = 0; i < 5; i++)
        await store.append(
          `instance-${i}`,
          [
            {
              id: uuidv7(),
              type: 'GatewayInstanceCreated',
              data: { nekzusId: `nkz_${'a'.repeat(15)}${i}` },
              metadata: { correlationId: uuidv7(), actor: { kind: 'system', id: 'test' } },
            },
          ],
          { streamState: 'no_stream' },
        );
      const head = await store.headPosition();
      expect(head).toBeGreaterThan(5n);
      const never = { name: 'never-started', apply: () => undefined };
      const runner = (consecutivePositions: boolean) =>
        new ProjectionRunner(
          store,
          undefined as unknown as ReadModelDatabase,
          [],
          [never],
          {
            info: () => undefined,
            error: () => undefined,
          },
          { consecutivePositions },
        );
      const [counted] = await runner(false).status();
      expect(counted).toMatchObject({ position: 0n, head, lag: 5n });
      expect((await collect(store.readAll())).length).toBe(5);
      // What the SQLite arithmetic would have said here: the byte distance.
      const [subtracted] = await runner(true).status();
      expect(subtracted!.lag).toBe(head);
    } finally {
      await store.close();
      await standIn.stop();
    }
  });
});

describe('storage.event_store: kurrentdb in the settings', () => {
  it('needs a connection string, and says which key', () => {
    const error = (() => {
      try {
        loadSettings({ NEKZUS_EVENT_STORE: 'kurrentdb' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(String(error)).toMatch(
      /storage\.kurrentdb\.connection_string \(NEKZUS_KURRENTDB_URL\): required/,
    );
    const settings = loadSettings({
      NEKZUS_EVENT_STORE: 'kurrentdb',
      NEKZUS_KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
    expect(settings.storage).toMatchObject({
      eventStore: 'kurrentdb',
      kurrentdbUrl: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
  });
});
