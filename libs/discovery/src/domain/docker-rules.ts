import { ID_PATTERN } from '#libs/routing';
import { appIdFrom, proposalIdOf, type AvailablePort, type DiscoveredService } from './proposal';

/** What the engine says about a running container, reduced to what the rules read. */
export interface ContainerFacts {
  id: string;
  name: string;
  image: string;
  labels: Readonly<Record<string, string>>;
  /** Network name → the container's IPv4 address on it. */
  networks: Readonly<Record<string, string>>;
  /** TCP ports: listed (published or not) first, then EXPOSEd ones. */
  ports: readonly { privatePort: number; publicPort?: number }[];
}

export interface DockerRules {
  mode: 'opt-out' | 'opt-in';
  networkMode: 'all' | 'first' | 'preferred';
  networks: readonly string[];
  excludeNetworks: readonly string[];
  self: { id?: string; name?: string };
}

export type Verdict =
  | { kind: 'skip'; reason: string; invalid?: boolean }
  | {
      kind: 'probe';
      host: string;
      candidates: number[];
      build: (reachable: readonly number[]) => DiscoveredService | Verdict;
    };

const NON_HTTP = new Set([
  21, 22, 23, 25, 53, 110, 143, 389, 636, 1883, 3306, 5432, 5672, 6379, 11211, 27017,
]);
const SYSTEM_IMAGES = ['k8s.gcr.io/', 'gcr.io/k8s', 'rancher/', 'portainer/', 'traefik:', 'caddy:'];
const WELL_KNOWN = [
  'nginx',
  'grafana',
  'prometheus',
  'postgres',
  'mysql',
  'redis',
  'mongo',
  'elasticsearch',
  'kibana',
  'jenkins',
  'gitlab',
  'nextcloud',
  'wordpress',
  'ghost',
  'plex',
];

const label = (facts: ContainerFacts, key: string) => facts.labels[key];
const isTrue = (value: string | undefined) => value === 'true';

/**
 * Contract B §4.2's rules for one container, with its weaknesses fixed: the probe uses the
 * container's own port on the container's address (Nekzus probes the host port there and
 * misses every remapped port), the network is chosen deterministically (sorted names, or
 * the configured order), and labels that would make an unreachable route are refused with
 * a reason instead of being accepted.
 */
export function dockerVerdict(facts: ContainerFacts, rules: DockerRules): Verdict {
  const name = facts.name.replace(/^\//, '');
  const shortId = facts.id.slice(0, 12);
  if (
    rules.self.id &&
    (shortId.startsWith(rules.self.id.slice(0, 12)) || rules.self.id.startsWith(shortId))
  )
    return { kind: 'skip', reason: 'the gateway itself' };
  if (rules.self.name && rules.self.name === name)
    return { kind: 'skip', reason: 'the gateway itself' };
  if (label(facts, 'nekzus.test') === undefined) {
    if (isTrue(label(facts, 'nekzus.skip')))
      return { kind: 'skip', reason: 'labelled nekzus.skip=true' };
    if (`${name} ${facts.image}`.toLowerCase().includes('nekzus'))
      return { kind: 'skip', reason: 'a Nekzus container' };
    if (SYSTEM_IMAGES.some((s) => facts.image.includes(s)))
      return { kind: 'skip', reason: 'an infrastructure image' };
  } else if (isTrue(label(facts, 'nekzus.skip')))
    return { kind: 'skip', reason: 'labelled nekzus.skip=true' };
  const enable = label(facts, 'nekzus.enable');
  if (enable === 'false') return { kind: 'skip', reason: 'labelled nekzus.enable=false' };
  if (rules.mode === 'opt-in' && enable !== 'true')
    return {
      kind: 'skip',
      reason: 'not labelled nekzus.enable=true (discovery.docker.mode is opt-in)',
    };

  const serviceName =
    label(facts, 'nekzus.app.name') || name || facts.image.split('/').pop()!.split(':')[0]!;
  const idLabel = label(facts, 'nekzus.app.id');
  if (idLabel !== undefined && !ID_PATTERN.test(idLabel))
    return {
      kind: 'skip',
      invalid: true,
      reason: `label nekzus.app.id="${idLabel}" is not an id (lower-case letters, digits, "-" and "_", at most 63)`,
    };
  const pathLabel = label(facts, 'nekzus.route.path');
  if (pathLabel !== undefined && !/^\/apps\/[^/]+/.test(pathLabel))
    return {
      kind: 'skip',
      invalid: true,
      reason: `label nekzus.route.path="${pathLabel}" must start with /apps/<name>`,
    };
  const appId = idLabel ?? appIdFrom(serviceName);
  const primary = label(facts, 'nekzus.primary_port');
  if (primary !== undefined && !/^[0-9]{1,5}$/.test(primary))
    return {
      kind: 'skip',
      invalid: true,
      reason: `label nekzus.primary_port="${primary}" is not a port number`,
    };

  const host = chooseHost(facts.networks, rules);
  if (!host)
    return {
      kind: 'skip',
      reason: 'no network address (host networking, or every network excluded)',
    };

  let ports = facts.ports.map((p) => p.privatePort);
  ports = [...new Set(ports)];
  let probe = true;
  if (primary !== undefined) {
    ports = ports.filter((p) => p === Number(primary));
    if (ports.length === 0)
      return {
        kind: 'skip',
        reason: `nekzus.primary_port ${primary} is not a port of the container`,
      };
    probe = false;
  } else if (isTrue(label(facts, 'nekzus.discover.all_ports'))) probe = false;
  else ports = ports.filter((p) => !NON_HTTP.has(p));
  if (ports.length === 0) return { kind: 'skip', reason: 'no TCP port that could speak HTTP' };

  const build = (reachable: readonly number[]): DiscoveredService | Verdict => {
    const kept = probe ? ports.filter((p) => reachable.includes(p)) : ports;
    if (kept.length === 0)
      return { kind: 'skip', reason: `no port answered HTTP (tried ${ports.join(', ')})` };
    const schemeLabel = label(facts, 'nekzus.scheme');
    const available: AvailablePort[] = kept.map((port) => ({
      port,
      scheme:
        schemeLabel === 'https' || schemeLabel === 'http'
          ? schemeLabel
          : port === 443 || port === 8443
            ? 'https'
            : 'http',
    }));
    const first = available[0]!;
    const { confidence, reasons } = confidenceOf(facts, kept);
    const to = `${first.scheme}://${host}:${first.port}`;
    const scopesLabel = label(facts, 'nekzus.route.scopes');
    const scopes =
      scopesLabel !== undefined
        ? scopesLabel
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : idLabel !== undefined
          ? [`access:${appId}`]
          : [];
    const tags = tagsOf(facts, kept);
    return {
      proposalId: proposalIdOf('docker', first.scheme, name || shortId, first.port),
      source: 'docker',
      identity: name || shortId,
      detectedScheme: first.scheme,
      detectedHost: host,
      detectedPort: first.port,
      availablePorts: available,
      confidence,
      reasons,
      securityNotes: [
        'Discovered via Docker API',
        'JWT required',
        ...(first.scheme === 'http' ? ['Upstream uses HTTP (unencrypted)'] : []),
        ...(isPrivate(host) ? ['Private network address'] : []),
      ],
      tags,
      suggestedApp: {
        id: appId,
        name: serviceName,
        icon: label(facts, 'nekzus.app.icon') || '📦',
        tags,
        endpoints: { lan: to },
        discoveryMeta: { source: 'docker', containerId: shortId },
      },
      suggestedRoute: {
        routeId: appId,
        appId,
        pathBase: pathLabel ?? `/apps/${appId}/`,
        to,
        containerId: shortId,
        scopes,
        stripPrefix: (label(facts, 'nekzus.route.strip_prefix') ?? 'true') === 'true',
        rewriteHTML: (label(facts, 'nekzus.route.rewrite_html') ?? 'true') === 'true',
        websockets: isTrue(label(facts, 'nekzus.route.websocket')),
        skipHealthCheck: isTrue(label(facts, 'nekzus.health.skip')),
      },
    };
  };
  return { kind: 'probe', host, candidates: probe ? ports : [], build };
}

/** Sorted network names (or the configured order), so the same container always gets the same address. */
export function chooseHost(
  networks: Readonly<Record<string, string>>,
  rules: Pick<DockerRules, 'networkMode' | 'networks' | 'excludeNetworks'>,
): string | undefined {
  let names = Object.keys(networks)
    .filter((n) => networks[n] && !rules.excludeNetworks.includes(n))
    .sort();
  if (rules.networks.length > 0 && rules.networkMode !== 'preferred')
    names = names.filter((n) => rules.networks.includes(n));
  if (rules.networkMode === 'preferred') {
    const preferred = rules.networks.find((n) => names.includes(n));
    if (preferred) return networks[preferred];
  }
  const chosen = names[0];
  return chosen === undefined ? undefined : networks[chosen];
}

function confidenceOf(
  facts: ContainerFacts,
  ports: readonly number[],
): { confidence: number; reasons: string[] } {
  const reasons: string[] = [];
  let score = 0.5;
  const enabled = label(facts, 'nekzus.enable') === 'true';
  if (enabled) {
    score = 0.95;
    reasons.push('labelled nekzus.enable=true (0.95)');
  } else if (label(facts, 'nekzus.app.id') !== undefined) {
    score = 0.85;
    reasons.push('labelled nekzus.app.id (0.85)');
  } else reasons.push('unlabelled container (0.50)');
  const image = facts.image.toLowerCase();
  const known = WELL_KNOWN.find((k) => image.includes(k));
  if (known) {
    score += 0.2;
    reasons.push(`well-known web image "${known}" (+0.20)`);
  }
  if (ports.some((p) => p === 80 || p === 8080 || p === 3000)) {
    score += 0.1;
    reasons.push('a usual HTTP port (+0.10)');
  }
  if (label(facts, 'traefik.enable') === 'true' || (label(facts, 'caddy') ?? '') !== '') {
    score += 0.15;
    reasons.push('labelled for another reverse proxy (+0.15)');
  }
  if (!enabled && score > 0.85) {
    score = 0.85;
    reasons.push('capped at 0.85 without nekzus.enable=true');
  }
  return { confidence: Math.min(1, Math.round(score * 100) / 100), reasons };
}

function tagsOf(facts: ContainerFacts, ports: readonly number[]): string[] {
  const explicit = label(facts, 'nekzus.app.tags');
  if (explicit !== undefined)
    return [
      ...new Set(
        explicit
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
  const image = facts.image.toLowerCase();
  const tags = ['docker'];
  if (/postgres|mysql|mongo/.test(image)) tags.push('database');
  if (/nginx|apache|httpd/.test(image)) tags.push('web', 'http');
  if (/redis|memcached/.test(image)) tags.push('cache');
  if (/grafana|prometheus/.test(image)) tags.push('monitoring');
  for (const p of ports) {
    if ([80, 8080, 8000, 3000].includes(p)) tags.push('http');
    if ([443, 8443].includes(p)) tags.push('https');
  }
  return [...new Set(tags)];
}

function isPrivate(host: string): boolean {
  return /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)/.test(host);
}
