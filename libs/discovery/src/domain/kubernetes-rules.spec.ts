import { describe, expect, it } from 'vitest';
import {
  ingressProposals,
  kubernetesProposals,
  serviceEnabled,
  serviceProposals,
  type KubeIngressFacts,
  type KubeServiceFacts,
} from './kubernetes-rules';
import type { DiscoveredService } from './proposal';

function svc(overrides: Partial<KubeServiceFacts> = {}): KubeServiceFacts {
  return {
    name: 'grafana',
    namespace: 'monitoring',
    labels: {},
    annotations: {},
    type: 'ClusterIP',
    clusterIP: '10.96.0.20',
    ports: [{ name: 'http', port: 3000, protocol: 'TCP' }],
    ...overrides,
  };
}
const enabled = (labels: Record<string, string> = {}) =>
  svc({ labels: { 'nekzus.enable': 'true', ...labels } });

function proposals(s: KubeServiceFacts, ns: Record<string, string> = {}): DiscoveredService[] {
  const result = serviceProposals(s, ns);
  if (!Array.isArray(result)) throw new Error(`skipped: ${result.skip}`);
  return result;
}

describe('kubernetes rules: which services are proposed', () => {
  const on = (s: KubeServiceFacts, ns: Record<string, string> = {}) => serviceEnabled(s, ns).on;

  it('namespace labels decide first, a service label can override them', () => {
    expect(on(svc(), { 'nekzus.enable': 'false' })).toBe(false);
    expect(on(enabled(), { 'nekzus.enable': 'false' })).toBe(true);
    expect(on(svc(), { 'nekzus.enable': 'true' })).toBe(true);
    expect(on(svc({ labels: { 'nekzus.enable': 'false' } }), { 'nekzus.enable': 'true' })).toBe(
      false,
    );
  });

  it('then the service label, then system namespaces are left alone', () => {
    expect(on(enabled())).toBe(true);
    expect(on(svc({ labels: { 'nekzus.enable': 'false', app: 'x' }, type: 'LoadBalancer' }))).toBe(
      false,
    );
    expect(on(svc({ namespace: 'kube-system', type: 'LoadBalancer', labels: { app: 'x' } }))).toBe(
      false,
    );
    expect(on(svc({ namespace: 'kube-system', labels: { 'nekzus.enable': 'true' } }))).toBe(true);
  });

  it('by convention: Istio, identified LoadBalancer/NodePort, web components, dashboards and web Helm charts', () => {
    expect(on(svc(), { 'istio-injection': 'enabled' })).toBe(true);
    expect(on(svc({ labels: { 'istio.io/rev': '1-22' } }))).toBe(true);
    expect(on(svc({ annotations: { 'sidecar.istio.io/inject': 'true' } }))).toBe(true);
    expect(on(svc({ type: 'NodePort', labels: { app: 'x' } }))).toBe(true);
    expect(on(svc({ type: 'NodePort' }))).toBe(false);
    expect(on(svc({ labels: { 'app.kubernetes.io/component': 'frontend' } }))).toBe(true);
    expect(
      on(
        svc({
          labels: { 'app.kubernetes.io/name': 'k', 'app.kubernetes.io/component': 'dashboard' },
        }),
      ),
    ).toBe(true);
    expect(
      on(svc({ labels: { 'app.kubernetes.io/name': 'g', 'helm.sh/chart': 'grafana-6.50.7' } })),
    ).toBe(true);
    expect(
      on(svc({ labels: { 'app.kubernetes.io/name': 'db', 'helm.sh/chart': 'postgresql-12.1.0' } })),
    ).toBe(false);
    expect(on(svc({ labels: { app: 'plain' } }))).toBe(false);
  });

  it('skips headless and ExternalName services and those without a TCP port, with a reason', () => {
    expect(serviceProposals(enabled({}), {})).toHaveLength(1);
    expect(serviceProposals({ ...enabled(), clusterIP: 'None' }, {})).toEqual({
      skip: 'a headless service (no cluster IP)',
      invalid: false,
    });
    expect(serviceProposals({ ...enabled(), type: 'ExternalName', clusterIP: '' }, {})).toEqual({
      skip: 'an ExternalName service',
      invalid: false,
    });
    expect(serviceProposals({ ...enabled(), ports: [{ port: 53, protocol: 'UDP' }] }, {})).toEqual({
      skip: 'no TCP port',
      invalid: false,
    });
  });

  it('refuses labels that would make an unusable route, as invalid', () => {
    expect(serviceProposals(enabled({ 'nekzus.app.id': 'Grafana!' }), {})).toEqual({
      skip: 'nekzus.app.id="Grafana!" is not an id (lower-case letters, digits, "-" and "_", at most 63)',
      invalid: true,
    });
    expect(serviceProposals(enabled({ 'nekzus.route.path': '/grafana' }), {})).toMatchObject({
      invalid: true,
    });
    expect(serviceProposals(enabled({ 'nekzus.scheme': 'ftp' }), {})).toMatchObject({
      invalid: true,
    });
  });
});

describe('kubernetes rules: what a service proposes', () => {
  it('one proposal per TCP port, each with its own scheme, sharing the identity and the app', () => {
    const found = proposals(enabled({ 'app.kubernetes.io/name': 'grafana' }));
    expect(found).toHaveLength(1);
    const multi = proposals(
      svc({
        labels: { 'nekzus.enable': 'true' },
        ports: [
          { name: 'http', port: 80 },
          { name: 'web-tls', port: 8444 },
          { name: 'syslog', port: 514, protocol: 'UDP' },
        ],
      }),
    );
    expect(multi.map((p) => [p.proposalId, p.identity, p.suggestedRoute.to])).toEqual([
      [
        'proposal_kubernetes_http_monitoring_grafana_80',
        'monitoring/grafana',
        'http://grafana.monitoring.svc.cluster.local:80',
      ],
      [
        'proposal_kubernetes_https_monitoring_grafana_8444',
        'monitoring/grafana',
        'https://grafana.monitoring.svc.cluster.local:8444',
      ],
    ]);
    expect(multi[1]!.availablePorts).toEqual([
      { port: 80, scheme: 'http' },
      { port: 8444, scheme: 'https' },
    ]);
    expect(new Set(multi.map((p) => p.suggestedRoute.routeId))).toEqual(new Set(['grafana']));
  });

  it('nekzus.scheme (label, annotation or namespace label) applies to every port', () => {
    const [p] = proposals(svc({ annotations: { 'nekzus.scheme': 'https' } }), {
      'nekzus.enable': 'true',
    });
    expect(p!.detectedScheme).toBe('https');
    const [q] = proposals(svc(), { 'nekzus.enable': 'true', 'nekzus.scheme': 'https' });
    expect(q!.suggestedRoute.to).toBe('https://grafana.monitoring.svc.cluster.local:3000');
  });

  it('names the app from labels, a known Helm chart, else the service name', () => {
    const name = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
      proposals(svc({ labels: { 'nekzus.enable': 'true', ...labels }, annotations }))[0]!
        .suggestedApp;
    expect(name({ 'nekzus.app.name': 'My Dashboards' })).toMatchObject({
      id: 'my-dashboards',
      name: 'My Dashboards',
    });
    expect(name({}, { 'nekzus.app.name': 'From Annotation' }).name).toBe('From Annotation');
    expect(name({ 'helm.sh/chart': 'argo-cd-5.51.0' }).name).toBe('Argo');
    expect(name({ app: 'kibana' })).toMatchObject({ id: 'kibana', name: 'kibana' });
    expect(name({}, { 'nekzus.app.id': 'dash' }).id).toBe('dash');
    expect(name({})).toMatchObject({ id: 'grafana', name: 'grafana' });
  });

  it('scores confidence from the labels, Istio, Helm, exposure and ports, at most 1', () => {
    expect(proposals(svc(), { 'nekzus.enable': 'true' })[0]).toMatchObject({
      confidence: 0.6,
      reasons: [
        'enabled: its namespace is labelled nekzus.enable=true',
        'discovered by convention (0.50)',
        'a usual HTTP port (+0.10)',
      ],
    });
    expect(
      proposals(
        svc({
          labels: { 'nekzus.app.id': 'g', app: 'g' },
          type: 'NodePort',
          ports: [{ port: 9000 }],
        }),
      )[0],
    ).toMatchObject({
      confidence: 0.95,
      reasons: [
        'enabled: an identified NodePort service',
        'labelled nekzus.app.id (0.85)',
        'a NodePort service (+0.10)',
      ],
    });
    const full = proposals(
      svc({
        type: 'LoadBalancer',
        labels: {
          'nekzus.enable': 'true',
          'helm.sh/chart': 'grafana-6.50.7',
          'istio.io/rev': 'default',
        },
        ports: [{ name: 'http', port: 80 }],
      }),
    )[0]!;
    expect(full.confidence).toBe(1);
    expect(full.securityNotes).toEqual([
      'Discovered via Kubernetes API',
      'JWT required',
      'Namespace: monitoring',
      'Istio sidecar: in-mesh traffic may require mutual TLS',
      'Upstream uses HTTP (unencrypted)',
      'Exposed outside the cluster through a load balancer',
    ]);
  });

  it('scopes: annotation, then label, then namespace label, else access:<id> for a named app', () => {
    const scopes = (s: KubeServiceFacts, ns: Record<string, string> = {}) =>
      proposals(s, { 'nekzus.enable': 'true', ...ns })[0]!.suggestedRoute.scopes;
    expect(
      scopes(
        svc({
          annotations: { 'nekzus.route.scopes': 'a, b' },
          labels: { 'nekzus.route.scopes': 'c' },
        }),
      ),
    ).toEqual(['a', 'b']);
    expect(scopes(svc({ labels: { 'nekzus.route.scopes': 'c' } }))).toEqual(['c']);
    expect(scopes(svc(), { 'nekzus.route.scopes': 'team:ops' })).toEqual(['team:ops']);
    expect(scopes(svc({ labels: { 'app.kubernetes.io/name': 'grafana' } }))).toEqual([
      'access:grafana',
    ]);
    expect(scopes(svc())).toEqual([]);
  });

  it('reads the route labels Nekzus ignores for Kubernetes, with the Docker defaults', () => {
    const [plain] = proposals(enabled());
    expect(plain!.suggestedRoute).toMatchObject({
      stripPrefix: true,
      rewriteHTML: true,
      websockets: false,
      skipHealthCheck: false,
      pathBase: '/apps/grafana/',
    });
    const [set] = proposals(
      svc({
        labels: { 'nekzus.enable': 'true' },
        annotations: {
          'nekzus.route.strip_prefix': 'false',
          'nekzus.route.websocket': 'true',
          'nekzus.route.path': '/apps/graphs',
        },
      }),
    );
    expect(set!.suggestedRoute).toMatchObject({
      stripPrefix: false,
      websockets: true,
      pathBase: '/apps/graphs/',
    });
  });

  it('tags: explicit ones after "kubernetes", else derived from the service', () => {
    expect(proposals(enabled({ 'nekzus.app.tags': 'ops, graphs' }))[0]!.tags).toEqual([
      'kubernetes',
      'ops',
      'graphs',
    ]);
    expect(
      proposals(
        svc({
          labels: {
            'nekzus.enable': 'true',
            'app.kubernetes.io/component': 'web',
            'helm.sh/chart': 'grafana-6.50.7',
          },
          ports: [
            { name: 'http', port: 3000 },
            { name: 'metrics', port: 9090 },
          ],
        }),
      )[0]!.tags,
    ).toEqual([
      'kubernetes',
      'web',
      'helm',
      'grafana',
      'monitoring',
      'clusterip',
      'http',
      'metrics',
      'prometheus',
    ]);
  });
});

describe('kubernetes rules: ingresses', () => {
  const backend = svc({ labels: { 'app.kubernetes.io/name': 'grafana' } });
  const services = new Map([[backend.name, backend]]);
  function ingress(overrides: Partial<KubeIngressFacts> = {}): KubeIngressFacts {
    return {
      name: 'front',
      namespace: 'monitoring',
      labels: { 'app.kubernetes.io/name': 'front' },
      annotations: {},
      tls: false,
      paths: [
        {
          host: 'grafana.example.test',
          path: '/',
          backend: { service: 'grafana', port: { number: 3000 } },
        },
      ],
      ...overrides,
    };
  }

  it('proposes each path with a service backend, the route going to the service itself', () => {
    const { proposals: found } = ingressProposals(ingress(), {}, services);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      proposalId: 'proposal_kubernetes-ingress_http_monitoring_front__3000',
      source: 'kubernetes-ingress',
      identity: 'monitoring/front/',
      detectedHost: 'grafana.monitoring.svc.cluster.local',
      confidence: 0.8,
      suggestedApp: {
        id: 'grafana',
        name: 'front',
        endpoints: {
          cluster: 'http://grafana.monitoring.svc.cluster.local:3000',
          ingress: 'http://grafana.example.test/',
        },
      },
      suggestedRoute: {
        pathBase: '/apps/grafana/',
        to: 'http://grafana.monitoring.svc.cluster.local:3000',
        scopes: ['access:grafana'],
      },
    });
  });

  it('a TLS ingress keeps the service port scheme for the route (Nekzus mixed them)', () => {
    const { proposals: found } = ingressProposals(ingress({ tls: true }), {}, services);
    expect(found[0]).toMatchObject({
      detectedScheme: 'http',
      confidence: 0.85,
      suggestedRoute: { to: 'http://grafana.monitoring.svc.cluster.local:3000' },
      suggestedApp: { endpoints: { ingress: 'https://grafana.example.test/' } },
    });
    expect(found[0]!.securityNotes).toContain(
      'The ingress terminates TLS; the route reaches the service directly over HTTP',
    );
  });

  it('a path under /apps/ is the path base; another is kept as the path on the service', () => {
    const paths = (path: string) =>
      ingressProposals(
        ingress({ paths: [{ path, backend: { service: 'grafana', port: { name: 'http' } } }] }),
        {},
        services,
      ).proposals[0]!.suggestedRoute;
    expect(paths('/apps/graphs')).toMatchObject({
      pathBase: '/apps/graphs/',
      to: 'http://grafana.monitoring.svc.cluster.local:3000',
    });
    expect(paths('/grafana/')).toMatchObject({
      pathBase: '/apps/grafana/',
      to: 'http://grafana.monitoring.svc.cluster.local:3000/grafana',
    });
    // A controller's regular expression is no path at all.
    expect(paths('/api(/|$)(.*)')).toMatchObject({
      pathBase: '/apps/grafana/',
      to: 'http://grafana.monitoring.svc.cluster.local:3000',
    });
  });

  it('ingress labels name the app and decide enablement', () => {
    const named = ingressProposals(
      ingress({
        labels: { 'nekzus.enable': 'true', 'nekzus.app.id': 'dash', 'nekzus.app.name': 'Dash' },
      }),
      {},
      services,
    ).proposals[0]!;
    expect(named).toMatchObject({
      confidence: 0.95,
      suggestedApp: { id: 'dash', name: 'Dash' },
      suggestedRoute: { routeId: 'dash', pathBase: '/apps/dash/', scopes: ['access:dash'] },
    });
    expect(ingressProposals(ingress({ labels: {} }), {}, services)).toEqual({
      proposals: [],
      skipped: [
        { reason: 'not labelled nekzus.enable=true or app.kubernetes.io/name', invalid: false },
      ],
    });
    expect(
      ingressProposals(
        ingress({ labels: { 'nekzus.enable': 'false', 'app.kubernetes.io/name': 'x' } }),
        {},
        services,
      ).proposals,
    ).toEqual([]);
  });

  it('skips paths whose service or port is missing, with the reason', () => {
    const result = ingressProposals(
      ingress({
        paths: [
          { path: '/a', backend: { service: 'absent', port: { number: 80 } } },
          { path: '/b', backend: { service: 'grafana', port: { name: 'metrics' } } },
        ],
      }),
      {},
      services,
    );
    expect(result).toEqual({
      proposals: [],
      skipped: [
        { reason: 'path */a: no service absent in monitoring', invalid: false },
        { reason: 'path */b: service grafana has no TCP port metrics', invalid: false },
      ],
    });
  });
});

describe('kubernetes rules: the whole cluster', () => {
  it('applies namespace labels, sorts the result and lists what was skipped', () => {
    const result = kubernetesProposals({
      namespaces: new Map([
        ['apps', { 'nekzus.enable': 'true' }],
        ['quiet', { 'nekzus.enable': 'false' }],
      ]),
      services: [
        svc({ namespace: 'apps', name: 'zeta' }),
        svc({ namespace: 'apps', name: 'alpha' }),
        svc({ namespace: 'quiet', name: 'hidden' }),
      ],
      ingresses: [],
    });
    expect(result.services.map((s) => s.proposalId)).toEqual([
      'proposal_kubernetes_http_apps_alpha_3000',
      'proposal_kubernetes_http_apps_zeta_3000',
    ]);
    expect(result.skipped).toEqual([
      {
        object: 'service quiet/hidden',
        reason: 'its namespace is labelled nekzus.enable=false',
        invalid: false,
      },
    ]);
  });
});
