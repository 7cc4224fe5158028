/** Consecutive results of one app's probes; only one of the two is ever non-zero. */
export interface ProbeStreak {
  successes: number;
  failures: number;
}

export interface Thresholds {
  /** Consecutive successes before an app is called healthy. */
  healthy: number;
  /** Consecutive failures before an app is called unhealthy. */
  unhealthy: number;
}

export const NO_STREAK: ProbeStreak = { successes: 0, failures: 0 };

/**
 * Counts a probe result. A verdict comes once the run is long enough, and again with every
 * further result of the same kind: whoever records it compares it with the status on record,
 * so a verdict that could not be recorded is simply tried again at the next probe.
 */
export function recordProbe(
  streak: ProbeStreak,
  ok: boolean,
  thresholds: Thresholds,
): { streak: ProbeStreak; verdict: 'healthy' | 'unhealthy' | undefined } {
  const next = ok
    ? { successes: streak.successes + 1, failures: 0 }
    : { successes: 0, failures: streak.failures + 1 };
  const verdict =
    next.successes >= thresholds.healthy
      ? 'healthy'
      : next.failures >= thresholds.unhealthy
        ? 'unhealthy'
        : undefined;
  return { streak: next, verdict };
}
