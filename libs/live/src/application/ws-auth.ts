import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '#libs/access';
import { numericCodeOf } from '#libs/http';
import { DomainError } from '#libs/kernel';
import type { WsAuthenticator } from './ws-hub';

/**
 * The first message's token: a device token, an administrator's token or an API key; with
 * none, the session cookie of the browser that opened the socket, else local-network trust
 * (Nekzus's anonymous "admin" — only where trust is on), else refused.
 */
export class AccessWsAuthenticator implements WsAuthenticator {
  constructor(private readonly authenticator: Authenticator) {}

  async authenticate(token: string, req: IncomingMessage) {
    try {
      if (token !== '')
        return { ok: true as const, principal: await this.authenticator.credential(token) };
      const session = await this.authenticator.sessionOf(req);
      if (session) return { ok: true as const, principal: session };
      if (this.authenticator.isTrusted(req))
        return {
          ok: true as const,
          principal: { kind: 'local' as const, address: this.authenticator.clientAddress(req) },
        };
      return { ok: false as const, error: { error: 'token required for external connections' } };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return {
        ok: false as const,
        error: { error: error.message, code: error.code, numericCode: numericCodeOf(error.code) },
      };
    }
  }
}
