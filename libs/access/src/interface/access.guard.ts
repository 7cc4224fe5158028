import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { PUBLIC_ENDPOINT, REQUIRED_SCOPE, setPrincipal } from '#libs/http';
import { authorize, Authenticator } from '../application/authenticator';

/**
 * The one access policy of the control plane, registered globally: every handler needs an
 * administrator, or a device token / API key carrying the handler's `@RequireScope`,
 * unless it is `@Public()`. The principal it finds is kept on the request for the rate
 * limiter and for the actor of the events the request causes.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ENDPOINT, targets)) {
      setPrincipal(req, { kind: 'anonymous' }, this.authenticator.clientAddress(req));
      return true;
    }
    const principal = await this.authenticator.authenticate(req);
    setPrincipal(req, principal, this.authenticator.clientAddress(req));
    authorize(principal, this.reflector.getAllAndOverride<string>(REQUIRED_SCOPE, targets));
    return true;
  }
}
