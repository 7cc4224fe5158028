import { splitQualified, type AuditFilter } from '../domain/audit-filter';

/** Where a table keeps what an audit filter asks about: column names or SQL expressions. */
export interface FilterColumns {
  time: string;
  stream: string;
  type: string;
  actorKind: string;
  actorId: string;
  correlationId: string;
  /** Only tables that store the described entry have these (the events table does not). */
  targetType?: string;
  targetId?: string;
  action?: string;
}

/**
 * The SQL conditions (joined with AND by the caller) and their parameters for a filter, over
 * the events table or the audit read model alike. A table without target or action columns
 * leaves those parts of the filter to the caller, which checks them on the entry.
 */
export function filterSql(
  filter: AuditFilter,
  columns: FilterColumns,
): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.since) {
    where.push(`${columns.time} >= ?`);
    params.push(filter.since);
  }
  if (filter.until) {
    where.push(`${columns.time} <= ?`);
    params.push(filter.until);
  }
  if (filter.streams && filter.streams.length > 0) {
    where.push(
      `(${filter.streams.map(() => `(${columns.stream} >= ? AND ${columns.stream} < ?)`).join(' OR ')})`,
    );
    for (const p of filter.streams) params.push(p, `${p}\uffff`);
  }
  if (filter.types && filter.types.length > 0) {
    where.push(`${columns.type} IN (${filter.types.map(() => '?').join(', ')})`);
    params.push(...filter.types);
  }
  const qualified = (value: string, kind: string, id: string) => {
    const { qualifier, id: bare } = splitQualified(value);
    where.push(
      qualifier === undefined ? `${id} = ?` : `(${id} = ? OR (${kind} = ? AND ${id} = ?))`,
    );
    params.push(value, ...(qualifier === undefined ? [] : [qualifier, bare]));
  };
  if (filter.actor) qualified(filter.actor, columns.actorKind, columns.actorId);
  if (filter.target && columns.targetType && columns.targetId)
    qualified(filter.target, columns.targetType, columns.targetId);
  if (filter.action && columns.action) {
    where.push(`${columns.action} = ?`);
    params.push(filter.action);
  }
  if (filter.correlationId) {
    where.push(`${columns.correlationId} = ?`);
    params.push(filter.correlationId);
  }
  return { where, params };
}
