import type { AppInput, RouteInput } from '#libs/routing';

export type DiscoverySourceName = 'docker' | 'kubernetes' | 'kubernetes-ingress' | 'mdns';

export interface AvailablePort {
  port: number;
  scheme: 'http' | 'https';
}

/** What a source saw: one service it proposes to route, with the contract's proposal fields. */
export interface DiscoveredService {
  /** `proposal_<source>_<scheme>_<host token>_<port>` (contract B §3.4). */
  proposalId: string;
  source: DiscoverySourceName;
  /** Stable across address changes: the container name, `<namespace>/<service>`, the mDNS instance. */
  identity: string;
  detectedScheme: 'http' | 'https';
  detectedHost: string;
  detectedPort: number;
  availablePorts: AvailablePort[];
  confidence: number;
  /** Why the confidence is what it is, one line per rule that applied. */
  reasons: string[];
  securityNotes: string[];
  tags: string[];
  suggestedApp: AppInput & { id: string; name: string };
  suggestedRoute: RouteInput;
}

/** What an admin may change when approving (contract's approve body, extended). */
export interface ApprovalOverrides {
  port?: number;
  appId?: string;
  name?: string;
  icon?: string;
  pathBase?: string;
  subdomain?: string;
  scopes?: string[];
  stripPrefix?: boolean;
  websockets?: boolean;
}

export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'dismissed';

/** Letters and digits kept, everything else `_` (Nekzus's sanitize, byte-wise). */
export function sanitizeToken(text: string): string {
  return [...new TextEncoder().encode(text)]
    .map((b) =>
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
        ? String.fromCharCode(b)
        : '_',
    )
    .join('');
}

export function proposalIdOf(
  source: string,
  scheme: string,
  hostToken: string,
  port: number,
): string {
  return `proposal_${source}_${scheme}_${sanitizeToken(hostToken)}_${port}`;
}

/**
 * An app id our routing accepts (`[a-z0-9][a-z0-9_-]{0,62}`) from a name: lower case,
 * anything else becomes "-". Nekzus keeps case and uses "_"; its ids do not fit ours.
 */
export function appIdFrom(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 63)
    .replace(/[-_]+$/, '');
  return id === '' ? 'app' : id;
}
