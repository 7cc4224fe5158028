import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { ConfigApplier, ConfigWatcher, type ApplyOutcome } from '#libs/config';
import { AppModule } from './app.module';
import { openInfrastructure, paths, type Infrastructure } from './composition';
import { DataPlane, refuseUpgrade } from './data-plane';
import { PinoNestLogger } from './logger';
import type { GatewaySettings } from './settings';

export interface RunningGateway {
  server: Server;
  infra: Infrastructure;
  /** Base URL the gateway answers on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Settles once the projections caught up and the config's routes and apps were applied. */
  configApplied: Promise<ApplyOutcome>;
  /** Re-reads and applies the config file now (as a file change or SIGHUP would). */
  reloadConfig(): Promise<ApplyOutcome | undefined>;
  /** Stops accepting, lets in-flight requests finish, then closes the stores. */
  close(): Promise<void>;
}

/**
 * Starts both planes on one port: a plain node:http listener sends `/apps/*` to the data
 * plane and everything else to NestJS (the control plane).
 */
export async function startGateway(
  settings: GatewaySettings,
  logger: Logger,
): Promise<RunningGateway> {
  const infra = await openInfrastructure(settings.dataDir, {
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  });
  infra.runner.start();

  const nest = await NestFactory.create<NestExpressApplication>(
    AppModule.register(infra),
    new ExpressAdapter(),
    {
      bodyParser: false,
      logger: new PinoNestLogger(logger.child({ plane: 'control' })),
      abortOnError: false,
    },
  );
  nest.useBodyParser('json', { limit: settings.bodyLimit });
  (nest.getHttpAdapter().getInstance() as { disable(s: string): void }).disable('x-powered-by');
  await nest.init();
  const control = nest.getHttpAdapter().getInstance() as (req: unknown, res: unknown) => void;
  const dataPlane = new DataPlane(infra.routeTable);

  const server = createServer(
    { requestTimeout: 0, headersTimeout: 10_000, keepAliveTimeout: 65_000 },
    (req, res) => {
      if (dataPlane.handles(req.url)) dataPlane.handle(req, res);
      else control(req, res);
    },
  );
  // One owner for every upgrade on this port; paths nobody serves get a real 404.
  server.on('upgrade', (req, socket) => {
    socket.on('error', () => socket.destroy());
    if (dataPlane.handles(req.url)) dataPlane.handleUpgrade(req, socket);
    else refuseUpgrade(socket, 404, `no WebSocket endpoint at ${req.url ?? '/'}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  const applier = nest.get(ConfigApplier);
  const source = settings.configPath ?? 'defaults';
  const watcher = settings.configPath
    ? new ConfigWatcher(
        settings.configPath,
        applier,
        settings.config,
        settings.sources,
        (outcome, trigger) =>
          logger.info({ trigger, ...outcome }, `config reload: ${outcome.status}`),
      )
    : undefined;
  const configApplied = infra.runner.ready().then(async () => {
    const outcome = await applier.apply(settings.config, source);
    watcher?.start();
    const head = await infra.store.headPosition();
    logger.info(
      { events: Number(head), routes: infra.routeTable.size, config: outcome.status },
      'projections caught up, config applied; ready',
    );
    return outcome;
  });
  configApplied.catch((error: unknown) =>
    logger.error(
      { err: error instanceof Error ? error.message : String(error) },
      'applying the config failed',
    ),
  );

  let closing: Promise<void> | undefined;
  return {
    server,
    infra,
    url,
    configApplied,
    reloadConfig: () => (watcher ? watcher.reload('request') : Promise.resolve(undefined)),
    close() {
      closing ??= (async () => {
        watcher?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await nest.close();
        await infra.close();
      })();
      return closing;
    },
  };
}

export function describeStart(settings: GatewaySettings, url: string): string[] {
  const p = paths(settings.dataDir);
  return [
    `Nekzus gateway listening on ${settings.host ? url : `http://0.0.0.0:${new URL(url).port} (all interfaces; this machine: ${url})`}`,
    `data directory ${settings.dataDir} (events: ${p.events}, read models: ${p.readModels})`,
  ];
}
