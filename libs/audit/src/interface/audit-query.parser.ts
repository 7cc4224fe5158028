import { ValidationFailed, type ErrorDetail } from '#libs/kernel';
import type { AuditLogListing, StoredAuditEntry } from '../application/audit-log.port';
import { parseAuditFilter, parseTime } from '../domain/audit-filter';

type RawQuery = Record<string, unknown>;

function single(query: RawQuery, key: string, problems: ErrorDetail[]): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field: key, message: 'must be given once' });
    return undefined;
  }
  return value;
}

function integer(
  text: string | undefined,
  field: string,
  min: number,
  max: number,
  problems: ErrorDetail[],
): number | undefined {
  if (text === undefined) return undefined;
  const n = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems.push({ field, message: `must be a whole number from ${min} to ${max}` });
    return undefined;
  }
  return n;
}

/**
 * `GET /api/v1/audit-logs` query: Nekzus's `limit` (1-1000, default 100), `offset`, `action`
 * and `actor`, plus `since`, `until`, `target`, `correlationId`, `after` (cursor) and `order`.
 * Unlike Nekzus, a bad value is a 400 naming it, not silently replaced by a default.
 */
export function parseAuditLogQuery(query: RawQuery): AuditLogListing {
  const problems: ErrorDetail[] = [];
  const get = (key: string) => single(query, key, problems);
  const limit = integer(get('limit'), 'limit', 1, 1000, problems) ?? 100;
  const offset = integer(get('offset'), 'offset', 0, Number.MAX_SAFE_INTEGER, problems) ?? 0;
  const after = integer(get('after'), 'after', 0, Number.MAX_SAFE_INTEGER, problems);
  const order = get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    problems.push({ field: 'order', message: 'must be "asc" or "desc"' });
  const raw = {
    since: get('since'),
    until: get('until'),
    actor: get('actor'),
    action: get('action'),
    target: get('target'),
    correlationId: get('correlationId'),
  };
  let filter = {};
  try {
    filter = parseAuditFilter(raw);
  } catch (error) {
    if (error instanceof ValidationFailed) problems.push(...error.details);
    else throw error;
  }
  if (problems.length > 0) throw new ValidationFailed(problems);
  return {
    filter,
    limit,
    offset,
    order: order as 'asc' | 'desc',
    ...(after !== undefined ? { after } : {}),
  };
}

export function parseAt(value: unknown, now: () => number): string {
  if (value === undefined) return new Date(now()).toISOString();
  const time = typeof value === 'string' ? parseTime(value) : undefined;
  if (time === undefined)
    throw new ValidationFailed([
      { field: 'at', message: 'must be an RFC 3339 time, e.g. 2025-06-01T12:00:00Z' },
    ]);
  return time;
}

export function parseExpectHead(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value))
    throw new ValidationFailed([
      { field: 'expectHead', message: 'must be a SHA-256 hash: 64 hexadecimal digits' },
    ]);
  return value.toLowerCase();
}

/** Nekzus's AuditEvent (`id` … `error`), followed by what the event log adds. */
export interface AuditEventView {
  id: number;
  timestamp: string;
  action: string;
  actorId: string;
  actorIp: string;
  targetId: string;
  details: unknown;
  success: boolean;
  error?: string;
  position: number;
  eventId: string;
  eventType: string;
  stream: string;
  actorKind: string;
  actorName?: string;
  targetType: string;
  targetName?: string;
  correlationId: string;
  causationId?: string;
}

export function auditEventView(e: StoredAuditEntry): AuditEventView {
  return {
    id: e.position,
    timestamp: e.time,
    action: e.action,
    actorId: e.actor.id,
    actorIp: e.sourceIp ?? '',
    targetId: e.target.id,
    details: e.details ?? null,
    success: e.outcome === 'success',
    ...(e.error !== undefined ? { error: e.error } : {}),
    position: e.position,
    eventId: e.eventId,
    eventType: e.eventType,
    stream: e.stream,
    actorKind: e.actor.kind,
    ...(e.actor.name !== undefined ? { actorName: e.actor.name } : {}),
    targetType: e.target.type,
    ...(e.target.name !== undefined ? { targetName: e.target.name } : {}),
    correlationId: e.correlationId,
    ...(e.causationId !== undefined ? { causationId: e.causationId } : {}),
  };
}
