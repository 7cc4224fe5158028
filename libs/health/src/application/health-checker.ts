import type { NekzusConfig } from '#libs/config';
import {
  NO_STREAK,
  recordProbe,
  type HealthSubject,
  type ProbeStreak,
  type ServiceHealthCommand,
} from '../domain';
import { isExpectedStatus, planCheck, thresholdsOf, type CheckSettings } from './check-settings';
import type { ServiceHealthProjection } from './service-health.projection';

/** What one HTTP probe saw: a response (any status), or no response at all. */
export type ProbeResponse =
  | { kind: 'response'; status: number; latencyMs: number }
  | { kind: 'error'; message: string; latencyMs: number };

/** Sends the probe; never throws. */
export interface Prober {
  probe(url: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResponse>;
  close(): Promise<void>;
}

export interface VerdictRecorder {
  record(command: ServiceHealthCommand): Promise<unknown>;
}

export interface CheckerOptions {
  /** How often the schedule is looked at; an app is probed at its own interval. */
  tickMs: number;
  /** Probes in flight at once, over all apps. */
  concurrency: number;
  /** Each wait is the interval ± this fraction, so apps added together do not probe together. */
  jitter: number;
}

export const CHECKER_DEFAULTS: CheckerOptions = { tickMs: 1_000, concurrency: 8, jitter: 0.1 };

/** What the checker knows about an app since the gateway started (not recorded as events). */
export interface ProbeRecord {
  streak: ProbeStreak;
  lastCheckAt?: number;
  lastSuccessAt?: number;
  latencyMs?: number;
  /** The last failure, cleared by a success. */
  lastError?: string;
}

export interface ProbeObserver {
  (appId: string, ok: boolean, latencyMs: number): void;
}

interface Scheduled extends ProbeRecord {
  signature: string;
  nextAt: number;
  running: boolean;
}

export interface CheckerDeps {
  projection: ServiceHealthProjection;
  config: () => NekzusConfig;
  prober: Prober;
  recorder: VerdictRecorder;
  clock: () => number;
  random: () => number;
  warn: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Probes every app that has a route, each at its own interval with jitter, never more than
 * `concurrency` at once. Counts consecutive results in memory and records a transition only
 * when the run is long enough and says something the log does not already say.
 */
export class HealthChecker {
  private readonly options: CheckerOptions;
  private readonly apps = new Map<string, Scheduled>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly observers = new Set<ProbeObserver>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: CheckerDeps,
    options: Partial<CheckerOptions> = {},
  ) {
    this.options = { ...CHECKER_DEFAULTS, ...options };
  }

  start(): void {
    if (this.timer || this.abort.signal.aborted) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
    this.tick();
  }

  /** Stops scheduling, cancels the probes in flight and waits for them to settle. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
    await this.deps.prober.close();
  }

  onProbe(observer: ProbeObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  record(appId: string): ProbeRecord | undefined {
    const s = this.apps.get(appId);
    if (!s) return undefined;
    const { streak, lastCheckAt, lastSuccessAt, latencyMs, lastError } = s;
    return { streak, lastCheckAt, lastSuccessAt, latencyMs, lastError };
  }

  private tick(): void {
    if (this.abort.signal.aborted) return;
    const config = this.deps.config().health_checks;
    const now = this.deps.clock();
    const due: { scheduled: Scheduled; settings: CheckSettings }[] = [];
    const byApp = this.deps.projection.routesByApp();
    for (const appId of this.apps.keys()) if (!byApp.has(appId)) this.apps.delete(appId);
    for (const [appId, routes] of byApp) {
      const plan = planCheck(appId, routes, config);
      if (plan.kind === 'off') {
        this.apps.delete(appId);
        continue;
      }
      const settings = plan.settings;
      const signature = JSON.stringify([
        settings.probeUrl,
        settings.intervalMs,
        settings.timeoutMs,
        settings.expectedStatusCodes,
      ]);
      let scheduled = this.apps.get(appId);
      // A different target or policy starts a fresh run; the old results say nothing about it.
      if (!scheduled || scheduled.signature !== signature) {
        scheduled = {
          signature,
          nextAt: now + this.wait(settings.intervalMs),
          running: false,
          streak: NO_STREAK,
        };
        this.apps.set(appId, scheduled);
      }
      if (!scheduled.running && scheduled.nextAt <= now) due.push({ scheduled, settings });
    }
    due.sort((a, b) => a.scheduled.nextAt - b.scheduled.nextAt);
    for (const { scheduled, settings } of due) {
      if (this.inFlight.size >= this.options.concurrency) break;
      this.launch(scheduled, settings);
    }
  }

  private launch(scheduled: Scheduled, settings: CheckSettings): void {
    scheduled.running = true;
    const run = this.probe(scheduled, settings).finally(() => {
      scheduled.running = false;
      scheduled.nextAt = this.deps.clock() + this.wait(settings.intervalMs);
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  private async probe(scheduled: Scheduled, settings: CheckSettings): Promise<void> {
    const response = await this.deps.prober.probe(
      settings.probeUrl,
      settings.timeoutMs,
      this.abort.signal,
    );
    if (this.abort.signal.aborted) return;
    const ok =
      response.kind === 'response' &&
      isExpectedStatus(response.status, settings.expectedStatusCodes);
    const failure = ok
      ? undefined
      : response.kind === 'response'
        ? `HTTP ${response.status}`
        : `request failed: ${response.message}`.slice(0, 500);
    const thresholds = thresholdsOf(this.deps.config().health_checks);
    const { streak, verdict } = recordProbe(scheduled.streak, ok, thresholds);
    const now = this.deps.clock();
    scheduled.streak = streak;
    scheduled.lastCheckAt = now;
    scheduled.latencyMs = response.latencyMs;
    if (ok) {
      scheduled.lastSuccessAt = now;
      scheduled.lastError = undefined;
    } else scheduled.lastError = failure;
    for (const observer of this.observers) observer(settings.appId, ok, response.latencyMs);

    const projection = this.deps.projection;
    if (verdict === undefined || verdict === projection.statusOf(settings.appId)) return;
    const subject: HealthSubject = {
      appId: settings.appId,
      appName: projection.appName(settings.appId).slice(0, 128),
      routeId: settings.route.routeId,
      proxyPath: settings.route.pathBase,
    };
    const command: ServiceHealthCommand =
      verdict === 'healthy'
        ? { kind: 'MarkHealthy', subject, latencyMs: Math.round(response.latencyMs) }
        : {
            kind: 'MarkUnhealthy',
            subject,
            reason: failure ?? 'probe failed',
            consecutiveFailures: streak.failures,
          };
    try {
      await this.deps.recorder.record(command);
    } catch (error) {
      // The verdict comes again with the next probe of the same kind.
      this.deps.warn('could not record a health transition', {
        appId: settings.appId,
        err: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private wait(intervalMs: number): number {
    const { jitter } = this.options;
    return Math.max(1, intervalMs * (1 + jitter * (2 * this.deps.random() - 1)));
  }
}
