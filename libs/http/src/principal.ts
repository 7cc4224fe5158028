import type { IncomingMessage } from 'node:http';

/**
 * Who is calling, decided once per request by the access guard (or the data plane) from the
 * credentials presented and the client address; every later check reads it from here.
 */
export type Principal =
  | { kind: 'anonymous' }
  /** Trusted by `auth.local_network_trust` without credentials; acts as an administrator. */
  | { kind: 'local'; address: string }
  | { kind: 'admin'; username: string; sessionId: string; via: 'cookie' | 'bearer' }
  | { kind: 'device'; deviceId: string; scopes: readonly string[]; tokenId: string }
  | { kind: 'apikey'; keyId: string; scopes: readonly string[] };

const PRINCIPAL = Symbol('nekzus.principal');
const ADDRESS = Symbol('nekzus.callerAddress');

type Holder = IncomingMessage & { [PRINCIPAL]?: Principal; [ADDRESS]?: string };

export function principalOf(req: IncomingMessage): Principal {
  return (req as Holder)[PRINCIPAL] ?? { kind: 'anonymous' };
}

export function setPrincipal(req: IncomingMessage, principal: Principal, address?: string): void {
  (req as Holder)[PRINCIPAL] = principal;
  if (address !== undefined) (req as Holder)[ADDRESS] = address;
}

/** The caller's address as the access guard judged it (trusted proxies applied), else the socket peer. */
export function callerAddressOf(req: IncomingMessage): string | undefined {
  return (req as Holder)[ADDRESS] ?? req.socket?.remoteAddress;
}

/** Who an event's metadata names as the actor of a request. */
export function actorOf(principal: Principal): {
  kind: 'admin' | 'device' | 'apikey' | 'anonymous';
  id: string;
} {
  switch (principal.kind) {
    case 'admin':
      return { kind: 'admin', id: principal.username };
    case 'local':
      return { kind: 'admin', id: 'local' };
    case 'device':
      return { kind: 'device', id: principal.deviceId };
    case 'apikey':
      return { kind: 'apikey', id: principal.keyId };
    case 'anonymous':
      return { kind: 'anonymous', id: 'anonymous' };
  }
}

/** A stable key for per-identity limits and logs, or undefined for anonymous callers. */
export function identityKeyOf(principal: Principal): string | undefined {
  switch (principal.kind) {
    case 'anonymous':
    case 'local':
      return undefined;
    case 'admin':
      return `admin:${principal.username}`;
    case 'device':
      return `device:${principal.deviceId}`;
    case 'apikey':
      return `apikey:${principal.keyId}`;
  }
}
