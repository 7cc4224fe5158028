import type { RecordedEvent } from '#libs/event-store';
import type { ReadModelContribution, ReadModelProjection } from '#libs/projections';
import type { EntityManager } from 'typeorm';
import { ACTIVITY_EVENT_TYPES, activityOf, deviceNameOf } from '../domain/activity';
import { ActivityReadModels1732500001000 } from './activity.migrations';

/** The feed keeps this many newest entries; older ones are pruned as new ones arrive. */
export const ACTIVITY_RETAINED = 1000;

const TYPES = new Set<string>(ACTIVITY_EVENT_TYPES);
const INSERT = `INSERT INTO activity_feed (position, id, type, icon, icon_class, message, details, timestamp)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const NAME_UPSERT = `INSERT INTO activity_names (key, name) VALUES (?, ?)
  ON CONFLICT(key) DO UPDATE SET name = excluded.name`;
const PRUNE = `DELETE FROM activity_feed WHERE position <= (
  SELECT position FROM activity_feed ORDER BY position DESC LIMIT 1 OFFSET ${ACTIVITY_RETAINED})`;

/**
 * `activity_feed`: Nekzus's recent-activity list as a projection of the log (Nekzus keeps a
 * second table that handlers must remember to write, and only ten rows of it). Keeps the
 * newest {@link ACTIVITY_RETAINED}; device names in `activity_names` so a revocation names
 * the device it revoked.
 */
export class ActivityProjection implements ReadModelProjection {
  readonly name = 'activity';
  readonly tables = ['activity_feed', 'activity_names'] as const;

  async apply(recorded: RecordedEvent, m: EntityManager): Promise<void> {
    if (!TYPES.has(recorded.type)) return;
    const source = { type: recorded.type, recordedAt: recorded.recordedAt, data: recorded.data };
    const learnt = deviceNameOf(source);
    if (learnt) await m.query(NAME_UPSERT, [`device:${learnt.deviceId}`, learnt.name]);
    let deviceName: string | undefined;
    if (recorded.type === 'DeviceRevoked') {
      const id = (recorded.data as { deviceId: string }).deviceId;
      const rows = await m.query<{ name: string }[]>(
        'SELECT name FROM activity_names WHERE key = ?',
        [`device:${id}`],
      );
      deviceName = rows[0]?.name;
    }
    const item = activityOf(source, { device: () => deviceName });
    if (!item) return;
    await m.query(INSERT, [
      Number(recorded.position),
      item.id,
      item.type,
      item.icon,
      item.iconClass,
      item.message,
      item.details ?? null,
      item.timestamp,
    ]);
    await m.query(PRUNE);
  }
}

export function activityReadModel(): ReadModelContribution {
  return {
    entities: [],
    migrations: [ActivityReadModels1732500001000],
    projections: [new ActivityProjection()],
  };
}
