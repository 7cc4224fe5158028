import type { Decider } from '#libs/kernel';
import type { HealthEvent, HealthStatus, HealthSubject } from './health.events';

export interface ServiceHealthState {
  status: HealthStatus;
}

/** The verdict of a run of probes (see `recordProbe`), to be recorded if it changes the status. */
export type ServiceHealthCommand =
  | { kind: 'MarkHealthy'; subject: HealthSubject; latencyMs: number }
  | {
      kind: 'MarkUnhealthy';
      subject: HealthSubject;
      reason: string;
      consecutiveFailures: number;
    };

/**
 * One stream per app. Only a change of status is an event, so a verdict that repeats what the
 * stream already says (a retry, a second checker racing) produces nothing.
 */
export const serviceHealthDecider: Decider<
  ServiceHealthCommand,
  HealthEvent,
  ServiceHealthState,
  void
> = {
  initialState: () => ({ status: 'unknown' }),
  evolve(_state, event) {
    return { status: event.type === 'ServiceBecameHealthy' ? 'healthy' : 'unhealthy' };
  },
  decide(command, state) {
    if (command.kind === 'MarkHealthy') {
      if (state.status === 'healthy') return [];
      return [
        {
          type: 'ServiceBecameHealthy',
          data: { ...command.subject, previous: state.status, latencyMs: command.latencyMs },
        },
      ];
    }
    if (state.status === 'unhealthy') return [];
    return [
      {
        type: 'ServiceBecameUnhealthy',
        data: {
          ...command.subject,
          previous: state.status,
          reason: command.reason,
          consecutiveFailures: command.consecutiveFailures,
        },
      },
    ];
  },
};
