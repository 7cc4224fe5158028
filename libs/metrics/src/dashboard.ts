/**
 * Nekzus's `/api/v1/metrics/dashboard` (contract A §9.3), derived from the same Prometheus
 * registry `/metrics` exposes, so the two can never disagree. Sections keep Nekzus's names;
 * fields Nekzus fills with constants (`requestsPerSec` always 0, `pairingFailure` never
 * counted) carry real figures here, and fields nothing here measures are left out rather than
 * sent as zeros.
 */

/** One series as prom-client's `getMetricsAsJSON()` gives it. */
export interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface MetricFamily {
  name: string;
  type: string;
  values: MetricSample[];
}

export interface DashboardContext {
  /** Milliseconds since the epoch when the gateway started. */
  startedAt: number;
  now: number;
  /** The app a route belongs to (routes are what the proxy counts by). */
  appOfRoute: (routeId: string) => string | undefined;
}

export interface Dashboard {
  http: {
    totalRequests: number;
    requestsPerSec: number;
    errorRate: number;
    avgLatencyMs: number;
    p50LatencyMs: number;
    p95LatencyMs: number;
    p99LatencyMs: number;
    inFlightRequests: number;
    byStatus: Record<string, number>;
    byMethod: Record<string, number>;
    topPaths: { path: string; count: number; avgMs: number; errorPct: number }[];
  };
  proxy: {
    totalRequests: number;
    activeSessions: number;
    bytesIn: number;
    bytesOut: number;
    upstreamErrors: number;
    avgLatencyMs: number;
    byApp: {
      appId: string;
      routeId: string;
      requests: number;
      errors: number;
      avgMs: number;
      bytesIn: number;
      bytesOut: number;
    }[];
  };
  websocket: { activeConnections: number; clientsConnected: number };
  auth: {
    pairingSuccess: number;
    tokenRefreshes: number;
    adminSignIns: number;
    adminSignInFailures: number;
  };
  discovery: {
    totalProposals: number;
    pendingProposals: number;
    bySource: { source: string; proposals: number; pending: number }[];
  };
  health: {
    uptimePercent: number;
    totalChecks: number;
    healthyChecks: number;
    serviceStatus: { appId: string; status: number; checkMs: number }[];
  };
  system: {
    uptimeSeconds: number;
    startTime: string;
    configReloads: number;
    eventsAppended: number;
    eventStoreHead: number;
    projections: { projection: string; lag: number; state: string }[];
  };
}

const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** Reads the families by name, with label-aware sums. */
class Families {
  private readonly byName = new Map<string, MetricFamily>();

  constructor(families: readonly MetricFamily[]) {
    for (const f of families) this.byName.set(f.name, f);
  }

  samples(name: string, metricName = name): MetricSample[] {
    return (this.byName.get(name)?.values ?? []).filter(
      (v) => (v.metricName ?? name) === metricName,
    );
  }

  sum(name: string, where: (labels: MetricSample['labels']) => boolean = () => true): number {
    return this.samples(name)
      .filter((s) => where(s.labels))
      .reduce((n, s) => n + s.value, 0);
  }

  /** Sums of a label's values: `{ <label value>: sum }`. */
  by(name: string, label: string, metricName = name): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.samples(name, metricName)) {
      const key = String(s.labels[label]);
      out.set(key, (out.get(key) ?? 0) + s.value);
    }
    return out;
  }

  /** A histogram's cumulative buckets summed over every series (upper bound in seconds → count). */
  buckets(name: string, where: (labels: MetricSample['labels']) => boolean = () => true) {
    const out = new Map<number, number>();
    for (const s of this.samples(name, `${name}_bucket`)) {
      if (!where(s.labels)) continue;
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      out.set(le, (out.get(le) ?? 0) + s.value);
    }
    return [...out].sort((a, b) => a[0] - b[0]);
  }
}

/**
 * The q-quantile of cumulative buckets (upper bounds in seconds), interpolated linearly
 * inside the bucket it falls in, as Prometheus's `histogram_quantile` does; in milliseconds.
 */
export function quantileMs(buckets: readonly (readonly [number, number])[], q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // Past the last finite bound Prometheus answers with that bound.
      if (le === Infinity) return round(lowerBound * 1000);
      const inBucket = count - lowerCount;
      const at =
        inBucket === 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket;
      return round(at * 1000);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return round(lowerBound * 1000);
}

const P = 'nekzus_';
const is5xx = (l: MetricSample['labels']) => String(l.status ?? l.code).startsWith('5');

export function dashboardOf(families: readonly MetricFamily[], ctx: DashboardContext): Dashboard {
  const m = new Families(families);
  const httpTotal = m.sum(`${P}http_requests_total`);
  const durationSumOf = (name: string) =>
    m.samples(name, `${name}_sum`).reduce((n, s) => n + s.value, 0);
  const durationCountOf = (name: string) =>
    m.samples(name, `${name}_count`).reduce((n, s) => n + s.value, 0);
  const httpDuration = `${P}http_request_duration_seconds`;
  const httpBuckets = m.buckets(httpDuration);
  const uptimeSeconds = Math.max(0, (ctx.now - ctx.startedAt) / 1000);

  const pathCounts = m.by(`${P}http_requests_total`, 'path');
  const pathErrors = new Map<string, number>();
  for (const s of m.samples(`${P}http_requests_total`))
    if (is5xx(s.labels)) {
      const key = String(s.labels.path);
      pathErrors.set(key, (pathErrors.get(key) ?? 0) + s.value);
    }
  const pathSums = m.by(httpDuration, 'path', `${httpDuration}_sum`);
  const pathObs = m.by(httpDuration, 'path', `${httpDuration}_count`);
  const topPaths = [...pathCounts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([path, count]) => ({
      path,
      count,
      avgMs: round(ratio(pathSums.get(path) ?? 0, pathObs.get(path) ?? 0) * 1000),
      errorPct: round(ratio(pathErrors.get(path) ?? 0, count) * 100),
    }));

  const proxyDuration = `${P}proxy_request_duration_seconds`;
  const routeRequests = m.by(`${P}proxy_requests_total`, 'route_id');
  const routeErrors = new Map<string, number>();
  for (const s of m.samples(`${P}proxy_upstream_errors_total`))
    if (s.labels.error_type !== 'client_closed') {
      const key = String(s.labels.route_id);
      routeErrors.set(key, (routeErrors.get(key) ?? 0) + s.value);
    }
  const routeIn = m.by(`${P}proxy_request_bytes_total`, 'route_id');
  const routeOut = m.by(`${P}proxy_response_bytes_total`, 'route_id');
  const routeSums = m.by(proxyDuration, 'route_id', `${proxyDuration}_sum`);
  const routeObs = m.by(proxyDuration, 'route_id', `${proxyDuration}_count`);

  const proposals = m.samples(`${P}discovery_proposals`);
  const sources = new Map<string, { proposals: number; pending: number }>();
  for (const s of proposals) {
    const key = String(s.labels.source);
    const entry = sources.get(key) ?? { proposals: 0, pending: 0 };
    entry.proposals += s.value;
    if (s.labels.state === 'pending') entry.pending += s.value;
    sources.set(key, entry);
  }

  const checks = m.sum(`${P}service_health_checks_total`);
  const healthyChecks = m.sum(`${P}service_health_checks_total`, (l) => l.result === 'success');
  const probeDuration = `${P}service_health_check_duration_seconds`;
  const probeSums = m.by(probeDuration, 'app_id', `${probeDuration}_sum`);
  const probeObs = m.by(probeDuration, 'app_id', `${probeDuration}_count`);

  const projectionStates = new Map<string, string>();
  for (const s of m.samples(`${P}projection_state`))
    if (s.value === 1) projectionStates.set(String(s.labels.projection), String(s.labels.state));

  return {
    http: {
      totalRequests: httpTotal,
      requestsPerSec: round(ratio(httpTotal, uptimeSeconds)),
      errorRate: round(ratio(m.sum(`${P}http_requests_total`, is5xx), httpTotal) * 100),
      avgLatencyMs: round(ratio(durationSumOf(httpDuration), durationCountOf(httpDuration)) * 1000),
      p50LatencyMs: quantileMs(httpBuckets, 0.5),
      p95LatencyMs: quantileMs(httpBuckets, 0.95),
      p99LatencyMs: quantileMs(httpBuckets, 0.99),
      inFlightRequests: m.sum(`${P}http_requests_in_flight`),
      byStatus: Object.fromEntries(m.by(`${P}http_requests_total`, 'status')),
      byMethod: Object.fromEntries(m.by(`${P}http_requests_total`, 'method')),
      topPaths,
    },
    proxy: {
      totalRequests: m.sum(`${P}proxy_requests_total`),
      activeSessions: m.sum(`${P}proxy_websocket_tunnels_open`),
      bytesIn: m.sum(`${P}proxy_request_bytes_total`),
      bytesOut: m.sum(`${P}proxy_response_bytes_total`),
      upstreamErrors: [...routeErrors.values()].reduce((a, b) => a + b, 0),
      avgLatencyMs: round(
        ratio(durationSumOf(proxyDuration), durationCountOf(proxyDuration)) * 1000,
      ),
      byApp: [...routeRequests]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([routeId, requests]) => ({
          appId: ctx.appOfRoute(routeId) ?? routeId,
          routeId,
          requests,
          errors: routeErrors.get(routeId) ?? 0,
          avgMs: round(ratio(routeSums.get(routeId) ?? 0, routeObs.get(routeId) ?? 0) * 1000),
          bytesIn: routeIn.get(routeId) ?? 0,
          bytesOut: routeOut.get(routeId) ?? 0,
        })),
    },
    websocket: {
      activeConnections: m.sum(`${P}websocket_connections_active`),
      clientsConnected: m.sum(`${P}websocket_clients_connected`),
    },
    auth: {
      pairingSuccess: m.sum(`${P}auth_devices_paired_total`),
      tokenRefreshes: m.sum(`${P}auth_device_token_refreshes_total`),
      adminSignIns: m.sum(`${P}auth_admin_sign_ins_total`, (l) => l.outcome === 'success'),
      adminSignInFailures: m.sum(`${P}auth_admin_sign_ins_total`, (l) => l.outcome !== 'success'),
    },
    discovery: {
      totalProposals: proposals.reduce((n, s) => n + s.value, 0),
      pendingProposals: m.sum(`${P}discovery_proposals`, (l) => l.state === 'pending'),
      bySource: [...sources]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([source, v]) => ({ source, ...v })),
    },
    health: {
      uptimePercent: checks === 0 ? 100 : round((healthyChecks / checks) * 100),
      totalChecks: checks,
      healthyChecks,
      serviceStatus: m
        .samples(`${P}service_health_status`)
        .map((s) => {
          const appId = String(s.labels.app_id);
          return {
            appId,
            status: s.value,
            checkMs: round(ratio(probeSums.get(appId) ?? 0, probeObs.get(appId) ?? 0) * 1000),
          };
        })
        .sort((a, b) => a.appId.localeCompare(b.appId)),
    },
    system: {
      uptimeSeconds: Math.floor(uptimeSeconds),
      startTime: new Date(ctx.startedAt).toISOString(),
      configReloads: m.sum(`${P}events_appended_total`, (l) => l.type === 'ConfigApplied'),
      eventsAppended: m.sum(`${P}events_appended_total`),
      eventStoreHead: m.sum(`${P}event_store_head_position`),
      projections: m
        .samples(`${P}projection_lag_events`)
        .map((s) => ({
          projection: String(s.labels.projection),
          lag: s.value,
          state: projectionStates.get(String(s.labels.projection)) ?? 'unknown',
        }))
        .sort((a, b) => a.projection.localeCompare(b.projection)),
    },
  };
}
