import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { canonicalNames } from './names';

/**
 * The names a phone on the LAN may use to reach this machine: the host name, `localhost`, every
 * non-internal IPv4 and IPv6 address of the network interfaces, `127.0.0.1` and `::1`.
 */
export function localNames(): string[] {
  return localNamesFrom(hostname(), networkInterfaces());
}

export function localNamesFrom(
  host: string,
  interfaces: Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>,
): string[] {
  const addresses = Object.values(interfaces)
    .flatMap((infos) => infos ?? [])
    .filter((info) => !info.internal)
    .map((info) => info.address);
  // A host name that cannot be a DNS name (spaces, say) is left out rather than refused.
  return canonicalNames([host, 'localhost', ...addresses, '127.0.0.1', '::1']);
}
