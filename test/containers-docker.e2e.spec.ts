import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHttpdImage,
  dockerAvailable,
  HTTPD_IMAGE,
  removeContainer,
  runContainer,
} from './support/docker';
import { startHarness, type Harness } from './support/gateway-harness';
import { connect } from './support/ws-client';

const available = dockerAvailable();
const name = `e2e-ctr-${randomBytes(3).toString('hex')}`;
const talker = `e2e-talk-${randomBytes(3).toString('hex')}`;
const SECRET = `hunter2-${randomBytes(4).toString('hex')}`;

const running = (id: string) =>
  execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' }).trim();

describe.skipIf(!available)('container control on the real engine', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    buildHttpdImage();
    runContainer(name, { 'nekzus.app.id': 'ctr-app' }, [
      '-e',
      `API_TOKEN=${SECRET}`,
      '-e',
      'TZ=UTC',
    ]);
    h = await startHarness();
  });
  afterAll(async () => {
    removeContainer(name);
    removeContainer(talker);
    await h?.stop();
  });

  it('lists every container, stopped ones too, in the contract shape', async () => {
    const list = (await h.call('GET', '/api/v1/containers')).body as Record<string, any>[];
    const mine = list.find((c) => c.name === name)!;
    expect(mine).toMatchObject({
      state: 'running',
      labels: { 'nekzus.app.id': 'ctr-app' },
      runtime: 'docker',
      ports: [{ privatePort: 8080, type: 'tcp' }],
    });
    expect(mine.id).toMatch(/^[0-9a-f]{12}$/);
    id = mine.id;
  });

  it('inspects with environment values redacted (Nekzus shows them)', async () => {
    const r = await h.call('GET', `/api/v1/containers/${id}`);
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(SECRET);
    expect(r.body.Config.Env).toEqual(expect.arrayContaining(['API_TOKEN=********', 'TZ=UTC']));
    expect((await h.call('GET', '/api/v1/containers/no-such-thing')).body.error).toBe(
      'CONTAINER_NOT_FOUND',
    );
  });

  it('reads its figures', async () => {
    const s = (await h.call('GET', `/api/v1/containers/${id}/stats`)).body;
    expect(s).toMatchObject({ containerId: id, cpu: { totalCores: expect.any(Number) } });
    expect(s.memory.used).toBeGreaterThan(0);
    expect(s.memory.limit).toBeGreaterThan(s.memory.used);
  });

  it('stops, starts and restarts for real, each recorded with its actor', async () => {
    const head = await h.head();
    const bad = await h.call('POST', `/api/v1/containers/${id}/stop?timeout=0`);
    expect([bad.status, bad.body.error]).toEqual([400, 'INVALID_TIMEOUT']);
    expect(await h.head()).toBe(head);

    const stopped = await h.call('POST', `/api/v1/containers/${id}/stop?timeout=1`);
    expect(stopped.status).toBe(202);
    expect(stopped.body).toMatchObject({ status: 'stopped', containerId: id });
    expect(running(name)).toBe('false');
    const listed = (await h.call('GET', '/api/v1/containers')).body as Record<string, any>[];
    expect(listed.find((c) => c.id === id)!.state).toBe('stopped');

    expect((await h.call('POST', `/api/v1/containers/${id}/start`)).status).toBe(202);
    expect(running(name)).toBe('true');
    const again = await h.call('POST', `/api/v1/containers/${id}/start`);
    expect([again.status, again.body.error]).toEqual([409, 'CONTAINER_ALREADY_STARTED']);
    expect((await h.call('POST', `/api/v1/containers/${id}/restart?timeout=1`)).status).toBe(202);
    expect(running(name)).toBe('true');

    const events = [];
    for await (const e of h.gateway.infra.store.readStream(`container-${id}`)) events.push(e);
    expect(events.map((e) => e.type)).toEqual([
      'ContainerStopped',
      'ContainerStarted',
      'ContainerRestarted',
    ]);
    expect(events[0]!.data).toEqual({
      containerId: id,
      name,
      appId: 'ctr-app',
      timeoutSeconds: 1,
    });
    expect(events[0]!.metadata.actor).toEqual({ kind: 'admin', id: 'local' });
  });

  it('streams logs over the WebSocket, line by line, until asked to stop or the container stops', async () => {
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      talker,
      '--entrypoint',
      '/bin/busybox',
      HTTPD_IMAGE,
      'sh',
      '-c',
      'echo line-one; echo line-two >&2; sleep 2; echo line-three; sleep 300',
    ]);
    const ws = connect(h);
    await ws.opened;
    ws.send('auth', { token: '' });
    await ws.next('auth_success');

    ws.send('container.logs.subscribe', { containerId: 'no-such-container' });
    expect((await ws.next('container.logs.error')).data).toMatchObject({
      containerId: 'no-such-container',
      error: 'CONTAINER_NOT_FOUND',
    });

    ws.send('container.logs.subscribe', { containerId: talker, tail: 100 });
    expect((await ws.next('container.logs.started')).data).toMatchObject({ containerId: talker });
    const line = (text: string) =>
      ws.next('container.logs', (f) => f.data.message === text).then((f) => f.data as unknown);
    expect(await line('line-one')).toMatchObject({ containerId: talker, stream: 'stdout' });
    expect(await line('line-two')).toMatchObject({ stream: 'stderr' });
    // Followed: a line written after the subscription arrives too.
    expect(await line('line-three')).toMatchObject({ stream: 'stdout' });

    ws.send('container.logs.unsubscribe', { containerId: talker });
    expect((await ws.next('container.logs.ended')).data).toEqual({
      containerId: talker,
      reason: 'stopped',
    });

    ws.send('container.logs.subscribe', { containerId: talker, tail: 0 });
    await ws.next('container.logs.started', (f) => f.data.tail === 0);
    execFileSync('docker', ['stop', '-t', '1', talker]);
    expect(
      (await ws.next('container.logs.ended', (f) => f.data.reason !== 'stopped')).data,
    ).toEqual({ containerId: talker, reason: 'container_stopped' });
    ws.socket.close();
  });
});
