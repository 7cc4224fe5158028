import type { IncomingMessage } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { commandContextOf, type Principal } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import type { Loaders } from './loaders';

/**
 * What every resolver receives as its context: the HTTP request (a POST to /graphql, or the
 * upgrade request of the WebSocket), and for WebSocket operations the principal the
 * connection authenticated as in `connection_init`. The access guard reads both.
 */
export interface GraphqlContext {
  req: IncomingMessage;
  principal?: Principal;
  /** Per-operation batching of read-model lookups; made on first use. */
  loaders?: Loaders;
}

export function graphqlContextOf(context: ExecutionContext): GraphqlContext {
  return GqlExecutionContext.create(context).getContext<GraphqlContext>();
}

/** `@GqlCommandContext() ctx: CommandContext`: who acts, from where, with which correlation id. */
export const GqlCommandContext = createParamDecorator(
  (_: unknown, context: ExecutionContext): CommandContext =>
    commandContextOf(graphqlContextOf(context).req),
);

/** `@GqlRequest() req`: the request behind the operation (for the base URL of app links). */
export const GqlRequest = createParamDecorator(
  (_: unknown, context: ExecutionContext): IncomingMessage => graphqlContextOf(context).req,
);
