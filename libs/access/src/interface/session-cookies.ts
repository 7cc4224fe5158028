import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CSRF_COOKIE, SESSION_COOKIE } from '../application/authenticator';

function secure(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/** The session as an httpOnly, SameSite=Strict cookie, and the CSRF token as a readable one. */
export function setSessionCookies(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  csrfToken: string,
  maxAgeSeconds: number,
): void {
  const flags = `Path=/; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(req) ? '; Secure' : ''}`;
  res.setHeader('set-cookie', [
    `${SESSION_COOKIE}=${token}; HttpOnly; ${flags}`,
    `${CSRF_COOKIE}=${csrfToken}; ${flags}`,
  ]);
}

export function clearSessionCookies(req: IncomingMessage, res: ServerResponse): void {
  const flags = `Path=/; SameSite=Strict; Max-Age=0${secure(req) ? '; Secure' : ''}`;
  res.setHeader('set-cookie', [
    `${SESSION_COOKIE}=; HttpOnly; ${flags}`,
    `${CSRF_COOKIE}=; ${flags}`,
  ]);
}
