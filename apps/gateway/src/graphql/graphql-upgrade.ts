import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { RateLimiter } from '#libs/http';
import { DispatchedWsAdapter, WsUpgradeGate } from '#libs/live';
import { GRAPHQL_PATH } from './graphql.module';
import { GraphqlWsServer } from './graphql-ws.server';

/** As `/api/v1/ws`: frames larger than this close the connection. */
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The `/graphql` branch of the gateway's upgrade dispatcher: the same gate as `/api/v1/ws`
 * (a rate limit per address, browsers only from the gateway's own origin or
 * `server.allowed_origins`) in front of the graphql-ws server.
 */
export function graphqlUpgrades(
  nest: INestApplicationContext,
  options: {
    limiter: RateLimiter;
    clientAddress: (req: IncomingMessage) => string;
    allowedOrigins: () => readonly string[];
  },
): { gate: WsUpgradeGate; close(): Promise<void> } {
  const sockets = new DispatchedWsAdapter(MAX_FRAME_BYTES);
  const server = nest.get(GraphqlWsServer);
  server.attach(sockets.create(0, { path: GRAPHQL_PATH }));
  return {
    gate: new WsUpgradeGate(
      sockets,
      options.limiter,
      options.clientAddress,
      options.allowedOrigins,
    ),
    close: () => server.onApplicationShutdown(),
  };
}
