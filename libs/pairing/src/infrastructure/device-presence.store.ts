import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { ReadModelContribution, ReadModelDatabase } from '#libs/projections';
import type { DevicePresence } from '../application/device-directory';

export class DevicePresence1732500000300 implements MigrationInterface {
  name = 'DevicePresence1732500000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "device_presence" (
      "device_id" varchar PRIMARY KEY NOT NULL,
      "last_seen" integer NOT NULL,
      "requests_day" varchar NOT NULL,
      "requests_today" integer NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "device_presence"`);
  }
}

/**
 * When devices were last seen: operational state, not events (a request per device per
 * minute would flood the log). Kept in the read-model database outside every projection,
 * so a rebuild does not touch it; written at most once a minute per device.
 */
export function devicePresenceContribution(): ReadModelContribution {
  return { entities: [], migrations: [DevicePresence1732500000300], projections: [] };
}

export class DevicePresenceStore {
  constructor(private readonly db: ReadModelDatabase) {}

  async load(): Promise<DevicePresence[]> {
    const rows = await this.db.manager.query<
      { device_id: string; last_seen: number; requests_day: string; requests_today: number }[]
    >(`SELECT * FROM "device_presence"`);
    return rows.map((r) => ({
      deviceId: r.device_id,
      lastSeen: Number(r.last_seen),
      requestsDay: r.requests_day,
      requestsToday: Number(r.requests_today),
    }));
  }

  async save(presence: readonly DevicePresence[]): Promise<void> {
    if (presence.length === 0) return;
    await this.db.write(async (manager) => {
      for (const p of presence)
        await manager.query(
          `INSERT INTO "device_presence" ("device_id", "last_seen", "requests_day", "requests_today")
           VALUES (?, ?, ?, ?)
           ON CONFLICT ("device_id") DO UPDATE SET "last_seen" = excluded."last_seen",
             "requests_day" = excluded."requests_day", "requests_today" = excluded."requests_today"`,
          [p.deviceId, p.lastSeen, p.requestsDay, p.requestsToday],
        );
    });
  }
}
