import type { AuditEntry } from '../domain/audit-entry';
import type { AuditFilter } from '../domain/audit-filter';

export interface StoredAuditEntry extends AuditEntry {
  /** The event's data, secrets masked. */
  details: unknown;
}

export interface AuditLogListing {
  filter: AuditFilter;
  limit: number;
  offset: number;
  /** Continue after this position in the listing's order (newest first: older than it). */
  after?: number;
  order: 'desc' | 'asc';
}

export interface AuditLogPage {
  entries: StoredAuditEntry[];
  /** The `after` for the next page, or null when this page is the last. */
  nextCursor: number | null;
}

/** The audit read model, as the queries need it. */
export interface AuditLogReadPort {
  list(listing: AuditLogListing): Promise<AuditLogPage>;
}

export const AUDIT_LOG_READ = Symbol('AUDIT_LOG_READ');
