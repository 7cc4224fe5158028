import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NekzusConfig } from '#libs/config';
import type { RecordedEvent } from '#libs/event-store';
import { withDefaults, type RouteSpec } from '#libs/routing';
import type { ServiceHealthCommand } from '../domain';
import { HealthChecker, type ProbeResponse, type Prober } from './health-checker';
import { ServiceHealthProjection } from './service-health.projection';

const healthChecks: NekzusConfig['health_checks'] = {
  enabled: true,
  interval: '1s',
  timeout: '500ms',
  unhealthy_threshold: 2,
  path: '/',
  per_service: {},
};
const config = { health_checks: healthChecks } as NekzusConfig;

let position = 0n;
const recorded = (type: string, data: unknown): RecordedEvent => ({
  id: String(++position),
  stream: 's',
  revision: 0n,
  position,
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: 'c', actor: { kind: 'system', id: 't' } },
  recordedAt: new Date(),
});

const addRoute = (p: ServiceHealthProjection, over: Partial<RouteSpec> & { routeId: string }) =>
  p.apply(
    recorded('RouteAdded', {
      route: withDefaults({
        appId: over.routeId,
        pathBase: `/apps/${over.routeId}/`,
        to: `http://${over.routeId}.lan:8080`,
        ...over,
      }),
    }),
  );

/** Answers each probe when the test says so; records what was asked. */
class ScriptedProber implements Prober {
  readonly asked: string[] = [];
  private readonly pending: ((r: ProbeResponse) => void)[] = [];
  answer: ((url: string) => ProbeResponse) | undefined;
  inFlight = 0;
  maxInFlight = 0;

  probe(url: string): Promise<ProbeResponse> {
    this.asked.push(url);
    if (this.answer) return Promise.resolve(this.answer(url));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) =>
      this.pending.push((r) => {
        this.inFlight--;
        resolve(r);
      }),
    );
  }

  releaseAll(response: ProbeResponse): void {
    for (const release of this.pending.splice(0)) release(response);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('health checker', () => {
  let projection: ServiceHealthProjection;
  let prober: ScriptedProber;
  let commands: ServiceHealthCommand[];
  let checker: HealthChecker;

  beforeEach(() => {
    vi.useFakeTimers();
    projection = new ServiceHealthProjection();
    prober = new ScriptedProber();
    commands = [];
    checker = new HealthChecker(
      {
        projection,
        config: () => config,
        prober,
        recorder: {
          record: (command) => {
            commands.push(command);
            // What the log would then say.
            projection.apply(
              recorded(
                command.kind === 'MarkHealthy' ? 'ServiceBecameHealthy' : 'ServiceBecameUnhealthy',
                { appId: command.subject.appId, reason: 'x' },
              ),
            );
            return Promise.resolve();
          },
        },
        clock: () => Date.now(),
        random: () => 0.5,
        warn: () => undefined,
      },
      { tickMs: 50, concurrency: 2, jitter: 0.1 },
    );
  });
  afterEach(async () => {
    prober.releaseAll({ kind: 'error', message: 'stopped', latencyMs: 0 });
    await checker.stop();
    vi.useRealTimers();
  });

  it('never has more probes in flight than its concurrency', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) addRoute(projection, { routeId: id });
    checker.start();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(prober.asked).toHaveLength(2);
    prober.releaseAll({ kind: 'response', status: 200, latencyMs: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(prober.asked).toHaveLength(4);
    expect(prober.maxInFlight).toBe(2);
  });

  it('records only transitions, after the configured run of results', async () => {
    addRoute(projection, { routeId: 'web', healthCheckPath: '/healthz' });
    let status = 200;
    prober.answer = () => ({ kind: 'response', status, latencyMs: 3 });
    checker.start();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(prober.asked.length).toBeGreaterThanOrEqual(3);
    expect(prober.asked[0]).toBe('http://web.lan:8080/healthz');
    expect(commands.map((c) => c.kind)).toEqual(['MarkHealthy']);

    status = 503;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(commands).toHaveLength(1);
    expect(checker.record('web')?.lastError).toBe('HTTP 503');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(commands.map((c) => c.kind)).toEqual(['MarkHealthy', 'MarkUnhealthy']);
    expect(commands[1]).toMatchObject({ reason: 'HTTP 503', consecutiveFailures: 2 });
  });

  it('does not probe an app that skips checks', async () => {
    addRoute(projection, { routeId: 'web', skipHealthCheck: true });
    prober.answer = () => ({ kind: 'response', status: 200, latencyMs: 1 });
    checker.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(prober.asked).toEqual([]);
  });
});
