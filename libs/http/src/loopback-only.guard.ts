import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '#libs/kernel';
import type { IncomingMessage } from 'node:http';
import { isLoopback } from './request-context';

/**
 * Until authentication exists, state-changing and admin endpoints answer only callers on
 * this machine. The socket address decides, never a header.
 */
@Injectable()
export class LoopbackOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    if (isLoopback(req.socket.remoteAddress)) return true;
    throw new DomainError(
      'PERMISSION_DENIED',
      'forbidden',
      'this endpoint answers only callers on the gateway machine until authentication is set up',
    );
  }
}
