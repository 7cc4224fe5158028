import { ValidationFailed, type Decider } from '#libs/kernel';
import {
  changedRouteFields,
  normalizeRoute,
  ROUTE_FIELDS,
  validateRoute,
  withDefaults,
  type RouteInput,
  type RouteSpec,
} from './route';
import { RouteAlreadyExists, RouteConflict, RouteNotFound } from './routing.errors';
import type { RouteEvent } from './routing.events';

export type RouteState =
  | { status: 'missing' }
  | { status: 'active'; route: RouteSpec }
  | { status: 'removed'; route: RouteSpec };

export type RouteCommand =
  | { kind: 'AddRoute'; route: RouteInput }
  /** Create or replace: fields not given take their defaults (HTTP PUT). */
  | { kind: 'PutRoute'; route: RouteInput }
  /** Merge: fields not given keep their current value (HTTP PATCH). */
  | { kind: 'PatchRoute'; routeId: string; patch: Partial<Omit<RouteSpec, 'routeId'>> }
  | { kind: 'RemoveRoute'; routeId: string };

/** Facts from outside the route's own stream, read from the route table. */
export interface RouteContext {
  /** The route currently using this path base, if any. */
  pathBaseOwner(pathBase: string): string | undefined;
  /** The route currently using this subdomain, if any. */
  subdomainOwner(subdomain: string): string | undefined;
}

export const routeDecider: Decider<RouteCommand, RouteEvent, RouteState, RouteContext> = {
  initialState: () => ({ status: 'missing' }),

  evolve(state, event) {
    switch (event.type) {
      case 'RouteAdded':
        return { status: 'active', route: event.data.route };
      case 'RouteChanged':
        return { status: 'active', route: event.data.route };
      case 'RouteRemoved':
        return state.status === 'missing' ? state : { status: 'removed', route: state.route };
    }
  },

  decide(command, state, context) {
    switch (command.kind) {
      case 'AddRoute':
        if (state.status === 'active') throw new RouteAlreadyExists(command.route.routeId);
        return [
          { type: 'RouteAdded', data: { route: checked(withDefaults(command.route), context) } },
        ];

      case 'PutRoute': {
        const route = checked(withDefaults(command.route), context);
        if (state.status !== 'active') return [{ type: 'RouteAdded', data: { route } }];
        return change(state.route, route);
      }

      case 'PatchRoute': {
        if (state.status !== 'active') throw new RouteNotFound(command.routeId);
        const merged: RouteSpec = { ...state.route };
        for (const field of ROUTE_FIELDS) {
          const value = command.patch[field as keyof typeof command.patch];
          if (field !== 'routeId' && value !== undefined)
            (merged as unknown as Record<string, unknown>)[field] = value;
        }
        return change(state.route, checked(merged, context));
      }

      case 'RemoveRoute':
        if (state.status !== 'active') return [];
        return [
          {
            type: 'RouteRemoved',
            data: {
              routeId: state.route.routeId,
              appId: state.route.appId,
              pathBase: state.route.pathBase,
            },
          },
        ];
    }
  },
};

function change(before: RouteSpec, after: RouteSpec): RouteEvent[] {
  const changedFields = changedRouteFields(before, after);
  if (changedFields.length === 0) return [];
  return [{ type: 'RouteChanged', data: { routeId: after.routeId, route: after, changedFields } }];
}

function checked(input: RouteSpec, context: RouteContext): RouteSpec {
  const route = normalizeRoute(input);
  const problems = validateRoute(route);
  if (problems.length > 0) throw new ValidationFailed(problems);
  const pathOwner = context.pathBaseOwner(route.pathBase);
  if (pathOwner && pathOwner !== route.routeId)
    throw new RouteConflict(`path "${route.pathBase}" is already used by route "${pathOwner}"`);
  if (route.subdomain) {
    const subOwner = context.subdomainOwner(route.subdomain);
    if (subOwner && subOwner !== route.routeId)
      throw new RouteConflict(
        `subdomain "${route.subdomain}" is already used by route "${subOwner}"`,
      );
  }
  return route;
}
