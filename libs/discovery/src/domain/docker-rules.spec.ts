import { describe, expect, it } from 'vitest';
import { chooseHost, dockerVerdict, type ContainerFacts, type DockerRules } from './docker-rules';
import type { DiscoveredService } from './proposal';

const rules: DockerRules = {
  mode: 'opt-out',
  networkMode: 'all',
  networks: [],
  excludeNetworks: [],
  self: {},
};

function container(overrides: Partial<ContainerFacts> = {}): ContainerFacts {
  return {
    id: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2',
    name: '/my-app',
    image: 'example/my-app:1.0',
    labels: {},
    networks: { bridge: '172.17.0.5' },
    ports: [{ privatePort: 8080, publicPort: 8885 }],
    ...overrides,
  };
}

/** Runs the rules; `reachable` are the ports that would answer the HTTP probe. */
function propose(
  facts: ContainerFacts,
  reachable?: readonly number[],
  r: DockerRules = rules,
): DiscoveredService {
  const verdict = dockerVerdict(facts, r);
  if (verdict.kind !== 'probe') throw new Error(`skipped: ${verdict.reason}`);
  const built = verdict.build(reachable ?? verdict.candidates);
  if ('kind' in built) throw new Error(`skipped after probing: ${JSON.stringify(built)}`);
  return built;
}

function skipOf(facts: ContainerFacts, r: DockerRules = rules) {
  const verdict = dockerVerdict(facts, r);
  if (verdict.kind !== 'skip') throw new Error('expected a skip');
  return verdict;
}

describe('docker rules', () => {
  it('never proposes the gateway itself, by container id either way or by name', () => {
    const facts = container();
    expect(skipOf(facts, { ...rules, self: { id: 'a1b2c3d4e5f6' } }).reason).toBe(
      'the gateway itself',
    );
    expect(skipOf(facts, { ...rules, self: { id: facts.id } }).reason).toBe('the gateway itself');
    expect(skipOf(facts, { ...rules, self: { name: 'my-app' } }).reason).toBe('the gateway itself');
    expect(dockerVerdict(facts, { ...rules, self: { id: 'ffffffffffff' } }).kind).toBe('probe');
  });

  it('skips system containers unless labelled nekzus.test, and nekzus.skip=true always', () => {
    expect(skipOf(container({ name: '/Nekzus-ui' })).reason).toBe('a Nekzus container');
    expect(skipOf(container({ image: 'traefik:v3' })).reason).toBe('an infrastructure image');
    expect(skipOf(container({ image: 'rancher/agent' })).reason).toBe('an infrastructure image');
    expect(
      dockerVerdict(container({ name: '/nekzus-fixture', labels: { 'nekzus.test': '1' } }), rules)
        .kind,
    ).toBe('probe');
    expect(skipOf(container({ labels: { 'nekzus.skip': 'true' } })).reason).toBe(
      'labelled nekzus.skip=true',
    );
    expect(
      skipOf(container({ labels: { 'nekzus.test': '1', 'nekzus.skip': 'true' } })).reason,
    ).toBe('labelled nekzus.skip=true');
  });

  it('opt-out proposes unlabelled containers; opt-in only those labelled nekzus.enable=true', () => {
    expect(propose(container()).proposalId).toBe('proposal_docker_http_my_app_8080');
    expect(skipOf(container({ labels: { 'nekzus.enable': 'false' } })).reason).toBe(
      'labelled nekzus.enable=false',
    );
    const optIn = { ...rules, mode: 'opt-in' as const };
    expect(skipOf(container(), optIn).reason).toMatch(/opt-in/);
    expect(
      propose(container({ labels: { 'nekzus.enable': 'true' } }), undefined, optIn),
    ).toBeTruthy();
    expect(skipOf(container({ labels: { 'nekzus.enable': 'false' } }), optIn).reason).toBe(
      'labelled nekzus.enable=false',
    );
  });

  it('refuses invalid labels with a reason instead of proposing an unusable route', () => {
    const bad = (labels: Record<string, string>) => skipOf(container({ labels }));
    expect(bad({ 'nekzus.app.id': 'Bad Id!' })).toMatchObject({
      invalid: true,
      reason: expect.stringMatching(/nekzus\.app\.id="Bad Id!" is not an id/),
    });
    expect(bad({ 'nekzus.app.id': 'x'.repeat(64) }).invalid).toBe(true);
    expect(bad({ 'nekzus.route.path': '/grafana' })).toMatchObject({
      invalid: true,
      reason: 'label nekzus.route.path="/grafana" must start with /apps/<name>',
    });
    expect(bad({ 'nekzus.primary_port': 'eighty' })).toMatchObject({
      invalid: true,
      reason: 'label nekzus.primary_port="eighty" is not a port number',
    });
  });

  it('chooses the network deterministically: sorted names, the include list, or the preferred order', () => {
    const networks = { zeta: '10.0.0.26', alpha: '10.0.0.1', mid: '10.0.0.13' };
    const pick = (r: Partial<DockerRules>) => chooseHost(networks, { ...rules, ...r });
    expect(pick({})).toBe('10.0.0.1');
    expect(chooseHost({ alpha: '10.0.0.1', zeta: '10.0.0.26' }, rules)).toBe(
      chooseHost({ zeta: '10.0.0.26', alpha: '10.0.0.1' }, rules),
    );
    expect(pick({ excludeNetworks: ['alpha'] })).toBe('10.0.0.13');
    expect(pick({ networks: ['zeta', 'mid'] })).toBe('10.0.0.13');
    expect(pick({ networkMode: 'preferred', networks: ['zeta', 'mid'] })).toBe('10.0.0.26');
    expect(pick({ networkMode: 'preferred', networks: ['absent'] })).toBe('10.0.0.1');
    expect(pick({ networks: ['absent'] })).toBeUndefined();
    expect(skipOf(container({ networks: {} })).reason).toMatch(/no network address/);
  });

  it('probes the container port on the container address, never the published one', () => {
    const verdict = dockerVerdict(container(), rules);
    expect(verdict).toMatchObject({ kind: 'probe', host: '172.17.0.5', candidates: [8080] });
    const service = propose(container());
    expect(service.suggestedRoute.to).toBe('http://172.17.0.5:8080');
    expect(service.availablePorts).toEqual([{ port: 8080, scheme: 'http' }]);
  });

  it('probes only ports that could speak HTTP, and keeps those that answered', () => {
    const facts = container({
      ports: [{ privatePort: 5432 }, { privatePort: 3000 }, { privatePort: 9000 }],
    });
    expect(dockerVerdict(facts, rules)).toMatchObject({ candidates: [3000, 9000] });
    expect(propose(facts, [9000]).availablePorts).toEqual([{ port: 9000, scheme: 'http' }]);
    const verdict = dockerVerdict(facts, rules);
    if (verdict.kind !== 'probe') throw new Error('expected a probe');
    expect(verdict.build([])).toEqual({
      kind: 'skip',
      reason: 'no port answered HTTP (tried 3000, 9000)',
    });
    expect(skipOf(container({ ports: [{ privatePort: 22 }] })).reason).toBe(
      'no TCP port that could speak HTTP',
    );
  });

  it('nekzus.primary_port takes that one port unprobed; nekzus.discover.all_ports takes all', () => {
    const ports = [{ privatePort: 5432 }, { privatePort: 8080 }, { privatePort: 9000 }];
    const primary = container({ ports, labels: { 'nekzus.primary_port': '9000' } });
    expect(dockerVerdict(primary, rules)).toMatchObject({ candidates: [] });
    expect(propose(primary, []).availablePorts).toEqual([{ port: 9000, scheme: 'http' }]);
    expect(skipOf(container({ ports, labels: { 'nekzus.primary_port': '81' } })).reason).toBe(
      'nekzus.primary_port 81 is not a port of the container',
    );
    const all = container({ ports, labels: { 'nekzus.discover.all_ports': 'true' } });
    expect(propose(all, []).availablePorts.map((p) => p.port)).toEqual([5432, 8080, 9000]);
  });

  it('uses https for 443/8443, or nekzus.scheme for every port', () => {
    const ports = [{ privatePort: 8443 }, { privatePort: 8080 }];
    expect(propose(container({ ports })).availablePorts).toEqual([
      { port: 8443, scheme: 'https' },
      { port: 8080, scheme: 'http' },
    ]);
    const labelled = propose(container({ ports, labels: { 'nekzus.scheme': 'https' } }));
    expect(labelled.availablePorts.map((p) => p.scheme)).toEqual(['https', 'https']);
    expect(labelled.proposalId).toBe('proposal_docker_https_my_app_8443');
  });

  it('scores confidence as the contract does, capped at 0.85 without nekzus.enable=true', () => {
    expect(propose(container({ ports: [{ privatePort: 9000 }] }))).toMatchObject({
      confidence: 0.5,
      reasons: ['unlabelled container (0.50)'],
    });
    expect(propose(container()).confidence).toBe(0.6);
    const capped = propose(
      container({
        image: 'nginx:1.27',
        labels: { 'nekzus.app.id': 'web', 'traefik.enable': 'true' },
      }),
    );
    expect(capped.confidence).toBe(0.85);
    expect(capped.reasons).toEqual([
      'labelled nekzus.app.id (0.85)',
      'well-known web image "nginx" (+0.20)',
      'a usual HTTP port (+0.10)',
      'labelled for another reverse proxy (+0.15)',
      'capped at 0.85 without nekzus.enable=true',
    ]);
    const enabled = propose(
      container({ image: 'grafana/grafana', labels: { 'nekzus.enable': 'true' } }),
    );
    expect(enabled.confidence).toBe(1);
  });

  it('derives scopes: the label, else access:<id> only when nekzus.app.id is set, else none', () => {
    expect(
      propose(container({ labels: { 'nekzus.route.scopes': 'read:a, write:b,' } })).suggestedRoute
        .scopes,
    ).toEqual(['read:a', 'write:b']);
    expect(
      propose(container({ labels: { 'nekzus.app.id': 'web' } })).suggestedRoute.scopes,
    ).toEqual(['access:web']);
    expect(propose(container()).suggestedRoute.scopes).toEqual([]);
  });

  it('tags from the label (trimmed, once each), else docker plus image and port tags', () => {
    expect(propose(container({ labels: { 'nekzus.app.tags': 'media, home,media' } })).tags).toEqual(
      ['media', 'home'],
    );
    expect(
      propose(
        container({
          image: 'library/nginx:latest',
          ports: [{ privatePort: 80 }, { privatePort: 443 }, { privatePort: 8080 }],
        }),
      ).tags,
    ).toEqual(['docker', 'web', 'http', 'https']);
  });

  it('builds the app and route from the labels, with ids our routing accepts', () => {
    const service = propose(
      container({
        name: '/My_Fancy.App',
        labels: {
          'nekzus.app.name': 'Fancy App',
          'nekzus.app.icon': '🎉',
          'nekzus.route.strip_prefix': 'false',
          'nekzus.route.websocket': 'true',
          'nekzus.health.skip': 'true',
        },
      }),
    );
    expect(service).toMatchObject({
      proposalId: 'proposal_docker_http_My_Fancy_App_8080',
      identity: 'My_Fancy.App',
      detectedHost: '172.17.0.5',
      securityNotes: [
        'Discovered via Docker API',
        'JWT required',
        'Upstream uses HTTP (unencrypted)',
        'Private network address',
      ],
      suggestedApp: { id: 'fancy-app', name: 'Fancy App', icon: '🎉' },
      suggestedRoute: {
        routeId: 'fancy-app',
        appId: 'fancy-app',
        pathBase: '/apps/fancy-app/',
        containerId: 'a1b2c3d4e5f6',
        stripPrefix: false,
        rewriteHTML: true,
        websockets: true,
        skipHealthCheck: true,
      },
    });
  });
});
