import type { IncomingMessage } from 'node:http';
import { AddressMatcher, canonicalIp, normalizeIp } from './address-matcher';

const CLIENT_ADDRESS = Symbol('nekzus.clientAddress');

type Holder = IncomingMessage & {
  [CLIENT_ADDRESS]?: { trusted: AddressMatcher; address: string };
};

/**
 * The address of the caller: the socket peer, unless the peer is a trusted proxy. Then the
 * forwarded chain (`X-Forwarded-For`, or `X-Real-IP` when there is none) is walked from the
 * right past further trusted proxies to the first untrusted hop. An entry that is not an IP
 * address ends the walk at the last trusted hop: past garbage nothing can be believed.
 * Headers from untrusted peers are ignored. The answer is normalised and kept on the request.
 * A socket that is already gone has no address: the answer is then ''.
 */
export function clientAddressOf(req: IncomingMessage, trustedProxies: AddressMatcher): string {
  const holder = req as Holder;
  const cached = holder[CLIENT_ADDRESS];
  if (cached && cached.trusted === trustedProxies) return cached.address;
  const address = resolveClientAddress(req, trustedProxies);
  holder[CLIENT_ADDRESS] = { trusted: trustedProxies, address };
  return address;
}

function resolveClientAddress(req: IncomingMessage, trusted: AddressMatcher): string {
  const peer = req.socket?.remoteAddress;
  if (!peer) return '';
  let current = normalizeIp(peer);
  if (trusted.empty || !trusted.matches(current)) return current;
  const chain = forwardedChainOf(req);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = canonicalIp(chain[i]!);
    if (hop === undefined) return current;
    if (!trusted.matches(hop)) return hop;
    current = hop;
  }
  return current;
}

/**
 * The forwarded addresses as sent, client first: every `X-Forwarded-For` header split at
 * commas and trimmed, or the `X-Real-IP` header when no `X-Forwarded-For` was sent. Nothing
 * here is checked; only `clientAddressOf` decides what to believe.
 */
export function forwardedChainOf(req: IncomingMessage): string[] {
  const forwarded = headerValues(req, 'x-forwarded-for');
  if (forwarded.length > 0) return forwarded.flatMap((value) => value.split(',')).map(trim);
  // Several X-Real-IP headers are one value with a comma to us, hence not an address.
  const real = headerValues(req, 'x-real-ip');
  return real.length > 0 ? [real.map(trim).join(',')] : [];
}

const trim = (text: string) => text.trim();

function headerValues(req: IncomingMessage, name: string): string[] {
  const distinct = (req as Partial<IncomingMessage>).headersDistinct?.[name];
  if (distinct) return distinct;
  const value = req.headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Which callers `auth.local_network_trust` lets in without credentials. */
export type LocalNetworkTrust = 'loopback' | 'lan' | 'off';

const LOOPBACK = ['127.0.0.0/8', '::1'];

export class LocalNetworkPolicy {
  private readonly matcher: AddressMatcher;

  constructor(
    readonly mode: LocalNetworkTrust,
    lanRanges: readonly string[],
  ) {
    this.matcher = new AddressMatcher(
      mode === 'off' ? [] : mode === 'lan' ? [...LOOPBACK, ...lanRanges] : LOOPBACK,
    );
  }

  /** Whether a client at `ip` (as given by `clientAddressOf`) is trusted. */
  trusts(ip: string): boolean {
    return this.matcher.matches(ip);
  }
}
