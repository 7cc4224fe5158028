import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CSRF_COOKIE, SESSION_COOKIE } from '../application/authenticator';

function secure(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * `; Domain=<base domain>` when the portal is reached on `server.base_domain` (or under it),
 * so the session also opens apps routed to `<app>.<base domain>`; nothing otherwise (a gateway
 * reached by address keeps a host-only cookie).
 */
function domainOf(req: IncomingMessage, baseDomain: string): string {
  const base = baseDomain
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\.+|\.+$/g, '');
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!base || !host || (host !== base && !host.endsWith(`.${base}`))) return '';
  return `; Domain=${base}`;
}

/** The session as an httpOnly, SameSite=Strict cookie, and the CSRF token as a readable one. */
export function setSessionCookies(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  csrfToken: string,
  maxAgeSeconds: number,
  baseDomain = '',
): void {
  const flags = `Path=/; SameSite=Strict; Max-Age=${maxAgeSeconds}${domainOf(req, baseDomain)}${secure(req) ? '; Secure' : ''}`;
  res.setHeader('set-cookie', [
    `${SESSION_COOKIE}=${token}; HttpOnly; ${flags}`,
    `${CSRF_COOKIE}=${csrfToken}; ${flags}`,
  ]);
}

export function clearSessionCookies(
  req: IncomingMessage,
  res: ServerResponse,
  baseDomain = '',
): void {
  const flags = `Path=/; SameSite=Strict; Max-Age=0${domainOf(req, baseDomain)}${secure(req) ? '; Secure' : ''}`;
  res.setHeader('set-cookie', [
    `${SESSION_COOKIE}=; HttpOnly; ${flags}`,
    `${CSRF_COOKIE}=; ${flags}`,
  ]);
}
