import type { DomainEvent } from '#libs/kernel';
import type { AppField, AppSpec } from './app';
import type { RouteField, RouteSpec } from './route';

export type AppRegistered = DomainEvent<'AppRegistered', { app: AppSpec }>;
export type AppUpdated = DomainEvent<
  'AppUpdated',
  { appId: string; app: AppSpec; changedFields: AppField[] }
>;
export type AppRemoved = DomainEvent<'AppRemoved', { appId: string; reason: string }>;
export type AppEvent = AppRegistered | AppUpdated | AppRemoved;

export type RouteAdded = DomainEvent<'RouteAdded', { route: RouteSpec }>;
export type RouteChanged = DomainEvent<
  'RouteChanged',
  { routeId: string; route: RouteSpec; changedFields: RouteField[] }
>;
export type RouteRemoved = DomainEvent<
  'RouteRemoved',
  { routeId: string; appId: string; pathBase: string }
>;
export type RouteEvent = RouteAdded | RouteChanged | RouteRemoved;

export type RoutingEvent = AppEvent | RouteEvent;

export const APP_EVENT_TYPES = ['AppRegistered', 'AppUpdated', 'AppRemoved'] as const;
export const ROUTE_EVENT_TYPES = ['RouteAdded', 'RouteChanged', 'RouteRemoved'] as const;
export const ROUTING_EVENT_TYPES = [...APP_EVENT_TYPES, ...ROUTE_EVENT_TYPES] as const;

export const appStream = (appId: string) => `app-${appId}`;
export const routeStream = (routeId: string) => `route-${routeId}`;
