import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import { dashboardOf, type Dashboard, type DashboardContext, type MetricFamily } from './dashboard';
import { SnapshotHistogram } from './snapshot-histogram';

/** One route's proxy figures, as the data plane keeps them (`dataPlane.metrics.snapshot()`). */
export interface ProxyRouteFigures {
  requests: number;
  /** Index 1 = 1xx … 5 = 5xx. */
  responsesByClass: readonly number[];
  failures: Readonly<Record<string, number>>;
  latency: { buckets: readonly number[]; sumMs: number; count: number };
  websockets: { opened: number; open: number; refused: number };
  bytesIn: number;
  bytesOut: number;
}

export interface ProjectionFigures {
  name: string;
  state: string;
  position: bigint;
  lag: bigint;
}

/** Where the figures read at scrape time come from; each is optional. */
export interface MetricsSources {
  proxy?: () => Record<string, ProxyRouteFigures>;
  /** Upper bounds (ms) of the proxy's latency buckets. */
  proxyLatencyBucketsMs?: readonly number[];
  eventStoreHead?: () => Promise<bigint>;
  projections?: () => Promise<ProjectionFigures[]>;
  websocket?: () => { totalConnections: number; devices: Record<string, number> };
  health?: () => { appId: string; status: 'unknown' | 'healthy' | 'unhealthy' }[];
  /** Discovery proposals now, by source and state. */
  proposals?: () => { source: string; state: string }[];
  /** Webhook subscriptions now, by status. */
  webhookSubscriptions?: () => { status: string }[];
}

const PREFIX = 'nekzus_';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const HEALTH_VALUE = { unknown: 0, healthy: 1, unhealthy: 2 } as const;
const PROJECTION_STATES = ['starting', 'catching-up', 'live', 'failed', 'stopped'];
/**
 * prom-client's default collectors that `promtool check metrics` refuses: gauges named like
 * counters. Each is the sum over the labelled gauge of the same name without `_total`.
 */
const REFUSED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways can run in one
 * process). Control-plane requests, health probes and recorded events are counted as they
 * happen; everything else is read from its owner at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'path' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'path'>;
  private readonly httpInFlight: Gauge;
  private readonly probes: Counter<'app_id' | 'result'>;
  private readonly probeDuration: Histogram<'app_id'>;
  private readonly appended: Counter<'type'>;
  private readonly appendDuration: Histogram<'outcome'>;
  private readonly signIns: Counter<'outcome'>;
  private readonly pairings: Counter;
  private readonly refreshes: Counter;
  private readonly deliveries: Counter;
  private subscription: Subscription | undefined;

  constructor(sources: MetricsSources, build: { version: string }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    for (const name of REFUSED_DEFAULTS) this.registry.removeSingleMetric(name);

    new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Always 1; the labels say which build is running.',
      labelNames: ['version', 'nodejs_version'],
      registers,
    }).set({ version: build.version, nodejs_version: process.version }, 1);

    this.httpRequests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'Control-plane HTTP requests answered, by method, matched route pattern and status.',
      labelNames: ['method', 'path', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time to answer a control-plane HTTP request.',
      labelNames: ['method', 'path'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.httpInFlight = new Gauge({
      name: `${PREFIX}http_requests_in_flight`,
      help: 'Control-plane HTTP requests being answered.',
      registers,
    });

    this.registerProxy(sources, registers);

    this.appended = new Counter({
      name: `${PREFIX}events_appended_total`,
      help: 'Events appended to the event store since start, by type.',
      labelNames: ['type'],
      registers,
    });
    this.appendDuration = new Histogram({
      name: `${PREFIX}event_store_append_duration_seconds`,
      help: 'Time from an append call to its durable commit (or refusal), by outcome (ok or refused).',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.signIns = new Counter({
      name: `${PREFIX}auth_admin_sign_ins_total`,
      help: 'Administrator sign-ins since start, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.pairings = new Counter({
      name: `${PREFIX}auth_devices_paired_total`,
      help: 'Devices paired since start.',
      registers,
    });
    this.refreshes = new Counter({
      name: `${PREFIX}auth_device_token_refreshes_total`,
      help: 'Device tokens refreshed since start.',
      registers,
    });
    this.deliveries = new Counter({
      name: `${PREFIX}webhook_deliveries_total`,
      help: 'Webhook delivery attempts since start, by result (delivered or failed).',
      labelNames: ['result'],
      registers,
    });
    const proposals = sources.proposals;
    if (proposals)
      new Gauge({
        name: `${PREFIX}discovery_proposals`,
        help: 'Discovery proposals, by source and state.',
        labelNames: ['source', 'state'],
        registers,
        collect() {
          this.reset();
          const counts = new Map<string, { source: string; state: string; n: number }>();
          for (const p of proposals()) {
            const key = `${p.source} ${p.state}`;
            const entry = counts.get(key) ?? { source: p.source, state: p.state, n: 0 };
            entry.n++;
            counts.set(key, entry);
          }
          for (const c of counts.values()) this.set({ source: c.source, state: c.state }, c.n);
        },
      });
    const subscriptions = sources.webhookSubscriptions;
    if (subscriptions)
      new Gauge({
        name: `${PREFIX}webhook_subscriptions`,
        help: 'Webhook subscriptions, by status (active or paused).',
        labelNames: ['status'],
        registers,
        collect() {
          this.reset();
          const list = subscriptions();
          for (const status of ['active', 'paused'])
            this.set({ status }, list.filter((x) => x.status === status).length);
        },
      });
    const head = sources.eventStoreHead;
    if (head)
      new Gauge({
        name: `${PREFIX}event_store_head_position`,
        help: 'Global position of the newest event in the log.',
        registers,
        async collect() {
          this.set(Number(await head()));
        },
      });

    const projections = sources.projections;
    if (projections) {
      const read = (() => {
        let pending: Promise<ProjectionFigures[]> | undefined;
        // One status read per scrape, shared by the three gauges.
        return () => {
          pending ??= projections().finally(() => setImmediate(() => (pending = undefined)));
          return pending;
        };
      })();
      new Gauge({
        name: `${PREFIX}projection_lag_events`,
        help: 'Events in the log a projection has not applied yet.',
        labelNames: ['projection'],
        registers,
        async collect() {
          this.reset();
          for (const p of await read()) this.set({ projection: p.name }, Number(p.lag));
        },
      });
      new Gauge({
        name: `${PREFIX}projection_position`,
        help: 'Global position of the last event a projection applied.',
        labelNames: ['projection'],
        registers,
        async collect() {
          this.reset();
          for (const p of await read()) this.set({ projection: p.name }, Number(p.position));
        },
      });
      new Gauge({
        name: `${PREFIX}projection_state`,
        help: '1 for the state a projection is in, 0 for the others.',
        labelNames: ['projection', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const p of await read())
            for (const state of PROJECTION_STATES)
              this.set({ projection: p.name, state }, p.state === state ? 1 : 0);
        },
      });
    }

    const websocket = sources.websocket;
    if (websocket) {
      new Gauge({
        name: `${PREFIX}websocket_connections_active`,
        help: 'Open connections to the event WebSocket (/api/v1/ws).',
        registers,
        collect() {
          this.set(websocket().totalConnections);
        },
      });
      new Gauge({
        name: `${PREFIX}websocket_clients_connected`,
        help: 'Distinct devices and administrators with an open event WebSocket.',
        registers,
        collect() {
          this.set(Object.keys(websocket().devices).length);
        },
      });
    }

    const health = sources.health;
    if (health)
      new Gauge({
        name: `${PREFIX}service_health_status`,
        help: 'Recorded health of each probed app: 0 unknown, 1 healthy, 2 unhealthy.',
        labelNames: ['app_id'],
        registers,
        collect() {
          this.reset();
          for (const s of health()) this.set({ app_id: s.appId }, HEALTH_VALUE[s.status]);
        },
      });
    this.probes = new Counter({
      name: `${PREFIX}service_health_checks_total`,
      help: 'Health probes of apps since start, by result.',
      labelNames: ['app_id', 'result'],
      registers,
    });
    this.probeDuration = new Histogram({
      name: `${PREFIX}service_health_check_duration_seconds`,
      help: 'Time a health probe took, failed ones included.',
      labelNames: ['app_id'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  private registerProxy(sources: MetricsSources, registers: Registry[]): void {
    const proxy = sources.proxy;
    if (!proxy) return;
    new Counter({
      name: `${PREFIX}proxy_requests_total`,
      help: 'Requests (and WebSocket upgrades) the data plane forwarded, by route.',
      labelNames: ['route_id'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy())) this.inc({ route_id: id }, t.requests);
      },
    });
    new Counter({
      name: `${PREFIX}proxy_responses_total`,
      help: 'Responses the data plane sent, by route and status class (1xx to 5xx).',
      labelNames: ['route_id', 'code'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy()))
          t.responsesByClass.forEach((n, i) => {
            if (i > 0 && n > 0) this.inc({ route_id: id, code: `${i}xx` }, n);
          });
      },
    });
    new Counter({
      name: `${PREFIX}proxy_upstream_errors_total`,
      help: 'Requests the gateway answered itself instead of the upstream, by route and cause.',
      labelNames: ['route_id', 'error_type'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy()))
          for (const [kind, n] of Object.entries(t.failures))
            if (n > 0) this.inc({ route_id: id, error_type: kind }, n);
      },
    });
    new Counter({
      name: `${PREFIX}proxy_request_bytes_total`,
      help: 'Bytes of request bodies (and WebSocket client-to-upstream traffic, counted when a tunnel closes) forwarded, by route.',
      labelNames: ['route_id'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy())) this.inc({ route_id: id }, t.bytesIn);
      },
    });
    new Counter({
      name: `${PREFIX}proxy_response_bytes_total`,
      help: 'Bytes of response bodies (and WebSocket upstream-to-client traffic, counted when a tunnel closes) sent to clients, by route.',
      labelNames: ['route_id'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy())) this.inc({ route_id: id }, t.bytesOut);
      },
    });
    new Gauge({
      name: `${PREFIX}proxy_websocket_tunnels_open`,
      help: 'WebSocket tunnels open through the data plane, by route.',
      labelNames: ['route_id'],
      registers,
      collect() {
        this.reset();
        for (const [id, t] of Object.entries(proxy()))
          if (t.websockets.opened > 0) this.set({ route_id: id }, t.websockets.open);
      },
    });
    const boundsMs = sources.proxyLatencyBucketsMs ?? [];
    this.registry.registerMetric(
      new SnapshotHistogram(
        `${PREFIX}proxy_request_duration_seconds`,
        "Time from forwarding a request to the upstream's response headers, by route.",
        boundsMs.map((ms) => ms / 1000),
        () =>
          Object.entries(proxy()).map(([id, t]) => ({
            labels: { route_id: id },
            buckets: t.latency.buckets,
            sum: t.latency.sumMs / 1000,
            count: t.latency.count,
          })),
      ).asMetric(),
    );
  }

  /** Counts a control-plane request once its response is finished (or the client went away). */
  observeRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    this.httpInFlight.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.httpInFlight.dec();
      // The pattern that matched (`/api/v1/apps/:appId`), never the raw path: bounded labels.
      const route = (req as { route?: { path?: unknown } }).route?.path;
      const path = typeof route === 'string' ? route : 'unmatched';
      const method = METHODS.has(req.method ?? '') ? req.method! : 'OTHER';
      this.httpRequests.inc({ method, path, status: String(res.statusCode) });
      this.httpDuration.observe({ method, path }, (performance.now() - started) / 1000);
    };
    res.once('finish', finish);
    res.once('close', finish);
  }

  /** One append to the event store: how long it took and whether it was stored. */
  observeAppend(seconds: number, outcome: 'ok' | 'refused'): void {
    this.appendDuration.observe({ outcome }, seconds);
  }

  observeProbe(appId: string, ok: boolean, latencyMs: number): void {
    this.probes.inc({ app_id: appId, result: ok ? 'success' : 'failure' });
    this.probeDuration.observe({ app_id: appId }, latencyMs / 1000);
  }

  /** Counts the events appended from now on (its own subscription to the log, from the head). */
  start(store: EventStore): void {
    const subscription = store.subscribeToAll({ from: 'end' });
    this.subscription = subscription;
    void (async () => {
      for await (const recorded of subscription) this.observeEvent(recorded);
    })().catch(() => undefined);
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  observeEvent(recorded: Pick<RecordedEvent, 'type' | 'data'>): void {
    this.appended.inc({ type: recorded.type });
    switch (recorded.type) {
      case 'AdminSignedIn':
        this.signIns.inc({ outcome: 'success' });
        break;
      case 'AdminSignInFailed': {
        const reason = (recorded.data as { reason?: unknown }).reason;
        this.signIns.inc({
          outcome: typeof reason === 'string' ? reason.replace(/-/g, '_') : 'failure',
        });
        break;
      }
      case 'DevicePaired':
        this.pairings.inc();
        break;
      case 'DeviceTokenRefreshed':
        this.refreshes.inc();
        break;
      case 'WebhookDelivered':
        this.deliveries.inc({ result: 'delivered' });
        break;
      case 'WebhookDeliveryFailed':
        this.deliveries.inc({ result: 'failed' });
        break;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Nekzus's dashboard summary, read from this registry at call time. */
  async dashboard(ctx: DashboardContext): Promise<Dashboard> {
    const families = (await this.registry.getMetricsAsJSON()) as unknown as MetricFamily[];
    return dashboardOf(families, ctx);
  }
}
