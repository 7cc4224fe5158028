import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, type RecordedEvent } from '#libs/event-store';
import { startHarness, type Harness } from './support/gateway-harness';

const yaml = (routes: string, extra = '') =>
  `server:\n  addr: ":8080"\n${extra}apps:\n  - id: media\n    name: Media\n    tags: [video]\nroutes:\n${routes}`;
const route = (id: string, to: string, app = id) =>
  `  - id: ${id}\n    app_id: ${app}\n    path_base: /apps/${id}/\n    to: ${to}\n`;

describe('config-declared routes and apps', () => {
  let h: Harness | undefined;
  let dir: string;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const since = async (position: bigint): Promise<RecordedEvent[]> =>
    (await collect(h!.gateway.infra.store.readAll({ from: position + 1n }))).filter(
      (e) => e.position > position,
    );
  const summaryOf = (events: RecordedEvent[]) => events.map((e) => `${e.type} ${e.stream}`);

  it('become events with actor config at start, and a reload applies exactly the difference', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(
      file,
      yaml(
        route('jellyfin', 'http://10.0.0.7:8096', 'media') +
          route('grafana', 'http://10.0.0.5:3000') +
          route('wiki', 'http://10.0.0.9'),
      ),
    );
    h = await startHarness(join(dir, 'data'), { config: file });

    const start = (await since(0n)).filter((e) => e.stream !== 'gateway-instance');
    expect(start[0]).toMatchObject({
      type: 'ConfigApplied',
      stream: 'config',
      data: {
        source: file,
        routeIds: ['jellyfin', 'grafana', 'wiki'],
        appIds: ['media'],
        pendingRestart: [],
      },
      metadata: { actor: { kind: 'config', id: file } },
    });
    for (const e of start.slice(1))
      expect(e.metadata).toMatchObject({
        actor: { kind: 'config' },
        causationId: start[0]!.id,
        correlationId: start[0]!.metadata.correlationId,
      });
    expect((await h.call('GET', '/api/v1/apps/media')).body).toMatchObject({
      name: 'Media',
      tags: ['video'],
      proxyPath: '/apps/jellyfin/',
    });

    // an admin adds a route by hand: no reload may touch it
    expect(
      (
        await h.call('POST', '/api/v1/routes', {
          routeId: 'manual',
          appId: 'manual',
          pathBase: '/apps/manual/',
          to: 'http://10.0.0.3',
        })
      ).status,
    ).toBe(201);
    const before = await h.head();

    writeFileSync(
      file,
      yaml(
        route('jellyfin', 'http://10.0.0.8:8096', 'media') +
          route('wiki', 'http://10.0.0.9') +
          route('books', 'http://10.0.0.4'),
      ),
    );
    expect(await h.gateway.reloadConfig()).toMatchObject({
      status: 'applied',
      summary: {
        routesPut: ['jellyfin', 'books'],
        routesRemoved: ['grafana'],
        appsPut: [],
        appsRemoved: [],
      },
    });
    expect(summaryOf(await since(before))).toEqual([
      'ConfigApplied config',
      'RouteRemoved route-grafana',
      'AppRemoved app-grafana',
      'RouteChanged route-jellyfin',
      'AppRegistered app-books',
      'RouteAdded route-books',
    ]);
    expect((await h.call('GET', '/api/v1/routes/manual')).status).toBe(200);
    expect((await h.call('GET', '/api/v1/routes/grafana')).status).toBe(404);

    // the same file again changes nothing
    const settled = await h.head();
    expect(await h.gateway.reloadConfig()).toEqual({ status: 'unchanged' });
    expect(await h.head()).toBe(settled);
  });

  it('a broken file mid-run changes nothing but a ConfigRejected with every error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(file, yaml(route('grafana', 'http://10.0.0.5:3000')));
    h = await startHarness(join(dir, 'data'), { config: file });
    const before = await h.head();

    writeFileSync(
      file,
      yaml(
        `  - id: grafana\n    path_base: /apps/grafana/\n    to: ftp://nope\n    websockets: maybe\n`,
      ),
    );
    const outcome = await h.gateway.reloadConfig();
    expect(outcome).toMatchObject({ status: 'rejected' });
    const events = await since(before);
    expect(events.map((e) => e.type)).toEqual(['ConfigRejected']);
    expect((events[0]!.data as { errors: string[] }).errors).toEqual([
      `${file}:10:9: routes[0].to: expected an http:// or https:// URL, found "ftp://nope"`,
      `${file}:11:17: routes[0].websockets: expected a boolean, found "maybe"`,
    ]);

    // a routing rule the schema cannot check is refused the same way
    writeFileSync(
      file,
      yaml(route('grafana', 'http://10.0.0.5:3000').replace('/apps/grafana/', '/grafana/')),
    );
    expect(await h.gateway.reloadConfig()).toMatchObject({
      status: 'rejected',
      errors: [
        expect.stringMatching(/^routes\[0\] \(grafana\): path_base: must start with "\/apps\/"/),
      ],
    });
    expect((await h.call('GET', '/api/v1/routes/grafana')).body.to).toBe('http://10.0.0.5:3000');
  });

  it('reloads on its own when the file is replaced by a rename, and reports keys that need a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(file, yaml(route('grafana', 'http://10.0.0.5:3000')));
    h = await startHarness(join(dir, 'data'), { config: file });
    const before = await h.head();

    // editors save by writing a temp file and renaming it over the old one
    const temp = join(dir, '.nekzus.yaml.tmp');
    writeFileSync(
      temp,
      // server.addr comes from a flag here (flags beat the file); base_url is restart-only too
      yaml(route('grafana', 'http://10.0.0.6:3000')).replace(
        '  addr: ":8080"\n',
        '  addr: ":8080"\n  base_url: http://gw.lan:8080\n',
      ),
    );
    renameSync(temp, file);
    let events: RecordedEvent[] = [];
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'RouteChanged'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      events = await since(before);
    }
    expect(events.map((e) => e.type)).toEqual(['ConfigApplied', 'RouteChanged']);
    expect(events[0]!.data).toMatchObject({ pendingRestart: ['server.base_url'] });
  });
});
