import type { IncomingMessage } from 'node:http';
import type { NekzusConfig } from '#libs/config';
import { AddressMatcher, clientAddressOf, LocalNetworkPolicy } from '#libs/http';

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
    return clientAddressOf(req, this.trustedProxies);
  }

  trusts(address: string): boolean {
    return this.local.trusts(address);
  }
}
