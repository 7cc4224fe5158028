import type { Decider, DomainEvent } from '#libs/kernel';

export interface ConfigSummary {
  routesPut: string[];
  routesRemoved: string[];
  appsPut: string[];
  appsRemoved: string[];
}

export type ConfigApplied = DomainEvent<
  'ConfigApplied',
  {
    source: string;
    /** SHA-256 of the routes and apps the file declares: the same file applied twice changes nothing. */
    digest: string;
    /** Routes and apps the config owns now: a later reload removes only these. */
    routeIds: string[];
    appIds: string[];
    summary: ConfigSummary;
    /** Keys that changed but only take effect after a restart. */
    pendingRestart: string[];
    /** Other keys that changed and took effect at once (absent in events from before it existed). */
    changed?: string[];
  }
>;
export type ConfigRejected = DomainEvent<'ConfigRejected', { source: string; errors: string[] }>;
export type ConfigEvent = ConfigApplied | ConfigRejected;
export const CONFIG_EVENT_TYPES = ['ConfigApplied', 'ConfigRejected'] as const;
export const CONFIG_STREAM = 'config';

export interface ConfigState {
  digest: string | undefined;
  routeIds: string[];
  appIds: string[];
}

export type ConfigCommand =
  | { kind: 'ApplyConfig'; applied: ConfigApplied['data'] }
  | { kind: 'RejectConfig'; source: string; errors: string[] };

export const configDecider: Decider<ConfigCommand, ConfigEvent, ConfigState, void> = {
  initialState: () => ({ digest: undefined, routeIds: [], appIds: [] }),
  evolve(state, event) {
    if (event.type !== 'ConfigApplied') return state;
    return { digest: event.data.digest, routeIds: event.data.routeIds, appIds: event.data.appIds };
  },
  decide(command, state) {
    if (command.kind === 'RejectConfig')
      return [{ type: 'ConfigRejected', data: { source: command.source, errors: command.errors } }];
    const { applied } = command;
    // A start or reload that changes nothing (same routes, nothing pending) leaves no event.
    const same = (a: string[], b: string[]) =>
      a.length === b.length && a.every((x) => b.includes(x));
    const nothingToDo =
      applied.pendingRestart.length === 0 &&
      (applied.changed ?? []).length === 0 &&
      [
        applied.summary.routesPut,
        applied.summary.routesRemoved,
        applied.summary.appsPut,
        applied.summary.appsRemoved,
      ].every((list) => list.length === 0) &&
      same(applied.routeIds, state.routeIds) &&
      same(applied.appIds, state.appIds);
    return nothingToDo ? [] : [{ type: 'ConfigApplied', data: applied }];
  },
};
