import type { RecordedEvent } from '#libs/event-store';
import type { ReadModelProjection } from '#libs/projections';
import type { EntityManager } from 'typeorm';
import {
  describeEvent,
  maskSecrets,
  namingOf,
  targetOf,
  type AuditSource,
} from '../domain/audit-entry';

export function auditSourceOf(recorded: RecordedEvent): AuditSource {
  return {
    position: Number(recorded.position),
    id: recorded.id,
    stream: recorded.stream,
    type: recorded.type,
    recordedAt: recorded.recordedAt.toISOString(),
    metadata: recorded.metadata,
    data: () => recorded.data,
  };
}

const INSERT = `INSERT INTO audit_log (position, event_id, recorded_at, stream, event_type, action,
  actor_kind, actor_id, actor_name, target_type, target_id, target_name, success, error, source_ip,
  correlation_id, causation_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const NAME_UPSERT = `INSERT INTO audit_names (key, name) VALUES (?, ?)
  ON CONFLICT(key) DO UPDATE SET name = excluded.name`;

/** Keys of the names an entry may show: its actor's and its target's. */
function nameKeys(source: AuditSource): string[] {
  const keys: string[] = [];
  const actor = source.metadata.actor;
  if (actor.kind === 'device' || actor.kind === 'apikey') keys.push(`${actor.kind}:${actor.id}`);
  const target = targetOf(source.type, source.stream, source.data);
  if (target.type === 'device') keys.push(`device:${target.id}`);
  if (target.type === 'api_key') keys.push(`apikey:${target.id}`);
  return keys;
}

/**
 * `audit_log`: one row per event of the log, whatever its context, behind
 * GET /api/v1/audit-logs. Device and key names live in `audit_names`, so an entry shows the
 * name its actor and target had when the event happened, in a rebuild as live.
 */
export class AuditProjection implements ReadModelProjection {
  readonly name = 'audit';
  readonly tables = ['audit_log', 'audit_names'] as const;

  async apply(recorded: RecordedEvent, m: EntityManager): Promise<void> {
    const source = auditSourceOf(recorded);
    const naming = namingOf(source.type, source.data);
    if (naming) await m.query(NAME_UPSERT, [`${naming.kind}:${naming.id}`, naming.name]);
    const names = new Map<string, string>();
    for (const key of nameKeys(source)) {
      const rows = await m.query<{ name: string }[]>('SELECT name FROM audit_names WHERE key = ?', [
        key,
      ]);
      if (rows[0]) names.set(key, rows[0].name);
    }
    const entry = describeEvent(source, { get: (kind, id) => names.get(`${kind}:${id}`) });
    await m.query(INSERT, [
      entry.position,
      entry.eventId,
      entry.time,
      entry.stream,
      entry.eventType,
      entry.action,
      entry.actor.kind,
      entry.actor.id,
      entry.actor.name ?? null,
      entry.target.type,
      entry.target.id,
      entry.target.name ?? null,
      entry.outcome === 'success' ? 1 : 0,
      entry.error ?? null,
      entry.sourceIp ?? null,
      entry.correlationId,
      entry.causationId ?? null,
      JSON.stringify(maskSecrets(source.type, source.data()) ?? null),
    ]);
  }
}
