import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHttpdImage,
  dockerAvailable,
  removeContainer,
  runContainer,
  startContainer,
  stopContainer,
} from './support/docker';
import { eventually } from './support/eventually';
import { startHarness, type Harness } from './support/gateway-harness';

const available = dockerAvailable();
const suffix = randomBytes(3).toString('hex');
const names = {
  web: `e2e-web-${suffix}`,
  bad: `e2e-bad-${suffix}`,
  other: `e2e-other-${suffix}`,
  late: `e2e-late-${suffix}`,
};

describe.skipIf(!available)('Docker discovery, against a real engine', () => {
  let dir: string;
  let config: string;
  let h: Harness;

  beforeAll(async () => {
    buildHttpdImage();
    dir = mkdtempSync(join(tmpdir(), 'nekzus-docker-'));
    config = join(dir, 'nekzus.yaml');
    writeFileSync(
      config,
      [
        'discovery:',
        '  enabled: true',
        '  docker:',
        '    enabled: true',
        '    mode: opt-in',
        '    poll_interval: 2s',
      ].join('\n'),
    );
    h = await startHarness(join(dir, 'data'), { config });
  });

  afterAll(async () => {
    for (const name of Object.values(names)) removeContainer(name);
    await h?.stop({ keepData: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const proposal = (id: string) => h.call('GET', `/api/v1/discovery/proposals/${id}`);
  const webId = `proposal_docker_http_${names.web.replace(/-/g, '_')}_8080`;

  it('proposes a labelled container, and an approval makes it reachable through /apps/<id>/', async () => {
    runContainer(names.web, {
      'nekzus.enable': 'true',
      'nekzus.app.id': 'web',
      'nekzus.app.name': 'Web Test',
    });
    runContainer(names.bad, { 'nekzus.enable': 'true', 'nekzus.app.id': 'Bad Id!' });
    const found = await eventually(async () => {
      const r = await proposal(webId);
      return r.status === 200 ? (r.body as Record<string, any>) : undefined;
    }, 'the proposal');
    expect(found).toMatchObject({
      source: 'docker',
      detectedScheme: 'http',
      detectedPort: 8080,
      availablePorts: [{ port: 8080, scheme: 'http' }],
      // 0.95 for nekzus.enable=true, +0.10 for port 8080, capped at 1.
      confidence: 1,
      reasons: ['labelled nekzus.enable=true (0.95)', 'a usual HTTP port (+0.10)'],
      state: 'pending',
      present: true,
      suggestedApp: { id: 'web', name: 'Web Test' },
      suggestedRoute: {
        routeId: 'web',
        pathBase: '/apps/web/',
        scopes: ['access:web'],
        stripPrefix: true,
      },
    });
    expect(found.detectedHost).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The badly labelled container is skipped (logged), never a crash and never a proposal.
    const all = await h.call('GET', '/api/v1/discovery/proposals');
    expect(all.body.map((p: { id: string }) => p.id)).toEqual([webId]);

    const badPort = await h.call('POST', `/api/v1/discovery/proposals/${webId}/approve`, {
      port: 9999,
    });
    expect([badPort.status, badPort.body.details?.[0]?.field]).toEqual([400, 'port']);
    const [a, b] = await Promise.all([
      h.call('POST', `/api/v1/discovery/proposals/${webId}/approve`, { name: 'Web' }),
      h.call('POST', `/api/v1/discovery/proposals/${webId}/approve`, { name: 'Web' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error).toBe('PROPOSAL_ALREADY_DECIDED');

    const page = await h.call('GET', '/apps/web/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('hello from a container');

    // The audit trail: discovered → approved by whom → app and route, caused by the approval.
    const events = [];
    for await (const e of h.gateway.infra.store.readAll()) events.push(e);
    const approval = events.find((e) => e.type === 'ProposalApproved')!;
    expect(approval.metadata.actor).toEqual({ kind: 'admin', id: 'local' });
    const caused = events.filter((e) => e.metadata.causationId === approval.id).map((e) => e.type);
    expect(caused).toEqual(['AppRegistered', 'RouteAdded']);
    expect(events.find((e) => e.type === 'ServiceDiscovered')!.metadata.actor).toEqual({
      kind: 'discovery',
      id: 'docker',
    });
  });

  it('notices changes and disappearance; a restart re-proposes nothing already decided', async () => {
    removeContainer(names.web);
    runContainer(names.web, {
      'nekzus.enable': 'true',
      'nekzus.app.id': 'web',
      'nekzus.app.name': 'Web Test',
      'nekzus.app.icon': '🌐',
    });
    await eventually(async () => {
      const events = [];
      for await (const e of h.gateway.infra.store.readStream(`proposal-${webId}`))
        events.push(e.type);
      return events.includes('ServiceChanged') ? true : undefined;
    }, 'ServiceChanged');
    // Still approved and still served at its new address.
    expect((await proposal(webId)).body.state).toBe('approved');
    await eventually(
      async () => ((await h.call('GET', '/apps/web/')).status === 200 ? true : undefined),
      'the moved route',
    );

    stopContainer(names.web);
    await eventually(
      async () => ((await proposal(webId)).body.present === false ? true : undefined),
      'ServiceVanished',
    );
    const route = await h.call('GET', '/api/v1/routes/web');
    expect(route.status).toBe(200);

    startContainer(names.web);
    await eventually(
      async () => ((await proposal(webId)).body.present === true ? true : undefined),
      'the container back',
    );
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, { config });
    runContainer(names.other, { 'nekzus.enable': 'true', 'nekzus.app.id': 'other' });
    const otherId = `proposal_docker_http_${names.other.replace(/-/g, '_')}_8080`;
    await eventually(
      async () => ((await proposal(otherId)).status === 200 ? true : undefined),
      'the new proposal',
    );
    const pending = await h.call('GET', '/api/v1/discovery/proposals?state=pending');
    expect(pending.body.map((p: { id: string }) => p.id)).toEqual([otherId]);
    expect((await proposal(webId)).body.state).toBe('approved');
  });

  it('rejects, dismisses and rediscovers', async () => {
    const otherId = `proposal_docker_http_${names.other.replace(/-/g, '_')}_8080`;
    const dismissed = await h.call('POST', `/api/v1/discovery/proposals/${otherId}/dismiss`);
    expect(dismissed.body).toEqual({ status: 'dismissed', id: otherId });
    expect((await h.call('POST', `/api/v1/discovery/proposals/${otherId}/reject`, {})).status).toBe(
      409,
    );
    const again = await h.call('POST', '/api/v1/discovery/rediscover');
    expect(again.body).toMatchObject({ status: 'success', dismissedCleared: 1 });
    expect((await proposal(otherId)).body.state).toBe('pending');
    const rejected = await h.call('POST', `/api/v1/discovery/proposals/${otherId}/reject`, {
      reason: 'not this one',
    });
    expect(rejected.body).toEqual({ status: 'rejected', id: otherId });
    expect((await proposal(otherId)).body).toMatchObject({
      state: 'rejected',
      reason: 'not this one',
      decidedBy: 'admin:local',
    });
    expect((await h.call('GET', '/api/v1/discovery/proposals/nope')).status).toBe(404);
    expect((await h.call('GET', '/api/v1/discovery/proposals?state=maybe')).status).toBe(400);
  });

  it('starts Docker discovery when a reload turns it on', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'nekzus-docker-reload-'));
    const file = join(dir2, 'nekzus.yaml');
    writeFileSync(file, 'discovery:\n  enabled: false\n');
    const h2 = await startHarness(join(dir2, 'data'), { config: file });
    try {
      const lateId = `proposal_docker_http_${names.late.replace(/-/g, '_')}_8080`;
      runContainer(names.late, { 'nekzus.enable': 'true', 'nekzus.app.id': 'late' });
      writeFileSync(
        file,
        [
          'discovery:',
          '  enabled: true',
          '  docker:',
          '    enabled: true',
          '    mode: opt-in',
        ].join('\n'),
      );
      const outcome = await h2.gateway.reloadConfig();
      expect(outcome).toMatchObject({
        status: 'applied',
        changed: expect.arrayContaining(['discovery.enabled', 'discovery.docker.enabled']),
      });
      await eventually(
        async () =>
          (await h2.call('GET', `/api/v1/discovery/proposals/${lateId}`)).status === 200
            ? true
            : undefined,
        'the proposal after the reload',
      );
    } finally {
      await h2.stop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
