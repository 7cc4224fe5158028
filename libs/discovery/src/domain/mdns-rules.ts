import { ID_PATTERN } from '#libs/routing';
import { appIdFrom, proposalIdOf, type DiscoveredService } from './proposal';

/** One DNS-SD service instance as browsed, reduced to what the rules read. */
export interface MdnsServiceFacts {
  /** Instance name, e.g. `Living Room NAS`. */
  name: string;
  /** `<instance>._http._tcp.local`: unique on the link, so it is the identity. */
  fqdn: string;
  /** Service type without underscores and protocol: `http`, `https`, `homeassistant`. */
  type: string;
  /** SRV target, e.g. `nas.local`. */
  host: string;
  port: number;
  /** A/AAAA records that came with the answer. */
  addresses: readonly string[];
  /** Where the answer came from: the responder's own address. */
  sender?: string;
  txt: Readonly<Record<string, string>>;
}

export type MdnsVerdict =
  | { kind: 'skip'; reason: string; invalid: boolean }
  | { kind: 'propose'; service: DiscoveredService };

/** Types whose services are web apps; other types are browsed for nothing and skipped. */
export const MDNS_WEB_TYPES: readonly string[] = ['http', 'https', 'homeassistant'];

/** `_http._tcp` → `{ type: 'http', protocol: 'tcp' }`; undefined for something else. */
export function parseServiceType(text: string): { type: string; protocol: string } | undefined {
  const match = /^_([A-Za-z0-9-]{1,63})\._(tcp|udp)(?:\.local\.?)?$/.exec(text.trim());
  return match ? { type: match[1]!.toLowerCase(), protocol: match[2]! } : undefined;
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The address a route should use: the advertised address the answer came from (it reached
 * us), else the lowest advertised IPv4 address (a stable choice), else a routable IPv6 one,
 * else the responder's own address, else the host name (which only works where the gateway
 * resolves `.local`).
 */
export function mdnsAddressOf(facts: MdnsServiceFacts): string {
  // Link-local IPv6 needs a zone (`%eth0`) a URL cannot carry.
  const usable = (a: string | undefined): a is string =>
    a !== undefined && a !== '' && !/^fe80:/i.test(a);
  if (usable(facts.sender) && facts.addresses.includes(facts.sender)) return facts.sender;
  const v4 = facts.addresses.filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)).sort(compareIp);
  if (v4[0]) return v4[0];
  const v6 = facts.addresses.filter((a) => a.includes(':') && usable(a)).sort();
  if (v6[0]) return v6[0];
  if (usable(facts.sender)) return facts.sender;
  return facts.host;
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

function isPrivate(host: string): boolean {
  return /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|169\.254\.|f[cd][0-9a-f]{2}:)/i.test(
    host,
  );
}

/**
 * Contract B §4.4's TXT keys (`app_id`, `app_name`, `path`, `icon`, `tags`, `scopes`,
 * `scheme`, `nekzus_enable`) for one browsed instance. `path` becomes the route's path base
 * only under /apps/ (elsewhere a route is unreachable); any other path is where the app
 * lives on its host, so it is kept as the path of the target.
 */
export function mdnsVerdict(facts: MdnsServiceFacts): MdnsVerdict {
  if (!MDNS_WEB_TYPES.includes(facts.type))
    return { kind: 'skip', reason: `_${facts.type} services are not web apps`, invalid: false };
  const txt = facts.txt;
  if (txt.nekzus_enable === 'false')
    return { kind: 'skip', reason: 'TXT nekzus_enable=false', invalid: false };
  if (!(facts.port > 0 && facts.port < 65536))
    return { kind: 'skip', reason: `no usable port (${facts.port})`, invalid: true };
  const explicitId = txt.app_id;
  if (explicitId !== undefined && !ID_PATTERN.test(explicitId))
    return {
      kind: 'skip',
      invalid: true,
      reason: `TXT app_id="${explicitId}" is not an id (lower-case letters, digits, "-" and "_", at most 63)`,
    };
  const schemeTxt = txt.scheme;
  if (schemeTxt !== undefined && schemeTxt !== 'http' && schemeTxt !== 'https')
    return {
      kind: 'skip',
      invalid: true,
      reason: `TXT scheme="${schemeTxt}" is neither http nor https`,
    };
  const path = txt.path;
  if (path !== undefined && path !== '' && (!path.startsWith('/') || /[?#\s]/.test(path)))
    return { kind: 'skip', invalid: true, reason: `TXT path="${path}" is not a URL path` };

  const name = txt.app_name || facts.name;
  const appId = explicitId ?? appIdFrom(name);
  const scheme: 'http' | 'https' =
    schemeTxt ??
    (facts.type === 'https' || facts.port === 443 || facts.port === 8443 ? 'https' : 'http');
  const underApps = path !== undefined && /^\/apps\/[^/]+/.test(path);
  const pathBase = underApps ? (path.endsWith('/') ? path : `${path}/`) : `/apps/${appId}/`;
  const targetPath = path && !underApps ? path.replace(/\/+$/, '') : '';
  const address = mdnsAddressOf(facts);
  const hostForUrl = address.includes(':') ? `[${address}]` : address;
  const to = `${scheme}://${hostForUrl}:${facts.port}${targetPath}`;

  const reasons: string[] = [];
  let score = 0.7;
  if (txt.nekzus_enable === 'true') {
    score = 0.95;
    reasons.push('TXT nekzus_enable=true (0.95)');
  } else if (explicitId !== undefined) {
    score = 0.85;
    reasons.push('TXT app_id (0.85)');
  } else reasons.push(`announced as a _${facts.type}._tcp service (0.70)`);
  if (facts.type === 'homeassistant') {
    score += 0.1;
    reasons.push('a Home Assistant service (+0.10)');
  }
  const tags =
    txt.tags !== undefined
      ? [...new Set(splitList(txt.tags))]
      : [...new Set(['mdns', facts.type === 'https' ? 'https' : 'http', facts.type])];

  return {
    kind: 'propose',
    service: {
      proposalId: proposalIdOf('mdns', scheme, facts.host, facts.port),
      source: 'mdns',
      identity: facts.fqdn,
      detectedScheme: scheme,
      detectedHost: address,
      detectedPort: facts.port,
      availablePorts: [{ port: facts.port, scheme }],
      confidence: Math.min(1, Math.round(score * 100) / 100),
      reasons,
      securityNotes: [
        'Discovered via mDNS (announcements are not authenticated)',
        'JWT required',
        ...(scheme === 'http' ? ['Upstream uses HTTP (unencrypted)'] : []),
        ...(isPrivate(address) ? ['Private network address'] : []),
      ],
      tags,
      suggestedApp: {
        id: appId,
        name,
        icon: txt.icon || '📡',
        tags,
        endpoints: {
          lan: to,
          mdns: `${scheme}://${facts.host}:${facts.port}${targetPath}`,
        },
        discoveryMeta: { source: 'mdns', serviceName: facts.fqdn },
      },
      suggestedRoute: {
        routeId: appId,
        appId,
        pathBase,
        to,
        scopes:
          txt.scopes !== undefined
            ? splitList(txt.scopes)
            : explicitId !== undefined
              ? [`access:${appId}`]
              : [],
        stripPrefix: true,
        rewriteHTML: true,
      },
    },
  };
}
