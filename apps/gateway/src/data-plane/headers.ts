import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isOurApiKey, SESSION_COOKIE } from '#libs/access';
import { canonicalIp, forwardedChainOf, normalizeIp, type Principal } from '#libs/http';

/**
 * Headers that describe one connection, never the message (RFC 9110 §7.6.1), plus `expect`
 * (Node answers 100-continue itself) and `http2-settings`.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);

/** Set by the gateway from what it knows; a client's own values are never passed on. */
const OURS = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-prefix',
  'x-forwarded-port',
  'x-real-ip',
  'forwarded',
  'x-request-id',
]);

/** What the upstream is told about the request besides the client's own headers. */
export interface ForwardInfo {
  /** The caller's address as the access policy judged it (trusted proxies applied). */
  client: string;
  requestId: string;
  /** `X-Forwarded-Prefix` when the route strips its path base. */
  prefix: string | undefined;
  principal: Principal | undefined;
  /** Ask for an uncompressed body (the response will be rewritten). */
  identityEncoding: boolean;
  /** Keep `Connection: upgrade` and `Upgrade` (WebSocket tunnels). */
  upgrade: boolean;
  /** Send this Host instead of the client's (a route with `preserveHost: false`); undefined keeps it. */
  host: string | undefined;
}

const PEER = Symbol('nekzus.peer');

/** The connection's peer address, normalised once per connection (keep-alive serves many requests). */
function peerOf(req: IncomingMessage): string {
  const socket = req.socket as (Socket & { [PEER]?: string }) | undefined;
  if (!socket) return '';
  let peer = socket[PEER];
  if (peer === undefined) {
    peer = normalizeIp(socket.remoteAddress ?? '');
    // A socket that has already closed has no address; nothing worth remembering then.
    if (peer !== '') socket[PEER] = peer;
  }
  return peer;
}

const BARE_CONNECTION = /^\s*(?:keep-alive|close|upgrade)?\s*$/i;

/** The names a `Connection` header lists: hop-by-hop for this message only. */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  // What nearly every message says (`keep-alive`, `close`, `Upgrade`) names nothing.
  if (!text.includes(',') && BARE_CONNECTION.test(text)) return undefined;
  const names = new Set<string>();
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade')
      names.add(name);
  }
  return names.size > 0 ? names : undefined;
}

/**
 * The request headers for the upstream as a flat `[name, value, …]` list (client order and
 * spelling kept, repeats kept): hop-by-hop and `Connection`-named headers removed, the
 * gateway's own credentials removed, `Host` preserved, and `X-Forwarded-*` / `X-Real-IP` set
 * from the trusted chain only.
 */
export function upstreamRequestHeaders(req: IncomingMessage, info: ForwardInfo): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const peer = peerOf(req);
  const fromTrustedProxy = info.client !== peer && info.client !== '';
  const usedBearer = usesBearer(info.principal, req.headers['x-api-key']);
  const out: string[] = [];
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    // An upgrade gets its own `Connection: Upgrade` and `Upgrade` below.
    if (HOP_BY_HOP.has(lower)) continue;
    if (listed?.has(lower)) continue;
    if (OURS.has(lower)) {
      // A trusted proxy in front knows the scheme and host the client used; nobody else does.
      if (fromTrustedProxy && lower === 'x-forwarded-proto') forwardedProto ??= value;
      if (fromTrustedProxy && lower === 'x-forwarded-host') forwardedHost ??= value;
      continue;
    }
    switch (lower) {
      case 'host':
        if (info.host !== undefined) {
          out.push(name, info.host);
          continue;
        }
        break;
      case 'authorization':
        if (usedBearer) continue;
        break;
      case 'x-api-key':
        if (isOurApiKey(value.trim())) continue;
        break;
      case 'cookie': {
        const kept = withoutSessionCookie(value);
        if (kept !== '') out.push(name, kept);
        continue;
      }
      case 'accept-encoding':
        if (info.identityEncoding) continue;
        break;
    }
    out.push(name, value);
  }
  if (info.upgrade)
    out.push('Connection', 'Upgrade', 'Upgrade', req.headers.upgrade ?? 'websocket');
  out.push(
    'X-Forwarded-For',
    forwardedFor(req, info.client, peer),
    'X-Forwarded-Proto',
    forwardedProto ?? ((req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http'),
    'X-Real-IP',
    info.client,
    'X-Request-Id',
    info.requestId,
  );
  const host = forwardedHost ?? req.headers.host;
  if (host !== undefined) out.push('X-Forwarded-Host', host);
  if (info.prefix !== undefined) out.push('X-Forwarded-Prefix', info.prefix);
  return out;
}

/**
 * `X-Forwarded-For` for the upstream: the client, the trusted proxies it came through, and the
 * peer. What an untrusted caller wrote into the header is dropped, as is anything left of the
 * client in a trusted chain (the client wrote that part itself).
 */
function forwardedFor(req: IncomingMessage, client: string, peer: string): string {
  if (client === peer || client === '') return peer;
  const chain = forwardedChainOf(req);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (canonicalIp(chain[i]!) !== client) continue;
    const hops = chain.slice(i).map((hop) => canonicalIp(hop) ?? hop);
    hops.push(peer);
    return hops.join(', ');
  }
  return `${client}, ${peer}`;
}

/**
 * Whether the request's Authorization header carried the gateway credential that let it in.
 * An app's own Authorization (on a public route, or beside a session cookie) passes through.
 */
function usesBearer(principal: Principal | undefined, apiKeyHeader: unknown): boolean {
  if (principal === undefined) return false;
  const keyInHeader = typeof apiKeyHeader === 'string' && isOurApiKey(apiKeyHeader.trim());
  return (
    principal.kind === 'device' ||
    (principal.kind === 'admin' && principal.via === 'bearer') ||
    (principal.kind === 'apikey' && !keyInHeader)
  );
}

function withoutSessionCookie(cookie: string): string {
  if (!cookie.includes(SESSION_COOKIE)) return cookie;
  return cookie
    .split(';')
    .filter((part) => part.split('=')[0]?.trim() !== SESSION_COOKIE)
    .join(';')
    .trim();
}

/** A response's headers for the client, and what the forwarder needs to know about them. */
export interface DownstreamHeaders {
  /** `[name, value, …]` in the upstream's order and spelling, repeats kept. */
  list: string[];
  contentLength: boolean;
  /** The one `Content-Type`; null when there were several. */
  contentType: string | null | undefined;
  /** The one `Content-Encoding`; null when there were several. */
  contentEncoding: string | null | undefined;
}

/**
 * The upstream's response headers (the raw list either client gives) without hop-by-hop and
 * `Connection`-named ones, as a flat list for `writeHead`. Nothing is added: no CORS, no cache
 * policy, no security headers on someone else's app.
 */
export function downstreamHeaders(raw: readonly (Buffer | string)[]): DownstreamHeaders {
  const list: string[] = [];
  let connection: string | undefined;
  let contentLength = false;
  let contentType: string | null | undefined;
  let contentEncoding: string | null | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const value = raw[i + 1]!.toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection')
        connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    if (lower === 'content-length') contentLength = true;
    else if (lower === 'content-type') contentType = contentType === undefined ? value : null;
    else if (lower === 'content-encoding')
      contentEncoding = contentEncoding === undefined ? value : null;
    list.push(name, value);
  }
  const listed = connectionListed(connection);
  if (listed === undefined) return { list, contentLength, contentType, contentEncoding };
  const kept: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const lower = list[i]!.toLowerCase();
    if (!listed.has(lower)) kept.push(list[i]!, list[i + 1]!);
    else if (lower === 'content-length') contentLength = false;
    else if (lower === 'content-type') contentType = undefined;
    else if (lower === 'content-encoding') contentEncoding = undefined;
  }
  return { list: kept, contentLength, contentType, contentEncoding };
}
