import { ID_PATTERN, type RouteInput } from '#libs/routing';
import { appIdFrom, proposalIdOf, type AvailablePort, type DiscoveredService } from './proposal';

type Labels = Readonly<Record<string, string>>;

/** What the API says about an object, reduced to what the rules read. */
export interface KubeMeta {
  name: string;
  namespace: string;
  labels: Labels;
  annotations: Labels;
}

export interface KubeServiceFacts extends KubeMeta {
  /** ClusterIP, NodePort, LoadBalancer, ExternalName. */
  type: string;
  /** `None` or empty for headless services. */
  clusterIP: string;
  ports: readonly { name?: string; port: number; protocol?: string }[];
}

export interface KubeIngressBackend {
  service: string;
  port: { number?: number; name?: string };
}

export interface KubeIngressFacts extends KubeMeta {
  tls: boolean;
  /** Rules flattened: one entry per host and path with a service backend (default backend: path `/`). */
  paths: readonly { host?: string; path?: string; backend: KubeIngressBackend }[];
}

export interface KubeNamespaceFacts {
  name: string;
  labels: Labels;
}

/** Everything the watches hold right now. */
export interface KubernetesState {
  /** Namespace name → its labels; a namespace missing here has none known. */
  namespaces: ReadonlyMap<string, Labels>;
  services: readonly KubeServiceFacts[];
  ingresses: readonly KubeIngressFacts[];
}

export interface KubernetesSkip {
  /** `service <ns>/<name>` or `ingress <ns>/<name>`. */
  object: string;
  reason: string;
  /** A label or annotation that cannot be used, as opposed to a service that is simply not for us. */
  invalid: boolean;
}

export interface KubernetesProposals {
  services: DiscoveredService[];
  ingresses: DiscoveredService[];
  skipped: KubernetesSkip[];
}

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const FRONTEND_COMPONENTS = new Set(['frontend', 'ui', 'web']);
const DATA_CHARTS = new Set([
  'postgresql',
  'postgres',
  'mysql',
  'mariadb',
  'mongodb',
  'mongo',
  'redis',
  'memcached',
  'elasticsearch',
  'cassandra',
  'kafka',
  'rabbitmq',
  'nats',
  'etcd',
  'consul',
  'vault',
]);
/** Helm chart name fragment → the name the app is known by. */
const KNOWN_CHARTS: readonly [string, string][] = [
  ['grafana', 'Grafana'],
  ['prometheus', 'Prometheus'],
  ['argocd', 'Argo CD'],
  ['argo', 'Argo'],
  ['loki', 'Loki'],
  ['tempo', 'Tempo'],
  ['jaeger', 'Jaeger'],
  ['ingress-nginx', 'NGINX Ingress'],
  ['nginx', 'NGINX'],
  ['cert-manager', 'cert-manager'],
  ['external-dns', 'ExternalDNS'],
  ['harbor', 'Harbor'],
  ['vault', 'Vault'],
  ['consul', 'Consul'],
  ['linkerd', 'Linkerd'],
  ['jenkins', 'Jenkins'],
  ['gitlab', 'GitLab'],
  ['sonarqube', 'SonarQube'],
  ['nexus', 'Nexus'],
  ['artifactory', 'Artifactory'],
];
const USUAL_PORTS = new Set([80, 8080, 3000, 443]);
const MAX_TAGS = 32;

const splitList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The chart name of `helm.sh/chart` (`grafana-6.50.7` → `grafana`). */
function chartName(labels: Labels): string | undefined {
  const chart = labels['helm.sh/chart'];
  if (!chart) return undefined;
  return chart.replace(/-v?[0-9][0-9A-Za-z.+-]*$/, '').toLowerCase();
}

function knownChart(labels: Labels): string | undefined {
  const chart = chartName(labels);
  if (!chart) return undefined;
  return KNOWN_CHARTS.find(([key]) => chart.includes(key))?.[1];
}

function istioOf(svc: KubeServiceFacts, ns: Labels): boolean {
  return (
    ns['istio-injection'] === 'enabled' ||
    svc.labels['istio-injection'] === 'enabled' ||
    Boolean(svc.labels['istio.io/rev']) ||
    Boolean(svc.labels['service.istio.io/canonical-name']) ||
    svc.annotations['sidecar.istio.io/inject'] === 'true'
  );
}

/** Contract B §4.3's enablement rules for a service, in order; the first that decides wins. */
export function serviceEnabled(svc: KubeServiceFacts, ns: Labels): { on: boolean; why: string } {
  const own = svc.labels['nekzus.enable'];
  if (ns['nekzus.enable'] === 'false')
    return own === 'true'
      ? { on: true, why: 'labelled nekzus.enable=true' }
      : { on: false, why: 'its namespace is labelled nekzus.enable=false' };
  if (ns['nekzus.enable'] === 'true')
    return own === 'false'
      ? { on: false, why: 'labelled nekzus.enable=false' }
      : { on: true, why: 'its namespace is labelled nekzus.enable=true' };
  if (own === 'true') return { on: true, why: 'labelled nekzus.enable=true' };
  if (own === 'false') return { on: false, why: 'labelled nekzus.enable=false' };
  if (SYSTEM_NAMESPACES.has(svc.namespace))
    return { on: false, why: `in the system namespace ${svc.namespace}` };
  if (istioOf(svc, ns)) return { on: true, why: 'in the Istio mesh' };
  const l = svc.labels;
  const identified = Boolean(
    l['app.kubernetes.io/name'] || l['app'] || l['app.kubernetes.io/instance'],
  );
  if ((svc.type === 'LoadBalancer' || svc.type === 'NodePort') && identified)
    return { on: true, why: `an identified ${svc.type} service` };
  const component = l['app.kubernetes.io/component'] ?? '';
  if (FRONTEND_COMPONENTS.has(component)) return { on: true, why: `a ${component} component` };
  if (l['app.kubernetes.io/name']) {
    if (component === 'dashboard') return { on: true, why: 'a dashboard component' };
    const chart = chartName(l);
    if (chart && !DATA_CHARTS.has(chart.split('-')[0]!))
      return { on: true, why: `installed by the Helm chart ${chart}` };
  }
  return {
    on: false,
    why: 'not labelled nekzus.enable=true and nothing marks it as a web app',
  };
}

/**
 * Label, then annotation, then the namespace's label: Nekzus's `getLabel`. App ids and names
 * are not inherited from the namespace: one such label would give every service the same id.
 */
function settingOf(meta: KubeMeta, ns: Labels, key: string): string | undefined {
  const own = meta.labels[key] ?? meta.annotations[key];
  if (own !== undefined || key === 'nekzus.app.id' || key === 'nekzus.app.name') return own;
  return ns[key];
}

function displayNameOf(svc: KubeServiceFacts): string {
  return (
    svc.labels['nekzus.app.name'] ||
    svc.annotations['nekzus.app.name'] ||
    svc.labels['app.kubernetes.io/name'] ||
    svc.labels['app'] ||
    knownChart(svc.labels) ||
    svc.name
  );
}

function portScheme(
  svc: KubeServiceFacts,
  ns: Labels,
  port: { name?: string; port: number },
): 'http' | 'https' {
  const explicit = settingOf(svc, ns, 'nekzus.scheme');
  if (explicit === 'http' || explicit === 'https') return explicit;
  const name = (port.name ?? '').toLowerCase();
  if (name.includes('https') || name.includes('tls') || port.port === 443 || port.port === 8443)
    return 'https';
  return 'http';
}

/** Route settings read from labels/annotations, with the Docker defaults (Nekzus ignores them here). */
function routeFlags(metas: readonly KubeMeta[], ns: Labels) {
  const get = (key: string) => {
    for (const meta of metas) {
      const value = settingOf(meta, ns, key);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  return {
    stripPrefix: (get('nekzus.route.strip_prefix') ?? 'true') === 'true',
    rewriteHTML: (get('nekzus.route.rewrite_html') ?? 'true') === 'true',
    websockets: get('nekzus.route.websocket') === 'true',
    skipHealthCheck: get('nekzus.health.skip') === 'true',
  };
}

type Invalid = { invalid: string };

/** The app id: explicit (validated), else from the display name. */
function appIdOf(meta: KubeMeta, fallbackName: string): string | Invalid {
  const explicit = meta.labels['nekzus.app.id'] ?? meta.annotations['nekzus.app.id'];
  if (explicit === undefined) return appIdFrom(fallbackName);
  if (!ID_PATTERN.test(explicit))
    return {
      invalid: `nekzus.app.id="${explicit}" is not an id (lower-case letters, digits, "-" and "_", at most 63)`,
    };
  return explicit;
}

function pathBaseOf(meta: KubeMeta, ns: Labels, appId: string): string | Invalid {
  const path = settingOf(meta, ns, 'nekzus.route.path');
  if (path === undefined) return `/apps/${appId}/`;
  if (!/^\/apps\/[^/]+/.test(path))
    return { invalid: `nekzus.route.path="${path}" must start with /apps/<name>` };
  return path.endsWith('/') ? path : `${path}/`;
}

function scopesOf(metas: readonly KubeMeta[], ns: Labels, appId: string, named: boolean) {
  for (const meta of metas) {
    const explicit = meta.annotations['nekzus.route.scopes'] ?? meta.labels['nekzus.route.scopes'];
    if (explicit !== undefined) return splitList(explicit);
  }
  if (ns['nekzus.route.scopes'] !== undefined) return splitList(ns['nekzus.route.scopes']);
  return named ? [`access:${appId}`] : [];
}

function portTags(port: number): string[] {
  if ([80, 8080, 8000, 3000].includes(port)) return ['http'];
  if ([443, 8443].includes(port)) return ['https'];
  if (port === 9090) return ['prometheus'];
  if (port === 3100) return ['loki'];
  return [];
}

function cleanTags(tags: readonly string[]): string[] {
  return [
    ...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0 && t.length <= 64)),
  ].slice(0, MAX_TAGS);
}

function serviceTags(svc: KubeServiceFacts, ns: Labels, istio: boolean): string[] {
  const explicit = svc.annotations['nekzus.app.tags'] ?? svc.labels['nekzus.app.tags'];
  if (explicit !== undefined) return cleanTags(['kubernetes', ...splitList(explicit)]);
  const tags = ['kubernetes'];
  if (istio) tags.push('istio');
  if (ns['nekzus.app.tags']) tags.push(...splitList(ns['nekzus.app.tags']));
  const component = svc.labels['app.kubernetes.io/component'];
  if (component) tags.push(component);
  const chart = chartName(svc.labels);
  if (chart) tags.push('helm', chart);
  if (svc.namespace !== 'default') tags.push(svc.namespace);
  tags.push(svc.type.toLowerCase());
  for (const p of tcpPorts(svc)) {
    if (p.name) tags.push(p.name);
    tags.push(...portTags(p.port));
  }
  return cleanTags(tags);
}

function tcpPorts(svc: KubeServiceFacts) {
  return svc.ports.filter((p) => (p.protocol ?? 'TCP').toUpperCase() === 'TCP' && p.port > 0);
}

function serviceConfidence(svc: KubeServiceFacts, istio: boolean) {
  const reasons: string[] = [];
  let score = 0.5;
  if (svc.labels['nekzus.enable'] === 'true') {
    score = 0.95;
    reasons.push('labelled nekzus.enable=true (0.95)');
  } else if (svc.labels['nekzus.app.id'] !== undefined) {
    score = 0.85;
    reasons.push('labelled nekzus.app.id (0.85)');
  } else reasons.push('discovered by convention (0.50)');
  if (istio) {
    score += 0.2;
    reasons.push('in the Istio mesh (+0.20)');
  }
  const chart = knownChart(svc.labels);
  if (chart) {
    score += 0.2;
    reasons.push(`installed by a recognised Helm chart, ${chart} (+0.20)`);
  }
  if (svc.type === 'LoadBalancer' || svc.type === 'NodePort') {
    score += 0.1;
    reasons.push(`a ${svc.type} service (+0.10)`);
  }
  if (tcpPorts(svc).some((p) => USUAL_PORTS.has(p.port))) {
    score += 0.1;
    reasons.push('a usual HTTP port (+0.10)');
  }
  return { confidence: Math.min(1, Math.round(score * 100) / 100), reasons };
}

export function clusterHostOf(svc: { name: string; namespace: string }): string {
  return `${svc.name}.${svc.namespace}.svc.cluster.local`;
}

/** Everything a service proposes except what differs per port. */
interface ServiceBase {
  appId: string;
  name: string;
  named: boolean;
  pathBase: string;
  istio: boolean;
  available: AvailablePort[];
  tags: string[];
}

function serviceBase(svc: KubeServiceFacts, ns: Labels): ServiceBase | Invalid {
  const name = displayNameOf(svc);
  const appId = appIdOf(svc, name);
  if (typeof appId !== 'string') return appId;
  const pathBase = pathBaseOf(svc, ns, appId);
  if (typeof pathBase !== 'string') return pathBase;
  const explicitScheme = settingOf(svc, ns, 'nekzus.scheme');
  if (explicitScheme !== undefined && explicitScheme !== 'http' && explicitScheme !== 'https')
    return { invalid: `nekzus.scheme="${explicitScheme}" is neither http nor https` };
  const istio = istioOf(svc, ns);
  return {
    appId,
    name,
    named: Boolean(
      svc.labels['nekzus.app.id'] ??
      svc.annotations['nekzus.app.id'] ??
      svc.labels['app.kubernetes.io/name'] ??
      svc.labels['app'],
    ),
    pathBase,
    istio,
    available: tcpPorts(svc).map((p) => ({ port: p.port, scheme: portScheme(svc, ns, p) })),
    tags: serviceTags(svc, ns, istio),
  };
}

/** One proposal per TCP port of the service, all with identity `<ns>/<name>`. */
export function serviceProposals(
  svc: KubeServiceFacts,
  ns: Labels,
): DiscoveredService[] | { skip: string; invalid: boolean } {
  const enabled = serviceEnabled(svc, ns);
  if (!enabled.on) return { skip: enabled.why, invalid: false };
  if (svc.type === 'ExternalName') return { skip: 'an ExternalName service', invalid: false };
  if (!svc.clusterIP || svc.clusterIP === 'None')
    return { skip: 'a headless service (no cluster IP)', invalid: false };
  const base = serviceBase(svc, ns);
  if ('invalid' in base) return { skip: base.invalid, invalid: true };
  if (base.available.length === 0) return { skip: 'no TCP port', invalid: false };
  const { confidence, reasons } = serviceConfidence(svc, base.istio);
  const host = clusterHostOf(svc);
  const identity = `${svc.namespace}/${svc.name}`;
  const flags = routeFlags([svc], ns);
  const scopes = scopesOf([svc], ns, base.appId, base.named);
  return base.available.map(({ port, scheme }) => {
    const to = `${scheme}://${host}:${port}`;
    const route: RouteInput = {
      routeId: base.appId,
      appId: base.appId,
      pathBase: base.pathBase,
      to,
      scopes,
      ...flags,
    };
    return {
      proposalId: proposalIdOf('kubernetes', scheme, identity, port),
      source: 'kubernetes',
      identity,
      detectedScheme: scheme,
      detectedHost: host,
      detectedPort: port,
      availablePorts: base.available,
      confidence,
      reasons: [`enabled: ${enabled.why}`, ...reasons],
      securityNotes: [
        'Discovered via Kubernetes API',
        'JWT required',
        `Namespace: ${svc.namespace}`,
        ...(base.istio ? ['Istio sidecar: in-mesh traffic may require mutual TLS'] : []),
        ...(scheme === 'http' ? ['Upstream uses HTTP (unencrypted)'] : []),
        ...(svc.type === 'LoadBalancer'
          ? ['Exposed outside the cluster through a load balancer']
          : svc.type === 'NodePort'
            ? ['Exposed on a port of every node (NodePort)']
            : []),
      ],
      tags: base.tags,
      suggestedApp: {
        id: base.appId,
        name: base.name,
        icon: settingOf(svc, ns, 'nekzus.app.icon') || '☸️',
        tags: base.tags,
        endpoints: { cluster: to },
        discoveryMeta: { source: 'kubernetes', serviceName: identity },
      },
      suggestedRoute: route,
    };
  });
}

function ingressEnabled(ing: KubeIngressFacts, ns: Labels): { on: boolean; why: string } {
  const own = ing.labels['nekzus.enable'];
  if (own === 'true') return { on: true, why: 'labelled nekzus.enable=true' };
  if (own === 'false') return { on: false, why: 'labelled nekzus.enable=false' };
  if (ns['nekzus.enable'] === 'false')
    return { on: false, why: 'its namespace is labelled nekzus.enable=false' };
  if (ns['nekzus.enable'] === 'true')
    return { on: true, why: 'its namespace is labelled nekzus.enable=true' };
  if (SYSTEM_NAMESPACES.has(ing.namespace))
    return { on: false, why: `in the system namespace ${ing.namespace}` };
  if (ing.labels['app.kubernetes.io/name'])
    return { on: true, why: 'labelled app.kubernetes.io/name' };
  return { on: false, why: 'not labelled nekzus.enable=true or app.kubernetes.io/name' };
}

/** A literal path (Prefix or Exact); regular expressions of some controllers are not usable. */
function plainPath(path: string | undefined): string | undefined {
  if (!path || path === '/') return undefined;
  if (!path.startsWith('/') || /[()|^$*?[\]\\{}\s]/.test(path)) return undefined;
  return path;
}

/**
 * Proposals for an ingress: one per path with a service backend in the same namespace. The
 * path becomes the path base only under /apps/ (Nekzus takes any path, and a route outside
 * /apps/ is unreachable); another path is kept as the path on the service. The route goes to
 * the service itself, with the scheme of the service's port (Nekzus takes the ingress's TLS
 * scheme with the service's plain port).
 */
export function ingressProposals(
  ing: KubeIngressFacts,
  ns: Labels,
  servicesByName: ReadonlyMap<string, KubeServiceFacts>,
): { proposals: DiscoveredService[]; skipped: { reason: string; invalid: boolean }[] } {
  const enabled = ingressEnabled(ing, ns);
  if (!enabled.on) return { proposals: [], skipped: [{ reason: enabled.why, invalid: false }] };
  const proposals: DiscoveredService[] = [];
  const skipped: { reason: string; invalid: boolean }[] = [];
  for (const rule of ing.paths) {
    const svc = servicesByName.get(rule.backend.service);
    const where = `path ${rule.host ?? '*'}${rule.path ?? '/'}`;
    if (!svc) {
      skipped.push({
        reason: `${where}: no service ${rule.backend.service} in ${ing.namespace}`,
        invalid: false,
      });
      continue;
    }
    const port = tcpPorts(svc).find((p) =>
      rule.backend.port.number !== undefined
        ? p.port === rule.backend.port.number
        : p.name === rule.backend.port.name,
    );
    if (!port) {
      skipped.push({
        reason: `${where}: service ${svc.name} has no TCP port ${rule.backend.port.number ?? rule.backend.port.name}`,
        invalid: false,
      });
      continue;
    }
    const base = serviceBase(svc, ns);
    if ('invalid' in base) {
      skipped.push({ reason: `${where}: service ${svc.name}: ${base.invalid}`, invalid: true });
      continue;
    }
    const ownId = appIdOf(ing, '');
    if (typeof ownId !== 'string') {
      skipped.push({ reason: ownId.invalid, invalid: true });
      continue;
    }
    const explicitId = ing.labels['nekzus.app.id'] ?? ing.annotations['nekzus.app.id'];
    const appId = explicitId !== undefined ? ownId : base.appId;
    const name =
      ing.labels['nekzus.app.name'] ||
      ing.annotations['nekzus.app.name'] ||
      ing.labels['app.kubernetes.io/name'] ||
      base.name;
    const path = plainPath(rule.path);
    const underApps = path !== undefined && /^\/apps\/[^/]+/.test(path);
    const explicitPath = settingOf(ing, {}, 'nekzus.route.path');
    let pathBase: string;
    if (explicitPath !== undefined) {
      const checked = pathBaseOf(ing, {}, appId);
      if (typeof checked !== 'string') {
        skipped.push({ reason: checked.invalid, invalid: true });
        continue;
      }
      pathBase = checked;
    } else if (underApps) pathBase = path.endsWith('/') ? path : `${path}/`;
    else pathBase = explicitId !== undefined ? `/apps/${appId}/` : base.pathBase;
    const targetPath = path !== undefined && !underApps ? path.replace(/\/+$/, '') : '';
    const scheme = portScheme(svc, ns, port);
    const host = clusterHostOf(svc);
    const to = `${scheme}://${host}:${port.port}${targetPath}`;
    const identity = `${ing.namespace}/${ing.name}${rule.path || '/'}`;
    const reasons = [`enabled: ${enabled.why}`];
    let score = 0.8;
    if (ing.labels['nekzus.enable'] === 'true') {
      score = 0.95;
      reasons.push('labelled nekzus.enable=true (0.95)');
    } else reasons.push('an ingress (0.80)');
    if (ing.tls) {
      score += 0.05;
      reasons.push('serves TLS (+0.05)');
    }
    const explicitTags = ing.annotations['nekzus.app.tags'] ?? ing.labels['nekzus.app.tags'];
    const tags = cleanTags(
      explicitTags !== undefined
        ? ['kubernetes', 'ingress', ...splitList(explicitTags)]
        : [
            'kubernetes',
            'ingress',
            ...(ing.namespace !== 'default' ? [ing.namespace] : []),
            ...(ing.tls ? ['tls'] : []),
            ...base.tags,
          ],
    );
    const endpoints: Record<string, string> = { cluster: to };
    if (rule.host && !rule.host.includes('*'))
      endpoints.ingress = `${ing.tls ? 'https' : 'http'}://${rule.host}${rule.path && rule.path !== '/' ? rule.path : '/'}`;
    proposals.push({
      proposalId: proposalIdOf('kubernetes-ingress', scheme, identity, port.port),
      source: 'kubernetes-ingress',
      identity,
      detectedScheme: scheme,
      detectedHost: host,
      detectedPort: port.port,
      availablePorts: [{ port: port.port, scheme }],
      confidence: Math.min(1, Math.round(score * 100) / 100),
      reasons,
      securityNotes: [
        'Discovered via Ingress',
        'JWT required',
        `Namespace: ${ing.namespace}`,
        ...(rule.host ? [`Ingress host: ${rule.host}`] : []),
        ...(ing.tls && scheme === 'http'
          ? ['The ingress terminates TLS; the route reaches the service directly over HTTP']
          : []),
        ...(scheme === 'http' ? ['Upstream uses HTTP (unencrypted)'] : []),
      ],
      tags,
      suggestedApp: {
        id: appId,
        name,
        icon:
          settingOf(ing, {}, 'nekzus.app.icon') || settingOf(svc, ns, 'nekzus.app.icon') || '☸️',
        tags,
        endpoints,
        discoveryMeta: {
          source: 'kubernetes-ingress',
          serviceName: `${svc.namespace}/${svc.name}`,
        },
      },
      suggestedRoute: {
        routeId: appId,
        appId,
        pathBase,
        to,
        scopes: scopesOf([ing, svc], ns, appId, explicitId !== undefined || base.named),
        ...routeFlags([ing, svc], ns),
      },
    });
  }
  return { proposals, skipped };
}

/** All proposals of the current cluster state, in a stable order (namespace, name, port). */
export function kubernetesProposals(state: KubernetesState): KubernetesProposals {
  const out: KubernetesProposals = { services: [], ingresses: [], skipped: [] };
  const byKey = (a: KubeMeta, b: KubeMeta) => {
    const ka = `${a.namespace}/${a.name}`;
    const kb = `${b.namespace}/${b.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  const services = [...state.services].sort(byKey);
  const byNamespace = new Map<string, Map<string, KubeServiceFacts>>();
  for (const svc of services) {
    const ns = state.namespaces.get(svc.namespace) ?? {};
    let names = byNamespace.get(svc.namespace);
    if (!names) byNamespace.set(svc.namespace, (names = new Map<string, KubeServiceFacts>()));
    names.set(svc.name, svc);
    const result = serviceProposals(svc, ns);
    if (Array.isArray(result)) out.services.push(...result);
    else
      out.skipped.push({
        object: `service ${svc.namespace}/${svc.name}`,
        reason: result.skip,
        invalid: result.invalid,
      });
  }
  for (const ing of [...state.ingresses].sort(byKey)) {
    const ns = state.namespaces.get(ing.namespace) ?? {};
    const result = ingressProposals(
      ing,
      ns,
      byNamespace.get(ing.namespace) ?? new Map<string, KubeServiceFacts>(),
    );
    out.ingresses.push(...result.proposals);
    for (const s of result.skipped)
      out.skipped.push({
        object: `ingress ${ing.namespace}/${ing.name}`,
        reason: s.reason,
        invalid: s.invalid,
      });
  }
  return out;
}
