import type { DataSource } from 'typeorm';
import type { ActivityItem } from '../domain/activity';

interface Row {
  position: number;
  id: string;
  type: string;
  icon: string;
  icon_class: string;
  message: string;
  details: string | null;
  timestamp: number;
}

/** One feed entry and where it sits in the log (the cursor for paging). */
export interface ActivityEntry {
  position: number;
  item: ActivityItem;
}

export interface ActivityPage {
  entries: ActivityEntry[];
  total: number;
  /** The `after` for the next (older) page, or null when this page is the last. */
  nextCursor: number | null;
}

const toItem = (r: Row): ActivityItem => ({
  id: r.id,
  type: r.type,
  icon: r.icon,
  iconClass: r.icon_class,
  message: r.message,
  ...(r.details ? { details: r.details } : {}),
  timestamp: r.timestamp,
});

/** Reads of the activity read model, newest first. */
export class ActivityFeed {
  constructor(
    private readonly db: DataSource,
    /** Resolves once the projection has caught up with what was recorded before the call. */
    private readonly settle: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async count(): Promise<number> {
    await this.settle();
    return this.countNow();
  }

  private async countNow(): Promise<number> {
    const rows = await this.db.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM activity_feed');
    return rows[0]?.n ?? 0;
  }

  /** Offset paging, as Nekzus's `limit`/`offset` (limit undefined = everything). */
  async recent(limit: number | undefined, offset = 0): Promise<ActivityItem[]> {
    await this.settle();
    const rows = await this.db.query<Row[]>(
      'SELECT * FROM activity_feed ORDER BY position DESC LIMIT ? OFFSET ?',
      [limit ?? -1, offset],
    );
    return rows.map(toItem);
  }

  /** Cursor paging: `first` entries older than the entry at position `after`. */
  async page(first: number, after?: number): Promise<ActivityPage> {
    await this.settle();
    const rows = await this.db.query<Row[]>(
      after === undefined
        ? 'SELECT * FROM activity_feed ORDER BY position DESC LIMIT ?'
        : 'SELECT * FROM activity_feed WHERE position < ? ORDER BY position DESC LIMIT ?',
      after === undefined ? [first + 1] : [after, first + 1],
    );
    const more = rows.length > first;
    const entries = rows.slice(0, first).map((r) => ({ position: r.position, item: toItem(r) }));
    return {
      entries,
      total: await this.countNow(),
      nextCursor: more ? (entries.at(-1)?.position ?? null) : null,
    };
  }
}
