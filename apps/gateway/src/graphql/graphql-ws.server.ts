import type { IncomingMessage } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
} from './graphql-js';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import {
  ACCESS_DIRECTORY,
  Authenticator,
  type AccessDirectory,
  type Revocation,
} from '#libs/access';
import { DEVICE_DIRECTORY, type DeviceDirectory } from '#libs/pairing';
import { setPrincipal, type Principal } from '#libs/http';
import { DomainError } from '#libs/kernel';
import type { GraphqlContext } from './graphql-context';
import { formatGraphqlError, isInternal } from './graphql-errors';
import { limitRules, type QueryLimits } from './query-limits';

export const GRAPHQL_LIMITS = Symbol('GRAPHQL_LIMITS');

/** graphql-ws close codes: 4401 unauthorized, 4403 forbidden (as graphql-ws uses them). */
const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;

type Params = Record<string, unknown> | undefined;
type ConnectionContext = Context<Params, Extra>;

/** The credential sent in `connection_init`: `authorization` (Bearer), `token` or `apiKey`. */
function credentialOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const pick = (key: string) => {
    const value = params[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const authorization = pick('authorization') ?? pick('Authorization');
  if (authorization) return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? authorization;
  return pick('token') ?? pick('apiKey') ?? pick('x-api-key');
}

/** A close reason fits in 123 bytes. */
function reason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : `${text.slice(0, 110)}…`;
}

/**
 * GraphQL over graphql-ws on `/graphql`, on the gateway's one port: the gateway's upgrade
 * dispatcher hands it the sockets (after the origin check and rate limit), it authenticates
 * each connection in `connection_init` with the same Authenticator as REST (device token,
 * admin sign-in token or session cookie, API key, local-network trust), and it closes the
 * connections a revocation withdrew — ending their subscriptions — as soon as it is applied.
 * Operations run on the schema Nest built, so the access guard and the scopes apply as over
 * HTTP, with the same query limits.
 */
@Injectable()
export class GraphqlWsServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('graphql-ws');
  private readonly principals = new Map<WebSocket, Principal>();
  private readonly unsubscribe: (() => void)[] = [];
  private dispose: (() => Promise<void>) | undefined;

  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(DEVICE_DIRECTORY) private readonly devices: DeviceDirectory,
    @Inject(ACCESS_DIRECTORY) private readonly access: AccessDirectory,
    @Inject(GRAPHQL_LIMITS) private readonly limits: QueryLimits,
  ) {}

  onModuleInit(): void {
    const revoke = (r: Revocation) => this.revoke(r);
    this.unsubscribe.push(this.devices.onRevocation(revoke), this.access.onRevocation(revoke));
  }

  /** Serves graphql-ws on `wss`, a server without its own listener (`noServer`). */
  attach(wss: WebSocketServer): void {
    const rules = [...specifiedRules, ...limitRules(this.limits)];
    const server = useServer<Params>(
      {
        isProd: true,
        onConnect: (ctx) => this.connect(ctx),
        onClose: (ctx) => {
          this.principals.delete(ctx.extra.socket);
        },
        onSubscribe: (ctx, _id, payload) => {
          let document: DocumentNode;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [coded(error, 'GRAPHQL_PARSE_FAILED')];
          }
          const schema = this.schemaHost.schema;
          const errors = validate(schema, document, rules);
          if (errors.length > 0) return errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
          return {
            schema,
            document,
            ...(payload.operationName ? { operationName: payload.operationName } : {}),
            ...(payload.variables ? { variableValues: payload.variables } : {}),
            contextValue: this.operationContext(ctx),
          };
        },
        onError: (_ctx, _id, _payload, errors) => errors.map((e) => this.format(e)),
        onNext: (_ctx, _id, _payload, _args, result: ExecutionResult) =>
          result.errors
            ? { ...result, errors: result.errors.map((e) => this.format(e)) }
            : undefined,
      },
      wss,
    );
    wss.on('error', (error) => this.logger.error(`WebSocket server: ${String(error)}`));
    this.dispose = async () => {
      await server.dispose();
    };
  }

  private format(error: GraphQLError): GraphQLFormattedError {
    const formatted = formatGraphqlError(error.toJSON(), error);
    if (isInternal(formatted))
      this.logger.error({
        msg: 'GraphQL operation failed',
        err: error.originalError?.stack ?? error.message,
      });
    return formatted;
  }

  /**
   * Each operation gets its own request object over the upgrade request, so it has its own
   * request id (the correlation id of the events it causes) while reading the headers, the
   * address and the principal of the connection.
   */
  private operationContext(ctx: ConnectionContext): GraphqlContext {
    const req = Object.create(ctx.extra.request) as IncomingMessage;
    const principal = this.principals.get(ctx.extra.socket);
    return { req, ...(principal ? { principal } : {}) };
  }

  private async connect(ctx: ConnectionContext): Promise<boolean> {
    const { socket, request } = ctx.extra;
    try {
      const principal = await this.principalOf(credentialOf(ctx.connectionParams), request);
      if (!principal) {
        socket.close(
          UNAUTHORIZED,
          'AUTH_REQUIRED: send a token or API key in connection_init (authorization, token or apiKey)',
        );
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false;
      setPrincipal(request, principal, this.authenticator.clientAddress(request));
      this.principals.set(socket, principal);
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      socket.close(
        error.kind === 'forbidden' ? FORBIDDEN : UNAUTHORIZED,
        reason(`${error.code}: ${error.message}`),
      );
      return false;
    }
  }

  /** As the `/api/v1/ws` protocol: a credential, else the session cookie, else local trust. */
  private async principalOf(
    credential: string | undefined,
    req: IncomingMessage,
  ): Promise<Principal | undefined> {
    if (credential !== undefined) return this.authenticator.credential(credential);
    const session = await this.authenticator.sessionOf(req);
    if (session) return session;
    if (this.authenticator.isTrusted(req))
      return { kind: 'local', address: this.authenticator.clientAddress(req) };
    return undefined;
  }

  /** Closes the connections a revocation withdrew; their subscriptions end with them. */
  revoke(revocation: Revocation): void {
    for (const [socket, p] of [...this.principals]) {
      const hit =
        (revocation.kind === 'device' &&
          p.kind === 'device' &&
          p.deviceId === revocation.deviceId) ||
        (revocation.kind === 'session' &&
          p.kind === 'admin' &&
          p.sessionId === revocation.sessionId) ||
        (revocation.kind === 'apikey' && p.kind === 'apikey' && p.keyId === revocation.keyId);
      if (!hit) continue;
      this.principals.delete(socket);
      socket.close(
        FORBIDDEN,
        revocation.kind === 'device'
          ? 'DEVICE_REVOKED: this device has been revoked'
          : revocation.kind === 'session'
            ? 'TOKEN_REVOKED: signed out'
            : 'TOKEN_REVOKED: API key revoked',
      );
    }
  }

  /** Open connections, for tests and metrics. */
  get connections(): number {
    return this.principals.size;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    await this.dispose?.();
    this.dispose = undefined;
  }
}

function coded(error: unknown, code: string): GraphQLError {
  const graphql =
    error instanceof GraphQLError ? error : new GraphQLError(String(error), { extensions: {} });
  if (graphql.extensions['code'] !== undefined) return graphql;
  return new GraphQLError(graphql.message, {
    ...(graphql.nodes ? { nodes: graphql.nodes } : {}),
    ...(graphql.source ? { source: graphql.source } : {}),
    ...(graphql.positions ? { positions: graphql.positions } : {}),
    extensions: { ...graphql.extensions, code },
  });
}
