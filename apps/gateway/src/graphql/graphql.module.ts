import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import { ActivityModule } from '#libs/activity';
import { DiscoveryModule } from '#libs/discovery';
import { AccessResolver } from './access.resolver';
import { DiscoveryResolver } from './discovery.resolver';
import type { GraphqlContext } from './graphql-context';
import { formatGraphqlError } from './graphql-errors';
import { GRAPHQL_LIMITS, GraphqlWsServer } from './graphql-ws.server';
import { MonitoringResolver } from './monitoring.resolver';
import { limitRules, type QueryLimits } from './query-limits';
import { AppsResolver, RoutesResolver } from './routing.resolver';
import { SubscriptionsResolver } from './subscriptions.resolver';

export const GRAPHQL_PATH = '/graphql';

/** Every resolver class: the gateway's schema, and `nekzus graphql schema`, are built from these. */
export const GRAPHQL_RESOLVERS = [
  RoutesResolver,
  AppsResolver,
  DiscoveryResolver,
  AccessResolver,
  MonitoringResolver,
  SubscriptionsResolver,
];

export interface GraphqlOptions {
  /** ENVIRONMENT is development, dev or test: introspection is answered whatever the config. */
  devMode: boolean;
  config: { introspection: boolean; max_depth: number; max_cost: number };
}

export function queryLimitsOf(options: GraphqlOptions): QueryLimits {
  return {
    maxDepth: options.config.max_depth,
    maxCost: options.config.max_cost,
    introspection: options.devMode || options.config.introspection,
  };
}

/**
 * GraphQL at `/graphql`, code-first: queries and mutations over HTTP (Apollo, mounted on the
 * control plane's Express), and everything over graphql-ws through `GraphqlWsServer`, which
 * the gateway's upgrade dispatcher feeds — Apollo installs no upgrade handling of its own.
 * Resolvers are thin: they call the commands, queries and services the REST controllers
 * call, behind the same global access guard.
 */
@Module({})
export class GraphqlApiModule {
  static register(options: GraphqlOptions): DynamicModule {
    const limits = queryLimitsOf(options);
    return {
      module: GraphqlApiModule,
      imports: [
        CqrsModule,
        DiscoveryModule,
        ActivityModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          graphiql: false,
          // Our own validation rule refuses introspection, with a clear code, on both transports.
          introspection: true,
          includeStacktraceInErrorResponses: false,
          validationRules: limitRules(limits),
          formatError: formatGraphqlError,
          context: ({ req }: { req: Request }): GraphqlContext => ({ req }),
          stopOnTerminationSignals: false,
        }),
      ],
      providers: [
        ...GRAPHQL_RESOLVERS,
        GraphqlWsServer,
        { provide: GRAPHQL_LIMITS, useValue: limits },
      ],
      exports: [GraphqlWsServer],
    };
  }
}
