import { isIP, SocketAddress } from 'node:net';

/** Letters, digits, '-' and '_' (which some LAN host names carry) in dot-separated labels. */
const DNS_NAME =
  /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * The form in which a name is put into and compared with a subjectAltName: DNS names in lower
 * case without a trailing dot, IPv6 addresses compressed (`::1`, not `0:0:0:0:0:0:0:1`).
 * `undefined` when it is neither a DNS name nor an IP address.
 */
export function canonicalName(name: string): string | undefined {
  const trimmed = name.trim();
  const address = trimmed.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  switch (isIP(address)) {
    case 4:
      return address;
    case 6:
      return new SocketAddress({ address, family: 'ipv6' }).address;
  }
  const dns = trimmed.toLowerCase().replace(/\.$/, '');
  return dns.length <= 253 && DNS_NAME.test(dns) ? dns : undefined;
}

export function isIpAddress(name: string): boolean {
  return isIP(name) !== 0;
}

/** Canonical names in their first order, without repeats; `rejected` gets the unusable ones. */
export function canonicalNames(
  names: readonly string[],
  rejected: (name: string) => void = () => undefined,
): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const canonical = canonicalName(name);
    if (canonical === undefined) rejected(name);
    else out.add(canonical);
  }
  return [...out];
}

/**
 * The DNS names and IP addresses of a subjectAltName as node:crypto prints it
 * (`DNS:localhost, IP Address:0:0:0:0:0:0:0:1`), canonical. Other kinds are left out.
 */
export function subjectAltNames(subjectAltName: string | undefined): string[] {
  const names: string[] = [];
  for (const entry of (subjectAltName ?? '').split(', ')) {
    const [, value] = /^(?:DNS|IP Address):(.*)$/.exec(entry) ?? [];
    if (value !== undefined) names.push(value);
  }
  return canonicalNames(names);
}
