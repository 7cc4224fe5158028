import type { IncomingMessage } from 'node:http';
import type { AuditEventView } from '#libs/audit';
import type { ProposalRecord } from '#libs/discovery';
import { ValidationFailed } from '#libs/kernel';
import { withDefaults, type AppRecord, type RouteRecord, type RouteSpec } from '#libs/routing';
import type {
  App,
  AppEndpointInput,
  AuditEntry,
  PageInfo,
  Proposal,
  Route,
  RouteSettings,
} from './graphql.types';
import { RouteStatus, type ProposalState } from './graphql.types';

/** Input objects as plain records without the fields left out or given as null. */
export function defined<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input))
    if (value !== null && value !== undefined) out[key] = value;
  return out as { [K in keyof T]?: Exclude<T[K], null> };
}

export function endpointsRecord(list: readonly AppEndpointInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) {
    if (e.name in out)
      throw new ValidationFailed([{ field: 'endpoints', message: `"${e.name}" is given twice` }]);
    out[e.name] = e.address;
  }
  return out;
}

export function settingsOf(route: RouteSpec): RouteSettings {
  return { ...route };
}

export function routeOf(record: RouteRecord): Route {
  return {
    ...record.route,
    status: RouteStatus.ACTIVE,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** An app's own fields; its link (`proxyPath`, `url`) is resolved from its routes when asked for. */
export type AppNode = App & { knownRoutes?: readonly RouteSpec[] };

export function appOf(record: Pick<AppRecord, 'app'>, routes?: readonly RouteSpec[]): AppNode {
  const a = record.app;
  return {
    id: a.id,
    name: a.name,
    icon: a.icon,
    tags: a.tags,
    endpoints: Object.entries(a.endpoints).map(([name, address]) => ({ name, address })),
    faviconUrl: `/api/v1/apps/${a.id}/favicon`,
    ...(routes ? { knownRoutes: routes } : {}),
  };
}

/** The route an app's link points at: the first by path base (as REST). */
export function linkRoute(routes: readonly RouteSpec[]): RouteSpec | undefined {
  return [...routes].sort((x, y) => x.pathBase.localeCompare(y.pathBase))[0];
}

/** Where the gateway is reached, as the caller reached it (as REST's app links). */
export function baseUrlOf(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

export function proposalOf(p: ProposalRecord): Proposal {
  const s = p.service;
  return {
    id: s.proposalId,
    source: s.source,
    detectedScheme: s.detectedScheme,
    detectedHost: s.detectedHost,
    detectedPort: s.detectedPort,
    availablePorts: s.availablePorts,
    confidence: s.confidence,
    suggestedApp: {
      id: s.suggestedApp.id,
      name: s.suggestedApp.name,
      ...(s.suggestedApp.icon !== undefined ? { icon: s.suggestedApp.icon } : {}),
      ...(s.suggestedApp.tags !== undefined ? { tags: s.suggestedApp.tags } : {}),
    },
    suggestedRoute: withDefaults(s.suggestedRoute),
    tags: s.tags,
    lastSeen: p.lastSeen.toISOString(),
    securityNotes: s.securityNotes,
    state: p.status as ProposalState,
    present: p.present,
    reasons: s.reasons,
    firstSeen: p.firstSeen.toISOString(),
    ...(p.decidedBy ? { decidedBy: p.decidedBy } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  };
}

export function auditEntryOf(v: AuditEventView): AuditEntry {
  return {
    position: v.position,
    timestamp: v.timestamp,
    action: v.action,
    actorKind: v.actorKind,
    actorId: v.actorId,
    ...(v.actorName !== undefined ? { actorName: v.actorName } : {}),
    actorIp: v.actorIp,
    targetType: v.targetType,
    targetId: v.targetId,
    ...(v.targetName !== undefined ? { targetName: v.targetName } : {}),
    success: v.success,
    ...(v.error !== undefined ? { error: v.error } : {}),
    ...(v.details !== null && v.details !== undefined
      ? { details: JSON.stringify(v.details) }
      : {}),
    eventId: v.eventId,
    eventType: v.eventType,
    stream: v.stream,
    correlationId: v.correlationId,
    ...(v.causationId !== undefined ? { causationId: v.causationId } : {}),
  };
}

/* Cursors: opaque to clients, a log position inside. */

export function encodeCursor(kind: string, position: number): string {
  return Buffer.from(`${kind}:${position}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | undefined | null): number | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = new RegExp(`^${kind}:([0-9]{1,15})$`).exec(text);
  if (!match)
    throw new ValidationFailed([{ field: 'after', message: 'is not a cursor of this list' }]);
  return Number(match[1]);
}

export function pageSize(first: number | undefined | null, fallback: number, max: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ValidationFailed([
      { field: 'first', message: `must be a whole number from 1 to ${max}` },
    ]);
  return n;
}

export function connection<T>(
  kind: string,
  entries: readonly { position: number; node: T }[],
  more: boolean,
): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo } {
  const edges = entries.map((e) => ({ cursor: encodeCursor(kind, e.position), node: e.node }));
  return { edges, pageInfo: { hasNextPage: more, endCursor: edges.at(-1)?.cursor ?? null } };
}
