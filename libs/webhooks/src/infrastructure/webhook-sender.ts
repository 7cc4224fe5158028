import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AddressMatcher } from '#libs/http';

/** Where a webhook must not go unless allowed: loopback, private, link-local, CGNAT, unspecified. */
const PRIVATE = new AddressMatcher([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
]);

export interface Delivery {
  url: string;
  secret: string;
  eventId: string;
  eventType: string;
  body: string;
  allowPrivate: boolean;
  timeoutMs?: number;
  now?: () => number;
}

export type SendResult =
  { ok: true; status: number } | { ok: false; status?: number; error: string };

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` — what receivers recompute. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * One POST of one event. The address is checked after DNS resolution and the connection
 * goes to exactly the address that was checked, so a name that resolves differently the
 * second time cannot slip a private target through.
 */
export function send(delivery: Delivery): Promise<SendResult> {
  const url = new URL(delivery.url);
  const timestamp = String(Math.floor((delivery.now ?? Date.now)() / 1000));
  let refused: string | undefined;
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const blocked = addresses.find((a) => PRIVATE.matches(a.address));
      if (blocked && !delivery.allowPrivate) {
        refused = `${hostname} resolves to ${blocked.address}, a private address (allow it with allowPrivateTarget and webhooks.allow_private_targets)`;
        return callback(new Error(refused), '', 4);
      }
      const first = addresses[0]!;
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [first]);
      callback(null, first.address, first.family);
    });
  };
  const options: RequestOptions = {
    method: 'POST',
    lookup,
    timeout: delivery.timeoutMs ?? 10_000,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(delivery.body),
      'user-agent': 'nekzus-webhooks/1',
      'x-nekzus-timestamp': timestamp,
      'x-nekzus-signature': signature(delivery.secret, timestamp, delivery.body),
      'x-nekzus-event': delivery.eventType,
      'x-nekzus-delivery': delivery.eventId,
    },
  };
  // An address literal is never looked up, so it is checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && PRIVATE.matches(literal) && !delivery.allowPrivate)
    return Promise.resolve({
      ok: false,
      error: `${literal} is a private address (allow it with allowPrivateTarget and webhooks.allow_private_targets)`,
    });
  return new Promise((resolve) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status >= 200 && status < 300
          ? { ok: true, status }
          : { ok: false, status, error: `the receiver answered ${status}` },
      );
    });
    req.on('timeout', () => req.destroy(new Error('no answer within the timeout')));
    req.on('error', (error) => resolve({ ok: false, error: refused ?? error.message }));
    req.end(delivery.body);
  });
}

export function isPrivateAddress(address: string): boolean {
  return PRIVATE.matches(address);
}
