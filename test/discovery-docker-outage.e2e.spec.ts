import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpdImage, dockerAvailable, removeContainer, runContainer } from './support/docker';
import { eventually } from './support/eventually';
import { startHarness, type Harness } from './support/gateway-harness';

const available = dockerAvailable();
const ENGINE = '/var/run/docker.sock';
const suffix = randomBytes(3).toString('hex');
const names = { before: `e2e-before-${suffix}`, during: `e2e-during-${suffix}` };
const idOf = (name: string) => `proposal_docker_http_${name.replace(/-/g, '_')}_8080`;

/**
 * The engine's socket as the gateway sees it, relayed byte for byte to the real engine. Cutting
 * it is what a killed dockerd looks like from the gateway: open streams reset, new connections
 * refused, the socket file gone; restoring it is dockerd coming back. (Killing the shared
 * engine itself would break the other Docker tests that run beside this one.)
 */
class EngineRelay {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();

  constructor(readonly path: string) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const engine = connect(ENGINE);
      this.open.add(client).add(engine);
      const drop = () => {
        client.destroy();
        engine.destroy();
        this.open.delete(client);
        this.open.delete(engine);
      };
      client.on('error', drop).on('close', drop);
      engine.on('error', drop).on('close', drop);
      client.pipe(engine);
      engine.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    await new Promise((resolve) => server?.close(resolve));
    if (existsSync(this.path)) unlinkSync(this.path);
  }
}

describe.skipIf(!available)('Docker discovery when the engine goes away and comes back', () => {
  let dir: string;
  let relay: EngineRelay;
  let h: Harness;

  beforeAll(async () => {
    buildHttpdImage();
    dir = mkdtempSync(join(tmpdir(), 'nekzus-docker-outage-'));
    relay = new EngineRelay(join(dir, 'docker.sock'));
    await relay.start();
    const config = join(dir, 'nekzus.yaml');
    writeFileSync(
      config,
      [
        'discovery:',
        '  enabled: true',
        '  docker:',
        '    enabled: true',
        '    mode: opt-in',
        `    socket_path: ${relay.path}`,
        '    poll_interval: 2s',
        '',
      ].join('\n'),
    );
    h = await startHarness(join(dir, 'data'), { config });
  });

  afterAll(async () => {
    for (const name of Object.values(names)) removeContainer(name);
    await h?.stop();
    await relay?.cut();
    rmSync(dir, { recursive: true, force: true });
  });

  const proposal = async (name: string) => {
    const r = await h.call('GET', `/api/v1/discovery/proposals/${idOf(name)}`);
    return r.status === 200 ? (r.body as { present: boolean; state: string }) : undefined;
  };

  it('keeps what it knew while the engine is gone, and resyncs when it is back', async () => {
    runContainer(names.before, { 'nekzus.enable': 'true', 'nekzus.app.id': 'before' });
    await eventually(() => proposal(names.before), 'the first proposal');

    await relay.cut();
    // While the engine is away: one container goes, another comes.
    removeContainer(names.before);
    runContainer(names.during, { 'nekzus.enable': 'true', 'nekzus.app.id': 'during' });
    await new Promise((r) => setTimeout(r, 2500));
    // The gateway keeps serving and does not mistake "unreachable" for "everything vanished".
    expect((await h.call('GET', '/api/v1/healthz')).status).toBe(200);
    expect(await proposal(names.before)).toMatchObject({ present: true, state: 'pending' });
    expect(await proposal(names.during)).toBeUndefined();

    await relay.start();
    await eventually(
      () => proposal(names.during),
      'the proposal of the container started meanwhile',
    );
    await eventually(
      async () => ((await proposal(names.before))?.present === false ? true : undefined),
      'the removed container to be noticed as vanished',
    );
    // The source went back to the event stream: a container started now is proposed too.
    const late = `e2e-late-${suffix}`;
    try {
      runContainer(late, { 'nekzus.enable': 'true', 'nekzus.app.id': 'late' });
      await eventually(() => proposal(late), 'a proposal after the reconnect');
    } finally {
      removeContainer(late);
    }
  });
});
