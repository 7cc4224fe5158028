import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import {
  type AccessDirectory,
  Authenticator,
  JwtTokens,
  loadJwtSecret,
  NetworkPolicy,
} from '#libs/access';
import {
  ConfigApplier,
  ConfigWatcher,
  LiveConfig,
  durationMs,
  type ApplyOutcome,
  type NekzusConfig,
} from '#libs/config';
import { RateLimiter, type RateLimitRule } from '#libs/http';
import {
  AccessWsAuthenticator,
  DEFAULT_HUB_SETTINGS,
  DispatchedWsAdapter,
  EventNotifier,
  WsHub,
  WsUpgradeGate,
} from '#libs/live';
import { DevicePresenceStore, ensureInstanceId } from '#libs/pairing';
import { DiscoveryService, DockerSource, KubernetesSource, MdnsSource } from '#libs/discovery';
import { headHashLine, streamHeadsLine } from '#libs/audit';
import {
  HealthChecker,
  HealthRecorder,
  HttpProber,
  ServiceHealth,
  type CheckerOptions,
} from '#libs/health';
import { GatewayMetrics } from '#libs/metrics';
import { DEFAULT_DELIVERY, Deliverer, type DelivererOptions } from '#libs/webhooks';
import { loadTlsMaterial, tlsServerOptions, type TlsMaterial } from '#libs/tls';
import { AppModule, type Services } from './app.module';
import { openInfrastructure, paths, type Infrastructure } from './composition';
import { DataPlane, LATENCY_BUCKETS_MS, refuseUpgrade } from './data-plane';
import { graphqlUpgrades } from './graphql/graphql-upgrade';
import { PinoNestLogger } from './logger';
import { openStaticUi } from './static-ui';
import type { GatewaySettings } from './settings';
import { GATEWAY_VERSION } from './version';

export interface RunningGateway {
  server: Server;
  infra: Infrastructure;
  /** Base URL the gateway answers on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The URL phones are given in QR codes (server.base_url, else detected). */
  baseUrl: string;
  /** The proxy, for its per-route counters. */
  dataPlane: DataPlane;
  /** The certificate served, when HTTPS is on. */
  tls: TlsMaterial | undefined;
  nekzusId: string;
  /** Where the JWT secret came from (never the secret itself). */
  secretSource: string;
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
  options: {
    clock?: () => number;
    websocket?: Partial<typeof DEFAULT_HUB_SETTINGS>;
    /** Health-check scheduling (tests use a short tick). */
    health?: Partial<CheckerOptions>;
    /** Webhook retry and pause timing (tests use short ones). */
    webhooks?: Partial<Pick<DelivererOptions, 'baseBackoffMs' | 'maxBackoffMs' | 'pauseAfterMs'>>;
  } = {},
): Promise<RunningGateway> {
  const clock = options.clock ?? Date.now;
  const infra = await openInfrastructure(
    settings.dataDir,
    {
      info: (msg, fields) => logger.info(fields ?? {}, msg),
      error: (msg, fields) => logger.error(fields ?? {}, msg),
    },
    {
      eventsPath: settings.storage.eventsPath,
      readModelsPath: settings.storage.readModelsPath,
      ...(settings.storage.eventStore === 'kurrentdb' && settings.storage.kurrentdbUrl
        ? { kurrentdb: settings.storage.kurrentdbUrl }
        : {}),
    },
  );
  infra.runner.start();
  const config = settings.config;
  const tls = await loadTlsMaterial({
    mode: config.server.tls,
    certFile: config.server.tls_cert,
    keyFile: config.server.tls_key,
    dataDir: settings.dataDir,
  });
  const secret = loadJwtSecret({
    configured: config.auth.hs256_secret,
    dataDir: settings.dataDir,
    devMode: settings.devMode,
  });
  const nekzusId = await ensureInstanceId(infra.store);
  const live = new LiveConfig(config);
  const network = new NetworkPolicy(config);
  const limiter = new RateLimiter(rateRules(config));
  live.onChange((next) => {
    network.update(next);
    limiter.reconfigure(rateRules(next));
  });
  const tokens = new JwtTokens(secret.key, config.auth.issuer, config.auth.audience, clock);
  const authenticator = new Authenticator(tokens, infra.access, infra.devices, network, clock);
  const hub = new WsHub(new AccessWsAuthenticator(authenticator), {
    ...DEFAULT_HUB_SETTINGS,
    ...options.websocket,
    nekzusId,
    version: GATEWAY_VERSION,
  });
  // Revocations close open WebSockets as soon as the event is applied.
  infra.devices.onRevocation((r) => hub.revoke(r));
  infra.access.onRevocation((r) => hub.revoke(r));
  const deliverer = new Deliverer(infra.store, infra.webhooks, {
    ...DEFAULT_DELIVERY,
    ...options.webhooks,
    allowPrivateTargets: () => live.current.webhooks.allow_private_targets,
    secretOf: (id) => tokens.hmac(`webhook-secret:${id}`, 'base64url'),
    logger: { warn: (msg) => logger.warn({ component: 'webhooks' }, msg) },
  });
  const notifier = new EventNotifier(hub);
  notifier.start(infra.store);
  const checker = new HealthChecker(
    {
      projection: infra.health,
      config: () => live.current,
      prober: new HttpProber(`Nekzus-HealthCheck/${GATEWAY_VERSION}`),
      recorder: new HealthRecorder(infra.store),
      clock,
      random: Math.random,
      warn: (msg, fields) => logger.warn(fields, msg),
    },
    options.health,
  );
  const health = new ServiceHealth(infra.health, checker, () => live.current);
  const metrics = new GatewayMetrics(
    {
      proxy: () => dataPlane.metrics.snapshot(),
      proxyLatencyBucketsMs: LATENCY_BUCKETS_MS,
      eventStoreHead: () => infra.store.headPosition(),
      projections: () => infra.runner.status(),
      websocket: () => hub.stats(),
      health: () => health.statuses(),
      proposals: () =>
        infra.proposals.list().map((p) => ({ source: p.service.source, state: p.status })),
      webhookSubscriptions: () => infra.webhooks.list(),
    },
    { version: GATEWAY_VERSION },
  );
  metrics.start(infra.store);
  if (infra.log.kind === 'sqlite')
    infra.log.store.observeAppends((seconds, outcome) => metrics.observeAppend(seconds, outcome));
  checker.onProbe((appId, ok, latencyMs) => metrics.observeProbe(appId, ok, latencyMs));
  const scheme = tls ? 'https' : 'http';
  const baseUrl = config.server.base_url || detectBaseUrl(scheme, settings.port);
  const services: Services = {
    live,
    tokens,
    authenticator,
    rateLimits: { limiter, clientAddress: (req) => network.clientAddress(req) },
    pairing: {
      nekzusId,
      name: `Nekzus @ ${hostname() || 'Nexus'}`,
      baseUrl,
      spkiPins: tls?.spkiPins ?? [],
      version: GATEWAY_VERSION,
    },
    clock,
    hub,
    health,
    metrics,
    devMode: settings.devMode,
  };
  const sweeper = setInterval(() => sweepSessions(infra.access), 10 * 60_000).unref();
  // A head hash recorded outside the file is what catches a truncated or rewritten log
  // (`nekzus audit verify --expect-head`): logged every hour and at shutdown. KurrentDB has no
  // global chain: the line carries the commit position and the digest of every stream's head.
  const log = infra.log;
  const logHead = () => {
    try {
      const head =
        log.kind === 'sqlite' ? headHashLine(log.path) : streamHeadsLine(log.heads.snapshot());
      logger.info(head.fields, head.msg);
    } catch (error) {
      logger.warn({ err: String(error) }, 'could not read the event log head');
    }
  };
  const headTimer = setInterval(logHead, 3_600_000).unref();
  // lastSeen is written at most once a minute per device, and once more on the way out.
  const presence = new DevicePresenceStore(infra.readModels);
  const flushPresence = () =>
    presence
      .save(infra.devices.takeChanges())
      .catch((error: unknown) =>
        logger.warn({ err: String(error) }, 'could not save when devices were last seen'),
      );
  const presenceTimer = setInterval(() => void flushPresence(), 60_000).unref();

  const nest = await NestFactory.create<NestExpressApplication>(
    AppModule.register(infra, services),
    new ExpressAdapter(),
    {
      bodyParser: false,
      logger: new PinoNestLogger(logger.child({ plane: 'control' })),
      abortOnError: false,
    },
  );
  nest.useBodyParser('json', { limit: settings.bodyLimit });
  const wsAdapter = new DispatchedWsAdapter(64 * 1024);
  nest.useWebSocketAdapter(wsAdapter);
  (await import('./openapi.js')).setupOpenApi(nest);
  (nest.getHttpAdapter().getInstance() as { disable(s: string): void }).disable('x-powered-by');
  await nest.init();
  const control = nest.getHttpAdapter().getInstance() as (req: unknown, res: unknown) => void;
  const dataPlane = new DataPlane(
    infra.routeTable,
    authenticator,
    live,
    {
      connectTimeoutMs: durationMs(config.proxy.connect_timeout),
      firstByteTimeoutMs: durationMs(config.proxy.response_timeout),
      idleTimeoutMs: durationMs(config.proxy.idle_timeout),
      upgradeTimeoutMs: durationMs(config.proxy.upgrade_timeout),
      upstreamClient: config.proxy.upstream_client,
    },
    health,
  );
  // A revoked device's open proxy tunnels close as soon as the revocation is applied.
  infra.devices.onRevocation((r) => {
    if (r.kind === 'device') dataPlane.closeTunnelsOf(r.deviceId);
  });

  const ui = openStaticUi(() => [live.current.metrics.path]);
  const listener: RequestListener = (req, res) => {
    if (dataPlane.handles(req)) dataPlane.handle(req, res);
    else if (ui?.handles(req)) ui.handle(req, res);
    else {
      metrics.observeRequest(req, res);
      control(req, res);
    }
  };
  const serverOptions = { requestTimeout: 0, headersTimeout: 10_000, keepAliveTimeout: 65_000 };
  const server: Server = tls
    ? createHttpsServer({ ...serverOptions, ...tlsServerOptions(tls) }, listener)
    : createServer(serverOptions, listener);
  const wsGate = new WsUpgradeGate(
    wsAdapter,
    limiter,
    (req) => network.clientAddress(req),
    () => live.current.server.allowed_origins,
  );
  const graphqlWs = graphqlUpgrades(nest, {
    limiter,
    clientAddress: (req) => network.clientAddress(req),
    allowedOrigins: () => live.current.server.allowed_origins,
  });
  // One owner for every upgrade on this port; paths nobody serves get a real 404.
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (dataPlane.handles(req)) dataPlane.handleUpgrade(req, socket, head);
    else if (wsGate.owns(req)) wsGate.handle(req, socket, head);
    else if (graphqlWs.gate.owns(req)) graphqlWs.gate.handle(req, socket, head);
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
  // Known only now when the port was 0 (tests): the QR codes carry the real one.
  if (!config.server.base_url) services.pairing.baseUrl = detectBaseUrl(scheme, address.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  const applier = nest.get(ConfigApplier);
  const source = settings.configPath ?? 'defaults';
  const watcher = settings.configPath
    ? new ConfigWatcher(settings.configPath, applier, live, settings.sources, (outcome, trigger) =>
        logger.info({ trigger, ...outcome }, `config reload: ${outcome.status}`),
      )
    : undefined;
  // Discovery sources start once the proposals are replayed, so nothing decided is re-proposed.
  let docker: DockerSource | undefined;
  let kubernetes: KubernetesSource | undefined;
  let mdns: MdnsSource | undefined;
  const sourceLogger = (source: string) => ({
    info: (msg: string) => logger.info({ source }, msg),
    warn: (msg: string) => logger.warn({ source }, msg),
  });
  const startKubernetes = (): KubernetesSource | undefined => {
    const d = live.current.discovery;
    if (!d.enabled || !d.kubernetes.enabled) return undefined;
    const source = new KubernetesSource(
      {
        kubeconfig: d.kubernetes.kubeconfig,
        namespaces: d.kubernetes.namespaces,
        pollIntervalMs: durationMs(d.kubernetes.poll_interval),
      },
      nest.get(DiscoveryService),
      sourceLogger('kubernetes'),
    );
    source.start();
    return source;
  };
  const startMdns = (): MdnsSource | undefined => {
    const d = live.current.discovery;
    if (!d.enabled || !d.mdns.enabled) return undefined;
    const source = new MdnsSource(
      {
        services: d.mdns.services,
        scanIntervalMs: durationMs(d.mdns.scan_interval),
        ...(d.mdns.interface ? { interface: d.mdns.interface } : {}),
      },
      nest.get(DiscoveryService),
      sourceLogger('mdns'),
    );
    source.start();
    return source;
  };
  const startDocker = (): DockerSource | undefined => {
    const d = live.current.discovery;
    if (!d.enabled || !d.docker.enabled) return undefined;
    const source = new DockerSource(
      {
        socketPath: d.docker.socket_path,
        pollIntervalMs: durationMs(d.docker.poll_interval),
        mode: d.docker.mode,
        networkMode: d.docker.network_mode,
        networks: d.docker.networks,
        excludeNetworks: d.docker.exclude_networks,
        hostname: settings.hostname,
      },
      nest.get(DiscoveryService),
      {
        info: (msg) => logger.info({ source: 'docker' }, msg),
        warn: (msg) => logger.warn({ source: 'docker' }, msg),
      },
    );
    source.start();
    return source;
  };
  const configApplied = infra.runner.ready().then(async () => {
    infra.devices.restore(await presence.load());
    deliverer.start();
    docker = startDocker();
    kubernetes = startKubernetes();
    mdns = startMdns();
    nest.get(DiscoveryService).useRescanner({
      rescan: () => {
        docker?.rescan();
        kubernetes?.rescan();
        mdns?.rescan();
      },
    });
    // A reload that changes a discovery section restarts that source with the new settings.
    live.onChange((next, previous) => {
      const changed = (key: 'docker' | 'kubernetes' | 'mdns') =>
        next.discovery.enabled !== previous.discovery.enabled ||
        JSON.stringify(next.discovery[key]) !== JSON.stringify(previous.discovery[key]);
      if (changed('docker')) {
        docker?.stop();
        docker = startDocker();
      }
      if (changed('kubernetes')) {
        kubernetes?.stop();
        kubernetes = startKubernetes();
      }
      if (changed('mdns')) {
        mdns?.stop();
        mdns = startMdns();
      }
    });
    checker.start();
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
    baseUrl: services.pairing.baseUrl,
    dataPlane,
    tls,
    nekzusId,
    secretSource: secret.source,
    configApplied,
    reloadConfig: () => (watcher ? watcher.reload('request') : Promise.resolve(undefined)),
    close() {
      closing ??= (async () => {
        watcher?.stop();
        clearInterval(sweeper);
        clearInterval(headTimer);
        clearInterval(presenceTimer);
        notifier.stop();
        await deliverer.stop();
        metrics.stop();
        docker?.stop();
        kubernetes?.stop();
        mdns?.stop();
        await checker.stop();
        hub.close();
        await graphqlWs.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await nest.close();
        await dataPlane.close();
        await flushPresence();
        await infra.close();
        logHead();
      })();
      return closing;
    },
  };
}

export function describeStart(settings: GatewaySettings, gateway: RunningGateway): string[] {
  const p = paths(settings.dataDir, settings.storage);
  const url = gateway.url;
  const scheme = new URL(url).protocol.slice(0, -1);
  const events =
    gateway.infra.log.kind === 'kurrentdb'
      ? 'KurrentDB (storage.kurrentdb.connection_string)'
      : p.events;
  const lines = [
    `Nekzus gateway listening on ${settings.host ? url : `${scheme}://0.0.0.0:${new URL(url).port} (all interfaces; this machine: ${url})`}`,
    `data directory ${settings.dataDir} (events: ${events}, read models: ${p.readModels})`,
  ];
  if (gateway.dataPlane.upstreamClient !== settings.config.proxy.upstream_client)
    lines.push(
      `proxy.upstream_client is "${settings.config.proxy.upstream_client}", but this Node release does not expose node:http's parser: upstreams are reached through ${gateway.dataPlane.upstreamClient}`,
    );
  const tls = gateway.tls;
  if (tls?.source === 'auto')
    lines.push(
      `HTTPS with a certificate from the gateway's own CA; browsers trust it once ${tls.caFile ?? 'the CA file'} is installed`,
    );
  lines.push(
    `pair a phone: open ${gateway.baseUrl}/pair on this machine, or run "nekzus pair"; the API needs a sign-in, a device token or an API key except from ${trustWords(settings.config.auth.local_network_trust)}`,
  );
  return lines;
}

function trustWords(mode: 'loopback' | 'lan' | 'off'): string {
  if (mode === 'loopback') return 'this machine';
  if (mode === 'lan') return 'this machine and the local networks in auth.local_networks';
  return 'nowhere (local-network trust is off)';
}

export { GATEWAY_VERSION } from './version';

function rateRules(config: NekzusConfig): Record<string, RateLimitRule> {
  const rules: Record<string, RateLimitRule> = {};
  for (const [category, rule] of Object.entries(config.rate_limits))
    rules[category] = { perMinute: rule.per_minute, burst: rule.burst };
  return rules;
}

/** Ended sessions are remembered only while their tokens could still be presented. */
function sweepSessions(access: AccessDirectory): void {
  access.sweepEndedSessions(Date.now() - 7 * 24 * 3600_000);
}

/**
 * The URL phones are given when server.base_url is not set: the first private IPv4 address
 * (192.168.x and 10.x before 172.16–31.x, which is usually Docker's), else localhost.
 */
export function detectBaseUrl(scheme: string, port: number): string {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const rank = (ip: string) =>
    ip.startsWith('192.168.')
      ? 0
      : ip.startsWith('10.')
        ? 1
        : /^172\.(1[6-9]|2[0-9]|3[01])\./.test(ip)
          ? 2
          : 3;
  const best = addresses.filter((ip) => rank(ip) < 3).sort((a, b) => rank(a) - rank(b))[0];
  return `${scheme}://${best ?? 'localhost'}:${port}`;
}
