import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '#libs/event-store';
import { ReadModelDatabase, rebuildProjection } from '#libs/projections';
import { openInfrastructure, paths, readModelContributions } from '../apps/gateway/src/composition';
import { startHarness, type Harness } from './support/gateway-harness';
import { spawnGateway } from './support/spawn-gateway';

const silent = { info: () => undefined, error: () => undefined };

/** A deterministic pseudo-random walk over the routing API. */
function* workload(seed: number, steps: number): Generator<[string, string, unknown?]> {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  for (let i = 0; i < steps; i++) {
    const id = `svc-${rnd(25)}`;
    switch (rnd(6)) {
      case 0:
      case 1:
        yield [
          'PUT',
          `/api/v1/routes/${id}`,
          {
            appId: `app-${rnd(8)}`,
            pathBase: `/apps/${id}/`,
            to: `http://10.0.${rnd(3)}.${rnd(250) + 1}:${8000 + rnd(100)}`,
          },
        ];
        break;
      case 2:
        yield [
          'PATCH',
          `/api/v1/routes/${id}`,
          { websockets: rnd(2) === 1, scopes: rnd(2) ? ['read:x'] : [] },
        ];
        break;
      case 3:
        yield ['DELETE', `/api/v1/routes/${id}`];
        break;
      case 4:
        yield [
          'PATCH',
          `/api/v1/apps/app-${rnd(8)}`,
          { tags: [`t${rnd(4)}`], icon: `icon-${rnd(3)}` },
        ];
        break;
      default:
        yield [
          'POST',
          '/api/v1/routes',
          {
            routeId: id,
            appId: `app-${rnd(8)}`,
            pathBase: `/apps/${id}/`,
            to: 'https://example.lan',
          },
        ];
    }
  }
}

async function rebuiltDump(dataDir: string): Promise<string> {
  const infra = await openInfrastructure(dataDir, silent);
  const fresh = await ReadModelDatabase.open(
    join(mkdtempSync(join(tmpdir(), 'nekzus-rebuild-')), 'read-models.db'),
    readModelContributions(),
  );
  try {
    const projections = readModelContributions().flatMap((c) => c.projections);
    for (const p of projections) await rebuildProjection(infra.store, fresh, p);
    return await fresh.dump(projections.flatMap((p) => p.tables));
  } finally {
    await fresh.close();
    await infra.close();
  }
}

describe('projections', () => {
  let h: Harness | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a rebuilt read model equals the live one, row for row', async () => {
    h = await startHarness();
    let changes = 0;
    for (const [method, path, body] of workload(7, 250)) {
      const r = await h.call(method, path, body);
      if (r.status < 300) changes += 1;
    }
    expect(changes).toBeGreaterThan(100);
    const { readModels, store } = h.gateway.infra;
    const projections = readModelContributions().flatMap((c) => c.projections);
    const tables = projections.flatMap((p) => p.tables);
    const live = await readModels.dump(tables);
    expect(live).toContain('svc-');
    for (const p of projections) await rebuildProjection(store, readModels, p);
    expect(await readModels.dump(tables)).toBe(live);
    // and the live model keeps following the log after a rebuild
    await h.call('POST', '/api/v1/routes', {
      routeId: 'after',
      appId: 'after',
      pathBase: '/apps/after/',
      to: 'http://x',
    });
    expect((await h.call('GET', '/api/v1/routes/after')).status).toBe(200);
  });

  it('a gateway killed mid-write loses no acknowledged change, and its projections catch up to equal a rebuild', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-crash-'));
    dirs.push(dataDir);
    const gw = await spawnGateway(dataDir);
    const acknowledged = new Set<string>();
    let sent = 0;
    const writer = async (w: number) => {
      for (let i = 0; ; i++) {
        const id = `w${w}-${i}`;
        sent += 1;
        const res = await fetch(`${gw.url}/api/v1/routes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            routeId: id,
            appId: `app-${w}`,
            pathBase: `/apps/${id}/`,
            to: 'http://10.0.0.1',
          }),
        }).catch(() => undefined);
        if (!res) return;
        if (res.status === 201) acknowledged.add(id);
      }
    };
    const writers = Array.from({ length: 4 }, (_, w) => writer(w));
    while (acknowledged.size < 150) await new Promise((r) => setTimeout(r, 5));
    gw.child.kill('SIGKILL');
    await gw.exited;
    await Promise.all(writers);
    expect(sent).toBeGreaterThan(acknowledged.size);

    const chain = verifyChain(paths(dataDir).events);
    expect(chain).toMatchObject({ intact: true });

    const infra = await openInfrastructure(dataDir, silent);
    infra.runner.start();
    await infra.runner.ready();
    const tables = readModelContributions().flatMap((c) => c.projections.flatMap((p) => p.tables));
    const caughtUp = await infra.readModels.dump(tables);
    for (const id of acknowledged) expect(infra.routeTable.route(id)?.routeId).toBe(id);
    await infra.close();
    expect(await rebuiltDump(dataDir)).toBe(caughtUp);
  });
});
