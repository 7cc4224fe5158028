import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  ACCESS_CLOCK,
  ACCESS_DIRECTORY,
  AccessModule,
  Authenticator,
  DEVICE_REGISTRY,
  JWT_TOKENS,
  type JwtTokens,
} from '#libs/access';
import { ActivityModule } from '#libs/activity';
import { AuditModule } from '#libs/audit';
import { EVENT_STORE } from '#libs/event-store';
import { ConfigModule, LiveConfig } from '#libs/config';
import { ErrorFilter, RATE_LIMITS, type RateLimits } from '#libs/http';
import { LiveModule, WsHub } from '#libs/live';
import { DiscoveryModule, PROPOSAL_DIRECTORY } from '#libs/discovery';
import {
  DEVICE_DIRECTORY,
  PAIRING_CODES,
  PAIRING_SETTINGS,
  PairingModule,
  type PairingSettings,
} from '#libs/pairing';
import { PROJECTION_RUNNER, READ_MODEL_DATABASE } from '#libs/projections';
import { HealthModule, ServiceHealth } from '#libs/health';
import { GatewayMetrics, MetricsModule } from '#libs/metrics';
import { WEBHOOK_DIRECTORY, WEBHOOK_SECRETS, WebhooksModule } from '#libs/webhooks';
import { DEPLOYMENT_DIRECTORY, ToolboxModule } from '#libs/toolbox';
import { CONSISTENCY, RouteTable, RoutingModule } from '#libs/routing';
import type { Infrastructure } from './composition';
import { HealthController } from './health.controller';
import { GraphqlApiModule } from './graphql/graphql.module';
import { StatsModule } from './stats/stats.module';
import { GATEWAY_VERSION } from './version';

/** What the composition root builds besides the stores: the running config and the access machinery. */
export interface Services {
  live: LiveConfig;
  tokens: JwtTokens;
  authenticator: Authenticator;
  rateLimits: RateLimits;
  pairing: PairingSettings;
  clock: () => number;
  hub: WsHub;
  health: ServiceHealth;
  metrics: GatewayMetrics;
  /** ENVIRONMENT is development, dev or test (GraphQL introspection is on). */
  devMode: boolean;
}

/** Hands the opened infrastructure to every context module. */
@Global()
@Module({})
class InfrastructureModule {
  static register(infra: Infrastructure, services: Services): DynamicModule {
    const providers = [
      { provide: EVENT_STORE, useValue: infra.store },
      { provide: READ_MODEL_DATABASE, useValue: infra.readModels },
      { provide: PROJECTION_RUNNER, useValue: infra.runner },
      { provide: CONSISTENCY, useValue: infra.runner },
      { provide: RouteTable, useValue: infra.routeTable },
      { provide: ACCESS_DIRECTORY, useValue: infra.access },
      { provide: DEVICE_DIRECTORY, useValue: infra.devices },
      { provide: DEVICE_REGISTRY, useValue: infra.devices },
      { provide: PAIRING_CODES, useValue: infra.pairingCodes },
      { provide: PROPOSAL_DIRECTORY, useValue: infra.proposals },
      { provide: LiveConfig, useValue: services.live },
      { provide: JWT_TOKENS, useValue: services.tokens },
      { provide: Authenticator, useValue: services.authenticator },
      { provide: RATE_LIMITS, useValue: services.rateLimits },
      { provide: PAIRING_SETTINGS, useValue: services.pairing },
      { provide: ACCESS_CLOCK, useValue: services.clock },
      { provide: WsHub, useValue: services.hub },
      { provide: ServiceHealth, useValue: services.health },
      { provide: GatewayMetrics, useValue: services.metrics },
      { provide: WEBHOOK_DIRECTORY, useValue: infra.webhooks },
      { provide: DEPLOYMENT_DIRECTORY, useValue: infra.deployments },
      {
        provide: WEBHOOK_SECRETS,
        useValue: (id: string) => services.tokens.hmac(`webhook-secret:${id}`, 'base64url'),
      },
    ];
    return { module: InfrastructureModule, providers, exports: providers.map((p) => p.provide) };
  }
}

@Module({})
export class AppModule {
  static register(infra: Infrastructure, services: Services): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfrastructureModule.register(infra, services),
        AccessModule,
        PairingModule,
        LiveModule,
        DiscoveryModule,
        RoutingModule,
        ConfigModule,
        AuditModule.register({
          dataDir: infra.dataDir,
          clock: services.clock,
          ...(infra.log.kind === 'sqlite'
            ? { eventsFile: infra.log.path }
            : { store: infra.log.store }),
        }),
        HealthModule,
        ActivityModule,
        StatsModule.register({ startedAt: services.clock(), version: GATEWAY_VERSION }),
        WebhooksModule,
        ToolboxModule.register({
          dataDir: infra.dataDir,
          baseUrl: () => services.pairing.baseUrl,
        }),
        MetricsModule.register(services.live.current.metrics.path),
        GraphqlApiModule.register({
          devMode: services.devMode,
          config: services.live.current.graphql,
        }),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
