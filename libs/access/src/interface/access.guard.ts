import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { PUBLIC_ENDPOINT, REQUIRED_SCOPE, setPrincipal, type Principal } from '#libs/http';
import { authorize, Authenticator } from '../application/authenticator';

/**
 * The one access policy of the control plane, registered globally: every handler needs an
 * administrator, or a device token / API key carrying the handler's `@RequireScope`,
 * unless it is `@Public()`. The principal it finds is kept on the request for the rate
 * limiter and for the actor of the events the request causes. REST handlers and GraphQL
 * resolvers (over HTTP and over the WebSocket) go through this one check.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const type = context.getType<string>();
    if (type !== 'http' && type !== 'graphql') return true;
    // A GraphQL resolver's third argument is the operation's context: the HTTP request, and
    // for a WebSocket operation the principal its connection authenticated as at init.
    const graphql =
      type === 'graphql'
        ? context.getArgByIndex<{ req: IncomingMessage; principal?: Principal }>(2)
        : undefined;
    const req = graphql ? graphql.req : context.switchToHttp().getRequest<IncomingMessage>();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ENDPOINT, targets)) {
      if (!graphql?.principal)
        setPrincipal(req, { kind: 'anonymous' }, this.authenticator.clientAddress(req));
      return true;
    }
    const principal = graphql?.principal ?? (await this.authenticator.authenticate(req));
    setPrincipal(req, principal, this.authenticator.clientAddress(req));
    authorize(principal, this.reflector.getAllAndOverride<string>(REQUIRED_SCOPE, targets));
    return true;
  }
}
