import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../apps/gateway/src/gateway';
import { createLogger } from '../apps/gateway/src/logger';
import { loadSettings } from '../apps/gateway/src/settings';
import { eventually } from './support/eventually';
import { buildToolboxImage, dockerAvailable, TOOLBOX_IMAGE as IMAGE } from './support/docker';

const available = dockerAvailable();
const FIXTURES = resolve(__dirname, 'fixtures/toolbox');
const suffix = randomBytes(3).toString('hex');
const NAME = `Team Notes ${suffix}`;
const PROJECT = `team-notes-${suffix}`;
const SECRET = `s3cret-${randomBytes(8).toString('hex')}`;

const docker = (args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Everything the engine holds for a project, found by our label. */
function engineHolds(project: string) {
  const label = `label=nekzus.toolbox.project=${project}`;
  const lines = (text: string) => text.split('\n').filter(Boolean);
  return {
    containers: lines(docker(['ps', '-a', '-q', '--filter', label])),
    networks: lines(docker(['network', 'ls', '-q', '--filter', label])),
    volumes: lines(docker(['volume', 'ls', '-q', '--filter', label])),
  };
}

function purge(project: string): void {
  const held = engineHolds(project);
  if (held.containers.length) docker(['rm', '-f', ...held.containers]);
  if (held.networks.length) docker(['network', 'rm', ...held.networks]);
  if (held.volumes.length) docker(['volume', 'rm', ...held.volumes]);
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hits.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(Buffer.from(needle))) hits.push(path);
  }
  return hits;
}

describe.skipIf(!available)(
  'toolbox deployments, against a real Docker engine',
  { timeout: 180_000 },
  () => {
    let dir: string;
    let dataDir: string;
    let config: string;
    let gateway: RunningGateway;
    let logs = '';

    const start = async () => {
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs += chunk.toString('utf8');
          done();
        },
      });
      const settings = loadSettings(
        {},
        { addr: '127.0.0.1:0', dataDir, logLevel: 'debug', config },
      );
      gateway = await startGateway(
        settings,
        createLogger('debug', sink as unknown as NodeJS.WriteStream),
      );
      await gateway.configApplied;
    };

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        ...(body !== undefined
          ? {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }
          : {}),
      });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // plain text
      }
      return { status: res.status, body: parsed, text };
    };

    const settle = (id: string) =>
      eventually(async () => {
        const r = await call('GET', `/api/v1/toolbox/deployments/${id}`);
        return ['deployed', 'failed'].includes(r.body.status)
          ? (r.body as Record<string, any>)
          : undefined;
      }, `deployment ${id} to settle`);

    beforeAll(async () => {
      buildToolboxImage();
      purge(PROJECT);
      dir = mkdtempSync(join(tmpdir(), 'nekzus-toolbox-'));
      dataDir = join(dir, 'data');
      config = join(dir, 'nekzus.yaml');
      writeFileSync(
        config,
        [
          'discovery:',
          '  enabled: true',
          '  docker:',
          '    enabled: true',
          '    mode: opt-in',
          '    poll_interval: 1s',
          'toolbox:',
          '  enabled: true',
          `  catalog_dir: ${join(FIXTURES, 'catalog')}`,
          `  data_dir: ${join(dir, 'toolbox-data')}`,
          '  bind_address: 127.0.0.1',
          '  auto_route: true',
          '  deploy_timeout: 2m',
        ].join('\n'),
      );
      await start();
    });

    afterAll(async () => {
      await gateway?.close();
      purge(PROJECT);
      purge(`absent-${suffix}`);
      purge(`later-${suffix}`);
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists the catalogue with its variables, and broken templates with the reason', async () => {
      const list = await call('GET', '/api/v1/toolbox/services');
      expect(list.status).toBe(200);
      expect(list.body.services.map((s: { id: string }) => s.id)).toEqual([
        'absent-image',
        'notes',
      ]);
      const notes = list.body.services.find((s: { id: string }) => s.id === 'notes');
      expect(notes).toMatchObject({
        name: 'Test Notes',
        category: 'testing',
        tags: ['notes', 'test'],
        image: IMAGE,
        services: [
          { name: 'api', image: IMAGE },
          { name: 'web', image: IMAGE },
        ],
      });
      expect(notes.env_vars).toEqual([
        {
          name: 'NOTES_PASSWORD',
          label: 'Notes Password',
          description: 'Configuration for Notes Password',
          required: true,
          message: 'choose a password for the notes',
          type: 'password',
        },
        {
          name: 'NOTES_TITLE',
          label: 'Notes Title',
          description: 'Configuration for Notes Title',
          required: false,
          default: 'My notes',
          type: 'text',
        },
        {
          name: 'NOTES_PORT',
          label: 'Notes Port',
          description: 'Configuration for Notes Port',
          required: false,
          default: '0',
          type: 'number',
        },
      ]);
      const broken = Object.fromEntries(
        list.body.broken.map((b: { id: string; reason: string }) => [b.id, b.reason]),
      );
      expect(Object.keys(broken).sort()).toEqual(['bad-ports', 'broken-yaml', 'unlabelled']);
      expect(broken['broken-yaml']).toMatch(/^YAML: /);
      expect(broken['unlabelled']).toMatch(/nekzus\.toolbox\.name and nekzus\.toolbox\.category/);
      expect(broken['bad-ports']).toMatch(/"99999:80" is not a port mapping/);

      expect((await call('GET', '/api/v1/toolbox/services?category=none')).body).toEqual({
        services: [],
        count: 0,
        broken: list.body.broken,
      });
      const missing = await call('GET', '/api/v1/toolbox/services/nope');
      expect([missing.status, missing.body.error]).toEqual([404, 'SERVICE_NOT_FOUND']);
      expect((await call('GET', '/api/v1/toolbox/deployments')).body).toEqual({
        deployments: [],
        count: 0,
      });
    });

    it('refuses bad requests with every problem listed, and records nothing', async () => {
      const head = await gateway.infra.store.headPosition();
      const empty = await call('POST', '/api/v1/toolbox/deploy', '');
      expect(empty.status).toBe(400);
      const bad = await call('POST', '/api/v1/toolbox/deploy', {
        service_id: 'notes',
        service_name: NAME,
        env_vars: { NOTES_PORT: 'eighty', TYPO: 'x' },
        custom_port: 70000,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('VALIDATION_FAILED');
      expect(bad.body.details).toEqual(
        expect.arrayContaining([
          { field: 'env_vars.TYPO', message: 'the template has no variable TYPO' },
          { field: 'env_vars.NOTES_PASSWORD', message: 'choose a password for the notes' },
          { field: 'env_vars.NOTES_PORT', message: '"eighty" is not a number' },
          { field: 'custom_port', message: 'a port from 1 to 65535' },
        ]),
      );
      const unknown = await call('POST', '/api/v1/toolbox/deploy', {
        service_id: 'nope',
        service_name: 'x',
      });
      expect([unknown.status, unknown.body.details[0].field]).toEqual([400, 'service_id']);
      expect(await gateway.infra.store.headPosition()).toBe(head);
    });

    let deploymentId: string;

    it('deploys the two services with progress pushed live, refuses a concurrent deploy of the name, and routes the app', async () => {
      const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/api/v1/ws`);
      const frames: { type: string; data: any }[] = [];
      ws.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString('utf8'))));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'auth', data: { token: '' } }));
      await eventually(
        async () => (frames.some((f) => f.type === 'auth_success') ? true : undefined),
        'auth',
      );

      const request = {
        service_id: 'notes',
        service_name: NAME,
        env_vars: { NOTES_PASSWORD: SECRET },
        auto_start: true,
      };
      const [a, b] = await Promise.all([
        call('POST', '/api/v1/toolbox/deploy', request),
        call('POST', '/api/v1/toolbox/deploy', request),
      ]);
      expect([a.status, b.status].sort()).toEqual([202, 409]);
      const accepted = a.status === 202 ? a : b;
      expect([a, b].find((r) => r.status === 409)!.body.error).toBe('DEPLOYMENT_EXISTS');
      deploymentId = accepted.body.deployment_id;
      expect(accepted.body.message).toBe(`Deployment '${NAME}' initiated`);
      expect(accepted.body.deployment.env_vars).toEqual({ NOTES_PASSWORD: '********' });

      const done = await settle(deploymentId);
      expect(done).toMatchObject({
        status: 'deployed',
        service_name: NAME,
        project_name: PROJECT,
        network_names: [`${PROJECT}_default`],
        volume_names: [`${PROJECT}_data`],
        env_vars: { NOTES_PASSWORD: '********' },
        deployed_by: 'admin:local',
      });
      expect(done.containers.map((c: { name: string }) => c.name)).toEqual([
        `${PROJECT}-api-1`,
        `${PROJECT}-web-1`,
      ]);

      // Progress: phases in order, and per-service states ending healthy / running.
      await eventually(
        async () =>
          frames.some((f) => f.type === 'toolbox.deployment.status' && f.data.status === 'deployed')
            ? true
            : undefined,
        'the deployed status message',
      );
      const progress = frames
        .filter((f) => f.type === 'toolbox.deployment.progress')
        .map((f) => f.data as { deploymentId: string; phase: string; services: unknown });
      expect(progress.every((p) => p.deploymentId === deploymentId)).toBe(true);
      const phases = [...new Set(progress.map((p) => p.phase))];
      expect(phases).toEqual(['images', 'volumes', 'networks', 'containers', 'start', 'health']);
      expect(progress.at(-1)!.services).toEqual({ api: 'healthy', web: 'running' });
      ws.close();

      // The engine ran what the file says: restart policy, the template's 127.0.0.1 binding.
      const web = JSON.parse(docker(['inspect', `${PROJECT}-web-1`]))[0];
      expect(web.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      expect(web.HostConfig.PortBindings['8080/tcp'][0].HostIp).toBe('127.0.0.1');
      expect(web.Config.Env).toContain(`NOTES_PASSWORD=${SECRET}`);

      // toolbox.auto_route: the proposal is approved by the toolbox, the app is served.
      const page = await eventually(async () => {
        const r = await call('GET', `/apps/${PROJECT}/cgi-bin/put?hello-${suffix}`);
        return r.status === 200 ? r.text : undefined;
      }, 'the routed app');
      expect(page.trim()).toBe('stored');
      const peer = await call('GET', `/apps/${PROJECT}/cgi-bin/peer`);
      expect(peer.text).toContain('toolbox test app');
      const events = [];
      for await (const e of gateway.infra.store.readAll()) events.push(e);
      const approval = events.find((e) => e.type === 'ProposalApproved')!;
      expect(approval.metadata.actor).toEqual({ kind: 'system', id: 'toolbox' });
      expect(approval.metadata.correlationId).toBe(deploymentId);
      const succeeded = events.find((e) => e.type === 'DeploymentSucceeded')!;
      expect(approval.metadata.causationId).toBe(succeeded.id);
    });

    it('stops and starts the containers', async () => {
      const stopped = await call('POST', `/api/v1/toolbox/deployments/${deploymentId}/stop`);
      expect([stopped.status, stopped.body.status]).toEqual([200, 'stopped']);
      expect(docker(['inspect', '-f', '{{.State.Running}}', `${PROJECT}-web-1`])).toBe('false');
      expect((await call('GET', '/api/v1/toolbox/deployments?status=stopped')).body.count).toBe(1);
      const started = await call('POST', `/api/v1/toolbox/deployments/${deploymentId}/start`);
      expect([started.status, started.body.status]).toEqual([200, 'deployed']);
      expect(docker(['inspect', '-f', '{{.State.Running}}', `${PROJECT}-web-1`])).toBe('true');
      const bad = await call('GET', '/api/v1/toolbox/deployments?status=bogus');
      expect(bad.status).toBe(400);
    });

    it('never keeps the secret in clear: not in the data directory, the logs or any answer', async () => {
      const listed = await call('GET', '/api/v1/toolbox/deployments');
      expect(listed.text).not.toContain(SECRET);
      expect(listed.text).toContain('********');
      expect(filesContaining(dataDir, SECRET)).toEqual([]);
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toContain(SECRET);
    });

    it('removal keeps the volume unless asked: a redeploy finds the data, then nothing is left', async () => {
      const before = (await call('GET', '/api/v1/apps')).body as { id: string }[];
      expect(before.map((a) => a.id)).toContain(PROJECT);
      const removed = await call('DELETE', `/api/v1/toolbox/deployments/${deploymentId}`);
      expect([removed.status, removed.body.message]).toEqual([
        200,
        'Deployment removed successfully',
      ]);
      expect(engineHolds(PROJECT)).toEqual({
        containers: [],
        networks: [],
        volumes: [`${PROJECT}_data`],
      });
      expect((await call('GET', `/api/v1/toolbox/deployments/${deploymentId}`)).status).toBe(404);
      // The route to the removed containers went with them, and so did its app.
      const routed = await call('GET', `/apps/${PROJECT}/cgi-bin/get`);
      expect([routed.status, routed.body?.error]).toEqual([404, 'ROUTE_NOT_FOUND']);
      const apps = (await call('GET', '/api/v1/apps')).body as { id: string }[];
      expect(apps.map((a) => a.id)).not.toContain(PROJECT);

      const again = await call('POST', '/api/v1/toolbox/deploy', {
        service_id: 'notes',
        service_name: NAME,
        env_vars: { NOTES_PASSWORD: SECRET },
      });
      expect(again.status).toBe(202);
      const redeployed = await settle(again.body.deployment_id);
      expect(redeployed.status).toBe('deployed');
      const port = docker(['port', `${PROJECT}-web-1`, '8080/tcp']).split('\n')[0]!;
      expect(port).toMatch(/^127\.0\.0\.1:\d+$/);
      const value = await (await fetch(`http://${port}/cgi-bin/get`)).text();
      expect(value.trim()).toBe(`hello-${suffix}`);

      const wiped = await call(
        'DELETE',
        `/api/v1/toolbox/deployments/${again.body.deployment_id}?removeVolumes=true`,
      );
      expect(wiped.status).toBe(200);
      expect(engineHolds(PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
      const badFlag = await call(
        'DELETE',
        `/api/v1/toolbox/deployments/${deploymentId}?removeVolumes=yes`,
      );
      expect(badFlag.status).toBe(400);
    });

    it("a template whose image does not exist fails with the engine's message and leaves nothing", async () => {
      const r = await call('POST', '/api/v1/toolbox/deploy', {
        service_id: 'absent-image',
        service_name: `absent ${suffix}`,
      });
      expect(r.status).toBe(202);
      const failed = await settle(r.body.deployment_id);
      expect(failed).toMatchObject({ status: 'failed', failed_phase: 'images' });
      expect(failed.error_message).toMatch(/^pulling lan-toolbox-absent:1: .+/);
      expect(engineHolds(`absent-${suffix}`)).toEqual({
        containers: [],
        networks: [],
        volumes: [],
      });
      const events = [];
      for await (const e of gateway.infra.store.readStream(`deployment-${r.body.deployment_id}`))
        events.push(e);
      expect(events.map((e) => e.type)).toEqual([
        'DeploymentRequested',
        'DeploymentStarted',
        'DeploymentFailed',
      ]);
      expect(events[2]!.data).toMatchObject({ phase: 'images' });
    });

    it('a deployment cut short by a crash is cleaned up and recorded as failed at the next start', async () => {
      const r = await call('POST', '/api/v1/toolbox/deploy', {
        service_id: 'notes',
        service_name: `later ${suffix}`,
        env_vars: { NOTES_PASSWORD: SECRET },
        auto_start: false,
      });
      expect([r.status, r.body.status]).toEqual([202, 'pending']);
      const id = r.body.deployment_id;
      // What a crash mid-deployment leaves: the start recorded, a container on the engine.
      await gateway.infra.store.append(
        `deployment-${id}`,
        [
          {
            id: crypto.randomUUID(),
            type: 'DeploymentStarted',
            data: { deploymentId: id, services: ['api', 'web'] },
            metadata: { correlationId: 'crash', actor: { kind: 'admin', id: 'local' } },
          },
        ],
        { streamState: 0n },
      );
      docker([
        'create',
        '--name',
        `later-${suffix}-api-1`,
        '--label',
        `nekzus.toolbox.project=later-${suffix}`,
        IMAGE,
      ]);
      await gateway.close();
      await start();
      const failed = await settle(id);
      expect(failed).toMatchObject({ status: 'failed', failed_phase: 'interrupted' });
      expect(engineHolds(`later-${suffix}`).containers).toEqual([]);
      // A failed deployment can be deployed again, with its sealed secret.
      const retried = await call('POST', `/api/v1/toolbox/deployments/${id}/start`);
      expect([retried.status, retried.body.status]).toEqual([200, 'deploying']);
      expect((await settle(id)).status).toBe('deployed');
      expect(docker(['inspect', '-f', '{{json .Config.Env}}', `later-${suffix}-web-1`])).toContain(
        SECRET,
      );
      await call('DELETE', `/api/v1/toolbox/deployments/${id}?removeVolumes=true`);
      expect(engineHolds(`later-${suffix}`)).toEqual({ containers: [], networks: [], volumes: [] });
    });
  },
);
