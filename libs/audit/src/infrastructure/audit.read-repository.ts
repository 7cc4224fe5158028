import type { DataSource } from 'typeorm';
import type {
  AuditLogListing,
  AuditLogPage,
  AuditLogReadPort,
  StoredAuditEntry,
} from '../application/audit-log.port';
import { filterSql, type FilterColumns } from './filter-sql';

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

const AUDIT_LOG_COLUMNS: FilterColumns = {
  time: 'recorded_at',
  stream: 'stream',
  type: 'event_type',
  actorKind: 'actor_kind',
  actorId: 'actor_id',
  correlationId: 'correlation_id',
  targetType: 'target_type',
  targetId: 'target_id',
  action: 'action',
};

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
    const narrowed = filterSql(filter, AUDIT_LOG_COLUMNS);
    where.push(...narrowed.where);
    params.push(...narrowed.params);
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
