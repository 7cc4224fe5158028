import { ValidationFailed, type Decider } from '#libs/kernel';
import { appWithDefaults, changedAppFields, validateApp, type AppInput, type AppSpec } from './app';
import { AppAlreadyExists, AppNotFound } from './routing.errors';
import type { AppEvent } from './routing.events';

export type AppState =
  { status: 'missing' } | { status: 'active'; app: AppSpec } | { status: 'removed'; app: AppSpec };

export type AppCommand =
  | { kind: 'RegisterApp'; app: AppInput }
  /** Register when missing; otherwise leave the app as it is (used when a route names a new app). */
  | { kind: 'EnsureApp'; app: AppInput }
  | { kind: 'UpdateApp'; appId: string; patch: Partial<Omit<AppSpec, 'id'>> }
  | { kind: 'RemoveApp'; appId: string; reason: string };

export const appDecider: Decider<AppCommand, AppEvent, AppState, void> = {
  initialState: () => ({ status: 'missing' }),

  evolve(state, event) {
    switch (event.type) {
      case 'AppRegistered':
        return { status: 'active', app: event.data.app };
      case 'AppUpdated':
        return { status: 'active', app: event.data.app };
      case 'AppRemoved':
        return state.status === 'missing' ? state : { status: 'removed', app: state.app };
    }
  },

  decide(command, state) {
    switch (command.kind) {
      case 'RegisterApp':
        if (state.status === 'active') throw new AppAlreadyExists(command.app.id);
        return [{ type: 'AppRegistered', data: { app: checked(appWithDefaults(command.app)) } }];
      case 'EnsureApp':
        if (state.status === 'active') return [];
        return [{ type: 'AppRegistered', data: { app: checked(appWithDefaults(command.app)) } }];
      case 'UpdateApp': {
        if (state.status !== 'active') throw new AppNotFound(command.appId);
        const next = checked({ ...state.app, ...stripUndefined(command.patch), id: state.app.id });
        const changedFields = changedAppFields(state.app, next);
        if (changedFields.length === 0) return [];
        return [{ type: 'AppUpdated', data: { appId: next.id, app: next, changedFields } }];
      }
      case 'RemoveApp':
        if (state.status !== 'active') return [];
        return [{ type: 'AppRemoved', data: { appId: state.app.id, reason: command.reason } }];
    }
  },
};

function checked(app: AppSpec): AppSpec {
  const problems = validateApp(app);
  if (problems.length > 0) throw new ValidationFailed(problems);
  return app;
}

function stripUndefined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
