import type { DataSource } from 'typeorm';
import { splitQualified } from '../domain/audit-filter';
import type {
  AuditLogListing,
  AuditLogPage,
  AuditLogReadPort,
  StoredAuditEntry,
} from '../application/audit-log.port';

interface Row {
  position: number;
  event_id: string;
  recorded_at: string;
  stream: string;
  event_type: string;
  action: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string | null;
  target_type: string;
  target_id: string;
  target_name: string | null;
  success: number;
  error: string | null;
  source_ip: string | null;
  correlation_id: string;
  causation_id: string | null;
  details: string;
}

/** Reads `audit_log`; nothing above this file sees a TypeORM type. */
export class AuditLogReadRepository implements AuditLogReadPort {
  constructor(private readonly dataSource: DataSource) {}

  async list(listing: AuditLogListing): Promise<AuditLogPage> {
    const { filter } = listing;
    const where: string[] = [];
    const params: unknown[] = [];
    const desc = listing.order === 'desc';
    if (listing.after !== undefined) {
      where.push(desc ? 'position < ?' : 'position > ?');
      params.push(listing.after);
    }
    if (filter.since) {
      where.push('recorded_at >= ?');
      params.push(filter.since);
    }
    if (filter.until) {
      where.push('recorded_at <= ?');
      params.push(filter.until);
    }
    if (filter.actor) {
      const { qualifier, id } = splitQualified(filter.actor);
      if (qualifier === undefined) where.push('actor_id = ?');
      else where.push('(actor_id = ? OR (actor_kind = ? AND actor_id = ?))');
      params.push(filter.actor, ...(qualifier === undefined ? [] : [qualifier, id]));
    }
    if (filter.target) {
      const { qualifier, id } = splitQualified(filter.target);
      if (qualifier === undefined) where.push('target_id = ?');
      else where.push('(target_id = ? OR (target_type = ? AND target_id = ?))');
      params.push(filter.target, ...(qualifier === undefined ? [] : [qualifier, id]));
    }
    if (filter.action) {
      where.push('action = ?');
      params.push(filter.action);
    }
    if (filter.correlationId) {
      where.push('correlation_id = ?');
      params.push(filter.correlationId);
    }
    if (filter.types && filter.types.length > 0) {
      where.push(`event_type IN (${filter.types.map(() => '?').join(', ')})`);
      params.push(...filter.types);
    }
    if (filter.streams && filter.streams.length > 0) {
      where.push(`(${filter.streams.map(() => '(stream >= ? AND stream < ?)').join(' OR ')})`);
      for (const p of filter.streams) params.push(p, `${p}\uffff`);
    }
    // One row more than asked tells whether there is a next page.
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY position ${desc ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`,
      [...params, listing.limit + 1, listing.offset],
    );
    const more = rows.length > listing.limit;
    const entries = rows.slice(0, listing.limit).map(toEntry);
    return { entries, nextCursor: more ? (entries.at(-1)?.position ?? null) : null };
  }
}

function toEntry(r: Row): StoredAuditEntry {
  const entry: StoredAuditEntry = {
    position: Number(r.position),
    eventId: r.event_id,
    time: r.recorded_at,
    stream: r.stream,
    eventType: r.event_type,
    action: r.action,
    actor: {
      kind: r.actor_kind,
      id: r.actor_id,
      ...(r.actor_name !== null ? { name: r.actor_name } : {}),
    },
    target: {
      type: r.target_type,
      id: r.target_id,
      ...(r.target_name !== null ? { name: r.target_name } : {}),
    },
    outcome: Number(r.success) === 1 ? 'success' : 'failure',
    correlationId: r.correlation_id,
    details: JSON.parse(r.details) as unknown,
  };
  if (r.error !== null) entry.error = r.error;
  if (r.source_ip !== null) entry.sourceIp = r.source_ip;
  if (r.causation_id !== null) entry.causationId = r.causation_id;
  return entry;
}
