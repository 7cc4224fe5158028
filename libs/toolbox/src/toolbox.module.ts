import { resolve } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { durationMs, LiveConfig } from '#libs/config';
import { DiscoveryModule } from '#libs/discovery';
import { WsHub } from '#libs/live';
import { PROJECTION_RUNNER, type ProjectionRunner } from '#libs/projections';
import { TOOLBOX_CATALOG } from './application/catalog';
import { ToolboxAutoRouter } from './application/auto-router';
import type { SecretBox } from './application/ports';
import {
  COMPOSE_ENGINE,
  messageOf,
  PROGRESS_SINK,
  SECRET_BOX,
  TOOLBOX_SETTINGS,
  ToolboxService,
  type ProgressSink,
  type ToolboxSettings,
} from './application/toolbox.service';
import { DirectoryCatalog } from './infrastructure/catalog-loader';
import { DockerComposeEngine } from './infrastructure/docker-compose.engine';
import { FileSecretBox } from './infrastructure/secret-box';
import { ToolboxController } from './interface/toolbox.controller';
import { CONTAINER_RUNTIME, ContainersService } from './application/containers.service';
import { DockerContainerRuntime } from './infrastructure/container-runtime';
import { ContainerLogStreams } from './infrastructure/container-logs';
import { ContainersController } from './interface/containers.controller';

export interface ToolboxModuleOptions {
  dataDir: string;
  /** The gateway's public URL (BASE_URL in templates). */
  baseUrl: () => string;
}

/** Once the log is replayed: interrupted deployments are cleaned up, auto-routing starts. */
@Injectable()
class ToolboxStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('toolbox');

  constructor(
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    private readonly toolbox: ToolboxService,
    private readonly router: ToolboxAutoRouter,
  ) {}

  onApplicationBootstrap(): void {
    this.runner
      .ready()
      .then(async () => {
        await this.toolbox.recover();
        this.router.start();
      })
      .catch((error: unknown) =>
        this.logger.error(`recovering interrupted deployments failed: ${messageOf(error)}`),
      );
  }
}

/**
 * The toolbox. Expects EVENT_STORE, DEPLOYMENT_DIRECTORY, PROPOSAL_DIRECTORY,
 * PROJECTION_RUNNER, LiveConfig and WsHub from the composition root.
 */
@Module({})
export class ToolboxModule {
  static register(options: ToolboxModuleOptions): DynamicModule {
    return {
      module: ToolboxModule,
      imports: [DiscoveryModule, CqrsModule],
      controllers: [ToolboxController, ContainersController],
      providers: [
        ToolboxService,
        ContainersService,
        {
          // Container logs over /api/v1/ws (contract A §6.5).
          provide: ContainerLogStreams,
          inject: [CONTAINER_RUNTIME, WsHub],
          useFactory: (runtime: DockerContainerRuntime, hub: WsHub) => {
            const logs = new ContainerLogStreams(() => runtime.engine());
            hub.handle('container.logs.subscribe', (session, data) =>
              logs.subscribe(session, data),
            );
            hub.handle('container.logs.unsubscribe', (session, data) =>
              logs.unsubscribe(session, data),
            );
            return logs;
          },
        },
        {
          provide: CONTAINER_RUNTIME,
          inject: [LiveConfig],
          useFactory: (live: LiveConfig) =>
            new DockerContainerRuntime(() => live.current.discovery.docker.socket_path),
        },
        ToolboxAutoRouter,
        ToolboxStartup,
        {
          provide: TOOLBOX_SETTINGS,
          inject: [LiveConfig],
          useFactory: (live: LiveConfig): ToolboxSettings => ({
            enabled: () => live.current.toolbox.enabled,
            bindAddress: () => live.current.toolbox.bind_address,
            autoRoute: () => live.current.toolbox.auto_route,
            deployTimeoutMs: () => durationMs(live.current.toolbox.deploy_timeout),
            baseUrl: options.baseUrl,
          }),
        },
        {
          provide: TOOLBOX_CATALOG,
          inject: [LiveConfig],
          useFactory: (live: LiveConfig) =>
            new DirectoryCatalog(() => live.current.toolbox.catalog_dir),
        },
        {
          provide: COMPOSE_ENGINE,
          inject: [LiveConfig],
          useFactory: (live: LiveConfig) => {
            const local = resolve(live.current.toolbox.data_dir);
            return new DockerComposeEngine({
              socketPath: live.current.discovery.docker.socket_path,
              localDataDir: local,
              hostDataDir: live.current.toolbox.host_data_dir || local,
            });
          },
        },
        {
          provide: SECRET_BOX,
          inject: [LiveConfig],
          useFactory: (live: LiveConfig): SecretBox => {
            // The key file is made only when the toolbox is on.
            let box: FileSecretBox | undefined;
            const get = () => {
              if (!live.current.toolbox.enabled) throw new Error('the toolbox is off');
              return (box ??= new FileSecretBox(options.dataDir));
            };
            return {
              seal: (values, context) => get().seal(values, context),
              open: (sealed, context) => get().open(sealed, context),
            };
          },
        },
        {
          provide: PROGRESS_SINK,
          inject: [WsHub],
          useFactory:
            (hub: WsHub): ProgressSink =>
            (type, data, topic) =>
              hub.broadcast(type, data, topic),
        },
      ],
      exports: [ToolboxService],
    };
  }
}
