import { describe, expect, it } from 'vitest';
import { NO_STREAK, recordProbe, type ProbeStreak } from './probe-streak';

const run = (results: boolean[], thresholds = { healthy: 1, unhealthy: 2 }) => {
  let streak: ProbeStreak = NO_STREAK;
  const verdicts: (string | undefined)[] = [];
  for (const ok of results) {
    const next = recordProbe(streak, ok, thresholds);
    streak = next.streak;
    verdicts.push(next.verdict);
  }
  return { streak, verdicts };
};

describe('probe streak', () => {
  it('calls an app unhealthy only after the configured run of failures', () => {
    expect(run([false, false, false]).verdicts).toEqual([undefined, 'unhealthy', 'unhealthy']);
    expect(run([false, false, false], { healthy: 1, unhealthy: 3 }).verdicts).toEqual([
      undefined,
      undefined,
      'unhealthy',
    ]);
  });

  it('a success breaks a run of failures, and the reverse', () => {
    expect(run([false, true, false]).verdicts).toEqual([undefined, 'healthy', undefined]);
    expect(run([true, false, true], { healthy: 2, unhealthy: 2 }).verdicts).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(run([false, false, true]).streak).toEqual({ successes: 1, failures: 0 });
  });
});
