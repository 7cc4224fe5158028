import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { NekzusConfig } from '#libs/config';
import { AddressMatcher, clientAddressOf, LocalNetworkPolicy, normalizeIp } from '#libs/http';

/** Who is calling: the client address (trusted proxies applied), and whether local trust covers it. */
export interface Caller {
  readonly address: string;
  readonly trusted: boolean;
}

const PEER = Symbol('nekzus.networkPeer');

/**
 * What one connection's peer means under one version of the settings. The peer of a socket
 * never changes, so a keep-alive connection parses its address once, not on every request.
 */
interface PeerVerdict {
  trustedProxies: AddressMatcher;
  local: LocalNetworkPolicy;
  /** The caller, when the peer is not a trusted proxy (then no header can change who calls). */
  caller: Caller | undefined;
}

type PeerHolder = Socket & { [PEER]?: PeerVerdict };

/**
 * Who the caller is on the network: the client address (trusted proxies applied) and
 * whether local-network trust covers it. Rebuilt when a reload changes the settings.
 */
export class NetworkPolicy {
  private trustedProxies: AddressMatcher;
  private local: LocalNetworkPolicy;

  constructor(config: NekzusConfig) {
    this.trustedProxies = new AddressMatcher(config.server.trusted_proxies);
    this.local = new LocalNetworkPolicy(
      config.auth.local_network_trust,
      config.auth.local_networks,
    );
  }

  update(config: NekzusConfig): void {
    this.trustedProxies = new AddressMatcher(config.server.trusted_proxies);
    this.local = new LocalNetworkPolicy(
      config.auth.local_network_trust,
      config.auth.local_networks,
    );
  }

  clientAddress(req: IncomingMessage): string {
    return this.caller(req).address;
  }

  trusts(address: string): boolean {
    return this.local.trusts(address);
  }

  /**
   * The caller and its local trust. Decided once per connection and settings version when the
   * peer is not a trusted proxy; behind a trusted proxy the forwarded headers of each request
   * decide (`clientAddressOf`).
   */
  caller(req: IncomingMessage): Caller {
    const socket = req.socket as PeerHolder | null | undefined;
    let verdict = socket?.[PEER];
    if (
      verdict === undefined ||
      verdict.trustedProxies !== this.trustedProxies ||
      verdict.local !== this.local
    ) {
      const remote = socket?.remoteAddress;
      // A socket that has already closed has no address: nothing worth remembering.
      if (!socket || !remote) return { address: '', trusted: this.local.trusts('') };
      const peer = normalizeIp(remote);
      const viaProxy = !this.trustedProxies.empty && this.trustedProxies.matches(peer);
      verdict = {
        trustedProxies: this.trustedProxies,
        local: this.local,
        caller: viaProxy ? undefined : { address: peer, trusted: this.local.trusts(peer) },
      };
      socket[PEER] = verdict;
    }
    if (verdict.caller !== undefined) return verdict.caller;
    const address = clientAddressOf(req, this.trustedProxies);
    return { address, trusted: this.local.trusts(address) };
  }
}
