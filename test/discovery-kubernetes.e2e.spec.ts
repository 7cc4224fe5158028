import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesSource, type DiscoveredService, type DiscoverySink } from '#libs/discovery';

type Kind = 'namespaces' | 'services' | 'ingresses';
interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
}
interface OpenWatch {
  kind: Kind;
  namespace: string | undefined;
  name: string | undefined;
  res: ServerResponse;
}

const LIST_KIND: Record<Kind, string> = {
  namespaces: 'NamespaceList',
  services: 'ServiceList',
  ingresses: 'IngressList',
};

/**
 * A stand-in for the Kubernetes API server — none can run here. It keeps objects in memory
 * and speaks the list and watch wire format of the real one: JSON lists carrying
 * `metadata.resourceVersion`, watches as newline-delimited `{type, object}` events replayed
 * from the requested resourceVersion, and a `410 Gone` ERROR event once its history is
 * compacted past it. It can also end watches cleanly or drop them mid-stream.
 */
class StandInKubernetesApiServer {
  readonly requests: string[] = [];
  private rv = 100;
  /** Watches asking for a resourceVersion at or below this get 410 Gone. */
  private compactedTo = 0;
  private readonly store: Record<Kind, Map<string, KubeObject>> = {
    namespaces: new Map(),
    services: new Map(),
    ingresses: new Map(),
  };
  private readonly history: { kind: Kind; rv: number; type: string; object: KubeObject }[] = [];
  private readonly watches = new Set<OpenWatch>();
  private server: Server | undefined;
  port = 0;

  get currentRv(): number {
    return this.rv;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Goes away as a crashed API server would: every connection cut, nothing listening. */
  async stop(): Promise<void> {
    for (const w of this.watches) w.res.socket?.destroy();
    this.watches.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  listCount(path: string): number {
    return this.requests.filter((r) => r === path).length;
  }

  put(kind: Kind, object: KubeObject, notify = true): void {
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    const key = keyOf(stored);
    const type = this.store[kind].has(key) ? 'MODIFIED' : 'ADDED';
    this.store[kind].set(key, stored);
    this.record(kind, type, stored, notify);
  }

  remove(kind: Kind, namespace: string | undefined, name: string, notify = true): void {
    const key = `${namespace ?? ''}/${name}`;
    const object = this.store[kind].get(key);
    if (!object) return;
    this.store[kind].delete(key);
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record(kind, 'DELETED', gone, notify);
  }

  /** Drops the event history: open watches of `kind` get a 410 Gone, as after an etcd compaction. */
  compact(kind: Kind): void {
    this.compactedTo = this.rv;
    for (const w of [...this.watches])
      if (w.kind === kind)
        w.res.write(
          JSON.stringify({
            type: 'ERROR',
            object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410 },
          }) + '\n',
        );
  }

  /** Ends open watches of `kind` the way the server does at their timeout: a clean end. */
  endWatches(kind: Kind): void {
    for (const w of [...this.watches]) if (w.kind === kind) w.res.end();
  }

  /** Cuts open watches of `kind` mid-stream, as a broken connection would. */
  dropWatches(kind: Kind): void {
    for (const w of [...this.watches]) if (w.kind === kind) w.res.socket?.destroy();
  }

  openWatches(kind: Kind): number {
    return [...this.watches].filter((w) => w.kind === kind).length;
  }

  private record(kind: Kind, type: string, object: KubeObject, notify: boolean): void {
    const entry = { kind, rv: this.rv, type, object };
    this.history.push(entry);
    if (!notify) return;
    for (const w of this.watches) if (matches(w, entry)) send(w.res, entry);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const route = routeOf(url.pathname);
    const watch = url.searchParams.get('watch') === 'true';
    this.requests.push(watch ? `WATCH ${url.pathname}${url.search}` : `LIST ${url.pathname}`);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      return;
    }
    const selector = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    const scope = { kind: route.kind, namespace: route.namespace, name: selector?.[1] };
    if (!watch) {
      const items = [...this.store[route.kind].values()].filter((o) =>
        matches(scope, { kind: route.kind, object: o }),
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: LIST_KIND[route.kind],
          apiVersion: route.kind === 'ingresses' ? 'networking.k8s.io/v1' : 'v1',
          metadata: { resourceVersion: String(this.rv) },
          items,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const from = Number(url.searchParams.get('resourceVersion') ?? this.rv);
    if (from < this.compactedTo) {
      res.write(
        JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Gone' } }) +
          '\n',
      );
      res.end();
      return;
    }
    const open: OpenWatch = { ...scope, res };
    this.watches.add(open);
    res.on('close', () => this.watches.delete(open));
    for (const entry of this.history) if (entry.rv > from && matches(open, entry)) send(res, entry);
  }
}

function routeOf(path: string): { kind: Kind; namespace?: string } | undefined {
  if (path === '/api/v1/namespaces') return { kind: 'namespaces' };
  if (path === '/api/v1/services') return { kind: 'services' };
  if (path === '/apis/networking.k8s.io/v1/ingresses') return { kind: 'ingresses' };
  const ns = /^\/api\/v1\/namespaces\/([^/]+)\/services$/.exec(path);
  if (ns) return { kind: 'services', namespace: ns[1]! };
  const ing = /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/ingresses$/.exec(path);
  if (ing) return { kind: 'ingresses', namespace: ing[1]! };
  return undefined;
}

function matches(
  scope: { kind: Kind; namespace?: string | undefined; name?: string | undefined },
  entry: { kind: Kind; object: KubeObject },
): boolean {
  if (scope.kind !== entry.kind) return false;
  if (scope.namespace !== undefined && entry.object.metadata.namespace !== scope.namespace)
    return false;
  return scope.name === undefined || entry.object.metadata.name === scope.name;
}

function send(res: ServerResponse, entry: { type: string; object: KubeObject }): void {
  if (res.writableEnded) return;
  res.write(JSON.stringify({ type: entry.type, object: entry.object }) + '\n');
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels },
});
const service = (
  ns: string,
  name: string,
  opts: {
    labels?: Record<string, string>;
    ports?: { name?: string; port: number; protocol?: string }[];
    clusterIP?: string;
  } = {},
): KubeObject => ({
  metadata: { name, namespace: ns, labels: opts.labels ?? {} },
  spec: {
    type: 'ClusterIP',
    clusterIP: opts.clusterIP ?? '10.96.0.10',
    ports: opts.ports ?? [{ name: 'http', port: 80, protocol: 'TCP' }],
  },
});

/** Records what the source reports; the sink's own behaviour is tested with the gateway. */
class FakeSink implements DiscoverySink {
  readonly snapshots: { source: string; ids: string[]; services: DiscoveredService[] }[] = [];
  readonly warnings: string[] = [];
  snapshot(source: string, services: readonly DiscoveredService[]): Promise<void> {
    this.snapshots.push({
      source,
      ids: services.map((s) => s.proposalId),
      services: [...services],
    });
    return Promise.resolve();
  }
  warning(_source: string, message: string): void {
    this.warnings.push(message);
  }
  last(source: string) {
    return this.snapshots.filter((s) => s.source === source).at(-1);
  }
}

async function eventually<T>(check: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const ids = {
  grafana80: 'proposal_kubernetes_http_apps_grafana_80',
  grafana443: 'proposal_kubernetes_https_apps_grafana_443',
  notes: 'proposal_kubernetes_http_apps_notes_8080',
  wiki: 'proposal_kubernetes_http_apps_wiki_80',
  late: 'proposal_kubernetes_http_apps_late_80',
  portal: 'proposal_kubernetes-ingress_http_apps_portal_grafana_80',
};

describe('Kubernetes discovery, against a stand-in API server', () => {
  const api = new StandInKubernetesApiServer();
  let dir: string;
  let kubeconfig: string;
  const sources: KubernetesSource[] = [];
  const logged: string[] = [];
  const logger = {
    info: (m: string) => logged.push(`info ${m}`),
    warn: (m: string) => logged.push(`warn ${m}`),
  };

  const writeKubeconfig = () =>
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: stand-in',
        '  cluster:',
        `    server: http://127.0.0.1:${api.port}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: tester',
        '  user:',
        '    token: stand-in-token',
        'contexts:',
        '- name: stand-in',
        '  context:',
        '    cluster: stand-in',
        '    user: tester',
        'current-context: stand-in',
      ].join('\n'),
    );

  beforeAll(async () => {
    await api.start();
    dir = mkdtempSync(join(tmpdir(), 'nekzus-k8s-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig();
    api.put('namespaces', namespace('apps', { 'nekzus.enable': 'true' }));
    api.put('namespaces', namespace('default'));
    api.put('namespaces', namespace('kube-system'));
    api.put(
      'services',
      service('apps', 'grafana', {
        labels: { 'app.kubernetes.io/name': 'grafana' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'https', port: 443, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      }),
    );
    api.put('services', service('default', 'postgres'));
    api.put(
      'services',
      service('default', 'broken', {
        labels: { 'nekzus.enable': 'true', 'nekzus.app.id': 'Bad!' },
      }),
    );
    api.put(
      'services',
      service('default', 'headless', { labels: { 'nekzus.enable': 'true' }, clusterIP: 'None' }),
    );
    api.put('services', service('kube-system', 'kube-dns'));
    api.put('ingresses', {
      metadata: {
        name: 'portal',
        namespace: 'apps',
        labels: { 'app.kubernetes.io/name': 'portal' },
      },
      spec: {
        tls: [{ hosts: ['portal.example.test'] }],
        rules: [
          {
            host: 'portal.example.test',
            http: {
              paths: [
                {
                  path: '/grafana',
                  pathType: 'Prefix',
                  backend: { service: { name: 'grafana', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    });
  });

  afterEach(() => {
    for (const s of sources.splice(0)) s.stop();
  });

  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proposes services and ingresses with namespace labels read across all namespaces', async () => {
    const sink = new FakeSink();
    const source = new KubernetesSource(
      { kubeconfig, namespaces: [], pollIntervalMs: 600_000 },
      sink,
      logger,
    );
    sources.push(source);
    source.start();

    const services = await eventually(() => sink.last('kubernetes'), 'a services snapshot');
    // Enabled by the namespace label, which Nekzus never reads with "all namespaces";
    // one proposal per TCP port, the UDP one left out.
    expect(services.ids).toEqual([ids.grafana80, ids.grafana443]);
    const http = services.services[0]!;
    expect(http).toMatchObject({
      source: 'kubernetes',
      identity: 'apps/grafana',
      detectedScheme: 'http',
      detectedHost: 'grafana.apps.svc.cluster.local',
      detectedPort: 80,
      availablePorts: [
        { port: 80, scheme: 'http' },
        { port: 443, scheme: 'https' },
      ],
      confidence: 0.6,
      suggestedApp: { id: 'grafana', name: 'grafana' },
      suggestedRoute: {
        routeId: 'grafana',
        pathBase: '/apps/grafana/',
        to: 'http://grafana.apps.svc.cluster.local:80',
        scopes: ['access:grafana'],
        stripPrefix: true,
      },
    });
    expect(http.securityNotes).toContain('Namespace: apps');
    expect(services.services[1]!.suggestedRoute.to).toBe(
      'https://grafana.apps.svc.cluster.local:443',
    );

    const ingresses = await eventually(() => sink.last('kubernetes-ingress'), 'ingresses');
    expect(ingresses.ids).toEqual([ids.portal]);
    // /grafana is outside /apps/, so it is where the app lives on the service, not the path
    // base; the route reaches the service with its own port's scheme, not the ingress's TLS.
    expect(ingresses.services[0]).toMatchObject({
      source: 'kubernetes-ingress',
      detectedScheme: 'http',
      detectedPort: 80,
      confidence: 0.85,
      suggestedRoute: {
        pathBase: '/apps/grafana/',
        to: 'http://grafana.apps.svc.cluster.local:80/grafana',
      },
      suggestedApp: {
        name: 'portal',
        endpoints: { ingress: 'https://portal.example.test/grafana' },
      },
    });

    // Skipped ones are told once, with a reason; the invalid label as a warning.
    await eventually(() => logged.some((l) => l.includes('default/broken')), 'the skip log');
    expect(logged.filter((l) => l.includes('default/broken'))).toEqual([
      expect.stringMatching(/^warn service default\/broken skipped: nekzus\.app\.id="Bad!"/),
    ]);
    expect(logged).toContainEqual(
      expect.stringMatching(/^info service default\/headless skipped: a headless service/),
    );
    expect(logged).toContainEqual(
      expect.stringMatching(/^info service kube-system\/kube-dns skipped: in the system namespace/),
    );
  });

  it('follows the watch, resumes it from its resourceVersion, relists on 410 Gone and after a drop', async () => {
    const sink = new FakeSink();
    const source = new KubernetesSource(
      { kubeconfig, namespaces: [], pollIntervalMs: 600_000 },
      sink,
      logger,
    );
    sources.push(source);
    source.start();
    await eventually(() => sink.last('kubernetes'), 'the first snapshot');
    await eventually(() => api.openWatches('services') === 1, 'the services watch');
    const lists = () => api.listCount('LIST /api/v1/services');
    const listsBefore = lists();

    // A watch event.
    api.put('services', service('apps', 'notes', { ports: [{ port: 8080 }] }));
    await eventually(() => sink.last('kubernetes')?.ids.includes(ids.notes), 'notes');

    // The server ends the watch (its timeout): the client resumes from the last version
    // it saw, without listing again, and misses nothing that happened in between.
    const lastSeen = api.currentRv;
    api.endWatches('services');
    api.put('services', service('apps', 'wiki'));
    await eventually(() => sink.last('kubernetes')?.ids.includes(ids.wiki), 'wiki');
    expect(api.requests).toContainEqual(
      expect.stringMatching(
        new RegExp(`^WATCH /api/v1/services\\?.*resourceVersion=${lastSeen}(&|$)`),
      ),
    );
    expect(lists()).toBe(listsBefore);

    // 410 Gone: history was compacted while events were missed; only a new list repairs it.
    await eventually(() => api.openWatches('services') === 1, 'the resumed watch');
    api.remove('services', 'apps', 'notes', false);
    api.compact('services');
    await eventually(() => !sink.last('kubernetes')?.ids.includes(ids.notes), 'notes gone');
    expect(lists()).toBe(listsBefore + 1);

    // A dropped watch: reconnect with backoff, and list again (events may have been lost).
    await eventually(() => api.openWatches('services') === 1, 'the watch after the relist');
    api.put('services', service('apps', 'late'), false);
    api.dropWatches('services');
    await eventually(() => sink.last('kubernetes')?.ids.includes(ids.late), 'late');
    expect(lists()).toBe(listsBefore + 2);
    expect(sink.warnings.some((w) => w.startsWith('services: '))).toBe(true);

    expect(sink.last('kubernetes')!.ids).toEqual([
      ids.grafana80,
      ids.grafana443,
      ids.late,
      ids.wiki,
    ]);
  });

  it('reports nothing while the API server is gone, and carries on when it is back', async () => {
    const sink = new FakeSink();
    const source = new KubernetesSource(
      { kubeconfig, namespaces: ['apps'], pollIntervalMs: 600_000 },
      sink,
      logger,
    );
    sources.push(source);
    source.start();
    const first = await eventually(() => sink.last('kubernetes'), 'the first snapshot');
    // Only the configured namespace, its labels read by name.
    expect(first.ids).toEqual(expect.arrayContaining([ids.grafana80, ids.grafana443]));
    expect(first.ids.every((id) => /^proposal_kubernetes_https?_apps_/.test(id))).toBe(true);
    expect(api.requests).toContainEqual(
      expect.stringMatching(/^WATCH \/api\/v1\/namespaces\?.*fieldSelector=metadata\.name%3Dapps/),
    );
    expect(api.requests).toContain('LIST /api/v1/namespaces/apps/services');
    const port = api.port;
    const reported = sink.snapshots.length;
    await api.stop();
    await eventually(
      () => sink.warnings.some((w) => /ECONNREFUSED|Premature close|socket hang up/.test(w)),
      'a warning about the API server',
    );
    // Asked to look again while the server is down: still nothing reported.
    source.rescan();
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.snapshots.length).toBe(reported);

    await api.start(port);
    api.put('services', service('apps', 'after'));
    await eventually(
      () => sink.last('kubernetes')?.ids.includes('proposal_kubernetes_http_apps_after_80'),
      'the services after the outage',
    );
    expect(sink.snapshots.every((s) => s.source !== 'kubernetes' || s.ids.length > 0)).toBe(true);
  });

  it('rescan lists again and reports, and a missing kubeconfig is retried, not fatal', async () => {
    const sink = new FakeSink();
    const missing = join(dir, 'later-kubeconfig');
    const source = new KubernetesSource(
      { kubeconfig: missing, namespaces: [], pollIntervalMs: 600_000 },
      sink,
      logger,
    );
    sources.push(source);
    source.start();
    await eventually(
      () => sink.warnings.find((w) => w.includes('cannot load the Kubernetes configuration')),
      'the kubeconfig warning',
    );
    // The file appears; a rescan (rediscover) makes the source try at once.
    writeFileSync(missing, readFileSync(kubeconfig, 'utf8'));
    source.rescan();
    const first = await eventually(() => sink.last('kubernetes'), 'a snapshot');
    expect(first.ids.length).toBeGreaterThan(0);
    const count = sink.snapshots.length;
    const lists = api.listCount('LIST /api/v1/services');
    source.rescan();
    await eventually(() => sink.snapshots.length > count, 'a report after rescan');
    expect(api.listCount('LIST /api/v1/services')).toBe(lists + 1);
  });
});
