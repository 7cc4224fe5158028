import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CommandContext } from '#libs/kernel';
import type { IncomingMessage } from 'node:http';
import { actorOf, callerAddressOf, principalOf } from './principal';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ID_KEY = Symbol('nekzus.requestId');

/** The request's id: the caller's `X-Request-Id` when it is sane, otherwise a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const holder = req as IncomingMessage & { [ID_KEY]?: string };
  let id = holder[ID_KEY];
  if (!id) {
    const given = req.headers['x-request-id'];
    id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    holder[ID_KEY] = id;
  }
  return id;
}

/** Builds the metadata of the events a request causes: who (from the access guard's principal) and from where. */
export function commandContextOf(req: IncomingMessage): CommandContext {
  const ip = callerAddressOf(req);
  return {
    correlationId: requestIdOf(req),
    actor: actorOf(principalOf(req)),
    ...(ip ? { sourceIp: ip } : {}),
  };
}

/** `@Ctx() ctx: CommandContext` in a controller handler. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext =>
  commandContextOf(context.switchToHttp().getRequest<IncomingMessage>()),
);
