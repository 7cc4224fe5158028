import { describe, expect, it } from 'vitest';
import { GatewayMetrics, type ProxyRouteFigures } from './gateway-metrics';

const traffic = (over: Partial<ProxyRouteFigures> = {}): ProxyRouteFigures => ({
  requests: 4,
  responsesByClass: [0, 0, 3, 0, 0, 1],
  failures: { bad_gateway: 1, timeout: 0 },
  latency: { buckets: [1, 0, 2, 0], sumMs: 30, count: 3 },
  websockets: { opened: 0, open: 0, refused: 0 },
  bytesIn: 10,
  bytesOut: 2048,
  ...over,
});

const lines = (text: string) => text.split('\n').filter((l) => !l.startsWith('#'));

describe('gateway metrics', () => {
  it('exposes the proxy figures as counters and a cumulative histogram in seconds', async () => {
    const metrics = new GatewayMetrics(
      { proxy: () => ({ web: traffic() }), proxyLatencyBucketsMs: [1, 10, 100] },
      { version: '0.0.0-test' },
    );
    const text = lines(await metrics.render());
    expect(text).toEqual(
      expect.arrayContaining([
        'nekzus_proxy_requests_total{route_id="web"} 4',
        'nekzus_proxy_responses_total{route_id="web",code="2xx"} 3',
        'nekzus_proxy_responses_total{route_id="web",code="5xx"} 1',
        'nekzus_proxy_upstream_errors_total{route_id="web",error_type="bad_gateway"} 1',
        'nekzus_proxy_request_bytes_total{route_id="web"} 10',
        'nekzus_proxy_response_bytes_total{route_id="web"} 2048',
        'nekzus_proxy_request_duration_seconds_bucket{route_id="web",le="0.001"} 1',
        'nekzus_proxy_request_duration_seconds_bucket{route_id="web",le="0.01"} 1',
        'nekzus_proxy_request_duration_seconds_bucket{route_id="web",le="0.1"} 3',
        'nekzus_proxy_request_duration_seconds_bucket{route_id="web",le="+Inf"} 3',
        'nekzus_proxy_request_duration_seconds_sum{route_id="web"} 0.03',
        'nekzus_proxy_request_duration_seconds_count{route_id="web"} 3',
      ]),
    );
    expect(
      text.some((l) =>
        l.startsWith('nekzus_proxy_upstream_errors_total{route_id="web",error_type="timeout"}'),
      ),
    ).toBe(false);
  });

  it('drops the default collectors promtool refuses and keeps the rest', async () => {
    const text = await new GatewayMetrics({}, { version: '0' }).render();
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    expect(text).not.toMatch(/^# TYPE nodejs_active_(handles|requests|resources)_total/m);
  });

  it('counts recorded events by type, and sign-in outcomes', async () => {
    const metrics = new GatewayMetrics({}, { version: '0' });
    metrics.observeEvent({ type: 'AdminSignedIn', data: {} });
    metrics.observeEvent({ type: 'AdminSignInFailed', data: { reason: 'wrong-password' } });
    metrics.observeEvent({ type: 'AdminSignInFailed', data: { reason: 'wrong-password' } });
    const text = lines(await metrics.render());
    expect(text).toEqual(
      expect.arrayContaining([
        'nekzus_events_appended_total{type="AdminSignInFailed"} 2',
        'nekzus_auth_admin_sign_ins_total{outcome="success"} 1',
        'nekzus_auth_admin_sign_ins_total{outcome="wrong_password"} 2',
      ]),
    );
  });
});
