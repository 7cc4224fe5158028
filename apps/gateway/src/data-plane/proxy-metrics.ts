/** Upper bounds (ms) of the latency buckets, Prometheus-style; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Why the gateway answered instead of the upstream. */
export type ProxyFailure = 'bad_gateway' | 'timeout' | 'too_large' | 'client_closed';

/** One route's traffic since start. Plain numbers and arrays: cheap to bump, easy to export. */
export interface RouteTraffic {
  requests: number;
  /** Responses by status class: index 1 = 1xx … 5 = 5xx (index 0 unused). */
  responsesByClass: [number, number, number, number, number, number];
  failures: Record<ProxyFailure, number>;
  /**
   * Time to the upstream's response headers (what a streaming response can be measured by):
   * counts per bucket of LATENCY_BUCKETS_MS (not cumulative), the last entry for +Inf.
   */
  latency: { buckets: number[]; sumMs: number; count: number };
  websockets: { opened: number; open: number; refused: number };
  /** Request bodies read from clients (WebSocket tunnels: client→upstream bytes, added at close). */
  bytesIn: number;
  /** Response bodies sent to clients (WebSocket tunnels: upstream→client bytes, added at close). */
  bytesOut: number;
}

function emptyTraffic(): RouteTraffic {
  return {
    requests: 0,
    responsesByClass: [0, 0, 0, 0, 0, 0],
    failures: { bad_gateway: 0, timeout: 0, too_large: 0, client_closed: 0 },
    latency: {
      buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
      sumMs: 0,
      count: 0,
    },
    websockets: { opened: 0, open: 0, refused: 0 },
    bytesIn: 0,
    bytesOut: 0,
  };
}

/**
 * Per-route counters and a latency histogram kept in memory by the data plane, for the
 * metrics endpoint to read (`dataPlane.metrics.snapshot()`). Keyed by route id; a removed
 * route keeps its figures until restart, as Prometheus counters should.
 */
export class ProxyMetrics {
  private readonly routes = new Map<string, RouteTraffic>();

  of(routeId: string): RouteTraffic {
    let traffic = this.routes.get(routeId);
    if (!traffic) {
      traffic = emptyTraffic();
      this.routes.set(routeId, traffic);
    }
    return traffic;
  }

  observeLatency(traffic: RouteTraffic, ms: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    traffic.latency.buckets[i]! += 1;
    traffic.latency.sumMs += ms;
    traffic.latency.count += 1;
  }

  /** A deep copy: route id → traffic. */
  snapshot(): Record<string, RouteTraffic> {
    return Object.fromEntries([...this.routes].map(([id, t]) => [id, structuredClone(t)] as const));
  }
}
