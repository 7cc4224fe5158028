import { describe, expect, it } from 'vitest';
import { dashboardOf, quantileMs } from './dashboard';

describe('metrics dashboard', () => {
  it('interpolates quantiles inside the bucket, as histogram_quantile does', () => {
    // 10 observations: 4 up to 10 ms, 6 more up to 100 ms.
    const buckets = [
      [0.01, 4],
      [0.1, 10],
      [Infinity, 10],
    ] as const;
    expect(quantileMs(buckets, 0.5)).toBe(25);
    expect(quantileMs(buckets, 0.2)).toBe(5);
    expect(quantileMs(buckets, 1)).toBe(100);
    expect(quantileMs([[Infinity, 0]], 0.5)).toBe(0);
    // Everything past the last finite bound: that bound.
    expect(
      quantileMs(
        [
          [0.01, 0],
          [Infinity, 3],
        ],
        0.5,
      ),
    ).toBe(10);
  });

  it('derives the sections from the registry families', () => {
    const d = dashboardOf(
      [
        {
          name: 'nekzus_http_requests_total',
          type: 'counter',
          values: [
            { value: 8, labels: { method: 'GET', path: '/a', status: '200' } },
            { value: 2, labels: { method: 'POST', path: '/a', status: '500' } },
          ],
        },
        {
          name: 'nekzus_proxy_requests_total',
          type: 'counter',
          values: [{ value: 5, labels: { route_id: 'r1' } }],
        },
        {
          name: 'nekzus_proxy_upstream_errors_total',
          type: 'counter',
          values: [
            { value: 1, labels: { route_id: 'r1', error_type: 'bad_gateway' } },
            { value: 4, labels: { route_id: 'r1', error_type: 'client_closed' } },
          ],
        },
      ],
      { startedAt: 0, now: 5000, appOfRoute: (id) => (id === 'r1' ? 'app1' : undefined) },
    );
    expect(d.http).toMatchObject({
      totalRequests: 10,
      requestsPerSec: 2,
      errorRate: 20,
      byStatus: { '200': 8, '500': 2 },
      byMethod: { GET: 8, POST: 2 },
      topPaths: [{ path: '/a', count: 10, avgMs: 0, errorPct: 20 }],
    });
    expect(d.proxy).toMatchObject({
      totalRequests: 5,
      upstreamErrors: 1,
      byApp: [{ appId: 'app1', routeId: 'r1', requests: 5, errors: 1 }],
    });
    expect(d.health.uptimePercent).toBe(100);
    expect(d.system).toMatchObject({ uptimeSeconds: 5, startTime: '1970-01-01T00:00:00.000Z' });
  });
});
