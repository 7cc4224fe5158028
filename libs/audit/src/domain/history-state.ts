/**
 * The gateway's state at a point of its history, folded from the events up to it: apps,
 * routes, devices, administrators and API keys (never a secret). Pure: the caller hands in
 * the events; which events (all of them, or fewer where that gives the same result) is the
 * caller's choice, see `FULL_HISTORY_STREAMS`.
 */

export interface HistoryEvent {
  position: number;
  stream: string;
  type: string;
  recordedAt: string;
  data: () => unknown;
}

type Spec = Record<string, unknown>;

export interface SpecState {
  id: string;
  spec: Spec;
  createdAt: string;
  updatedAt: string;
  position: number;
}

export interface DeviceState {
  id: string;
  name: string;
  model: string;
  platform: string;
  scopes: string[];
  pairedAt: string;
  active: boolean;
  revokedAt?: string;
  position: number;
}

export interface AdminState {
  username: string;
  createdAt: string;
}

export interface ApiKeyState {
  keyId: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  revokedAt?: string;
  position: number;
}

export interface HistoryState {
  /** Position of the last event folded (0 before any). */
  position: number;
  apps: Map<string, SpecState>;
  routes: Map<string, SpecState>;
  devices: Map<string, DeviceState>;
  admins: Map<string, AdminState>;
  apiKeys: Map<string, ApiKeyState>;
}

export function initialHistoryState(): HistoryState {
  return {
    position: 0,
    apps: new Map(),
    routes: new Map(),
    devices: new Map(),
    admins: new Map(),
    apiKeys: new Map(),
  };
}

/** Event types the fold reads; every other event only moves the position. */
export const HISTORY_EVENT_TYPES = [
  'AppRegistered',
  'AppUpdated',
  'AppRemoved',
  'RouteAdded',
  'RouteChanged',
  'RouteRemoved',
  'DevicePaired',
  'DeviceRenamed',
  'DeviceRevoked',
  'AdminAccountCreated',
  'ApiKeyCreated',
  'ApiKeyRevoked',
  'ApiKeyDeleted',
] as const;

/**
 * Apps and routes carry their whole spec in every event, so their state at a position is
 * decided by the stream's last event and its last creation (for `createdAt`): a reader may
 * hand the fold only those two per `app-`/`route-` stream. The other streams are folded whole.
 */
export const SNAPSHOT_STREAMS = ['app-', 'route-'] as const;
export const FULL_HISTORY_STREAMS = ['device-', 'apikey-', 'admin-accounts'] as const;
export const CREATION_TYPES: ReadonlySet<string> = new Set(['AppRegistered', 'RouteAdded']);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function upsertSpec(map: Map<string, SpecState>, id: string, spec: Spec, e: HistoryEvent): void {
  map.set(id, {
    id,
    spec,
    createdAt: e.recordedAt,
    updatedAt: e.recordedAt,
    position: e.position,
  });
}

function updateSpec(map: Map<string, SpecState>, id: string, spec: Spec, e: HistoryEvent): void {
  const current = map.get(id);
  // As the routing read model does: an update of something absent changes nothing.
  if (current) map.set(id, { ...current, spec, updatedAt: e.recordedAt, position: e.position });
}

/** Applies one event to the state, in place (a fold over a million events allocates no copies). */
export function evolveHistory(state: HistoryState, event: HistoryEvent): HistoryState {
  state.position = event.position;
  const at = event.recordedAt;
  switch (event.type) {
    case 'AppRegistered':
    case 'AppUpdated': {
      const app = (event.data() as { app: Spec }).app;
      const id = str(app['id']);
      if (event.type === 'AppRegistered') upsertSpec(state.apps, id, app, event);
      else updateSpec(state.apps, id, app, event);
      return state;
    }
    case 'AppRemoved':
      state.apps.delete(str((event.data() as Spec)['appId']));
      return state;
    case 'RouteAdded':
    case 'RouteChanged': {
      const route = (event.data() as { route: Spec }).route;
      const id = str(route['routeId']);
      if (event.type === 'RouteAdded') upsertSpec(state.routes, id, route, event);
      else updateSpec(state.routes, id, route, event);
      return state;
    }
    case 'RouteRemoved':
      state.routes.delete(str((event.data() as Spec)['routeId']));
      return state;
    case 'DevicePaired': {
      const d = event.data() as Spec;
      const id = str(d['deviceId']);
      const previous = state.devices.get(id);
      state.devices.set(id, {
        id,
        name: str(d['name']),
        model: str(d['model']),
        platform: str(d['platform']),
        scopes: strings(d['scopes']),
        pairedAt: previous?.pairedAt ?? at,
        active: true,
        position: event.position,
      });
      return state;
    }
    case 'DeviceRenamed': {
      const d = event.data() as Spec;
      const device = state.devices.get(str(d['deviceId']));
      if (device) {
        device.name = str(d['name']);
        device.position = event.position;
      }
      return state;
    }
    case 'DeviceRevoked': {
      const device = state.devices.get(str((event.data() as Spec)['deviceId']));
      if (device) {
        device.active = false;
        device.revokedAt = at;
        device.position = event.position;
      }
      return state;
    }
    case 'AdminAccountCreated': {
      const username = str((event.data() as Spec)['username']);
      state.admins.set(username, { username, createdAt: at });
      return state;
    }
    case 'ApiKeyCreated': {
      const d = event.data() as Spec;
      const keyId = str(d['keyId']);
      // keyHash is never copied into the state.
      state.apiKeys.set(keyId, {
        keyId,
        name: str(d['name']),
        prefix: str(d['prefix']),
        scopes: strings(d['scopes']),
        expiresAt: typeof d['expiresAt'] === 'string' ? d['expiresAt'] : null,
        createdAt: at,
        position: event.position,
      });
      return state;
    }
    case 'ApiKeyRevoked': {
      const key = state.apiKeys.get(str((event.data() as Spec)['keyId']));
      if (key) {
        key.revokedAt = at;
        key.position = event.position;
      }
      return state;
    }
    case 'ApiKeyDeleted':
      state.apiKeys.delete(str((event.data() as Spec)['keyId']));
      return state;
    default:
      return state;
  }
}

export function foldHistory(events: Iterable<HistoryEvent>): HistoryState {
  const state = initialHistoryState();
  for (const event of events) evolveHistory(state, event);
  return state;
}

/** The state as plain JSON, every list sorted by id: what `audit at` prints and the API returns. */
export interface HistoryView {
  position: number;
  apps: SpecState[];
  routes: SpecState[];
  devices: DeviceState[];
  admins: AdminState[];
  apiKeys: ApiKeyState[];
}

function sorted<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export function historyView(state: HistoryState): HistoryView {
  return {
    position: state.position,
    apps: sorted(state.apps),
    routes: sorted(state.routes),
    devices: sorted(state.devices),
    admins: sorted(state.admins),
    apiKeys: sorted(state.apiKeys),
  };
}

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface HistoryChange {
  kind: ChangeKind;
  /** app, route, device, admin or api_key. */
  entity: string;
  id: string;
  /** For `changed`: the top-level fields whose value differs. */
  fields?: string[];
}

const ENTITIES: readonly [keyof Omit<HistoryView, 'position'>, string][] = [
  ['apps', 'app'],
  ['routes', 'route'],
  ['devices', 'device'],
  ['admins', 'admin'],
  ['apiKeys', 'api_key'],
];

/** What was compared for `changed`: specs for apps and routes, the whole record (minus bookkeeping) otherwise. */
function comparable(value: unknown): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  if ('spec' in v) return v['spec'] as Record<string, unknown>;
  const { position: _p, ...rest } = v;
  return rest;
}

function idOf(value: unknown): string {
  const v = value as Record<string, unknown>;
  return str(v['id'] ?? v['username'] ?? v['keyId']);
}

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** What changed from `before` to `after`, per app, route, device, admin and key, in that order, by id. */
export function diffHistory(before: HistoryView, after: HistoryView): HistoryChange[] {
  const out: HistoryChange[] = [];
  for (const [key, entity] of ENTITIES) {
    const a = new Map((before[key] as unknown[]).map((v) => [idOf(v), v]));
    const b = new Map((after[key] as unknown[]).map((v) => [idOf(v), v]));
    const ids = [...new Set([...a.keys(), ...b.keys()])].sort();
    for (const id of ids) {
      const x = a.get(id);
      const y = b.get(id);
      if (x === undefined) out.push({ kind: 'added', entity, id });
      else if (y === undefined) out.push({ kind: 'removed', entity, id });
      else {
        const fields = changedFields(comparable(x), comparable(y));
        if (fields.length > 0) out.push({ kind: 'changed', entity, id, fields });
      }
    }
  }
  return out;
}
