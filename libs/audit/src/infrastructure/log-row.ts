// From the module, not the event store's barrel: replay workers load this file.
import { STORED_COLUMNS, type StoredRowTuple } from '../../../event-store/src/sqlite/hash-chain';
import type { AuditSource } from '../domain/audit-entry';
import type { HistoryEvent } from '../domain/history-state';

/** Lifts stored data of an older schema version to the newest (a SchemaRegistry is one). */
export interface Upcasting {
  latestVersion(type: string): number | undefined;
  upcast(type: string, version: number, data: unknown): { version: number; data: unknown };
  /** Every type it knows (a SchemaRegistry lists them): lets a replay tell which rows need it. */
  types?(): string[];
}

/** The stored columns of one event, in the order `ROW_COLUMNS` selects them. */
export type RawRow = StoredRowTuple;

export const ROW_COLUMNS = STORED_COLUMNS;

interface Metadata {
  correlationId: string;
  causationId?: string;
  actor: { kind: string; id: string };
  sourceIp?: string;
}

/**
 * One stored event as the audit tools read it: the raw JSON text is kept (replay and export
 * copy it out without parsing, which is most of the cost of reading a log) and parsed on
 * first use, upcast to the newest schema version like the store's own events.
 */
export class LogRow implements AuditSource, HistoryEvent {
  private parsedData: unknown;
  private parsedMetadata: Metadata | undefined;
  private dataParsed = false;

  constructor(
    readonly raw: RawRow,
    private readonly upcasting?: Upcasting,
  ) {}

  get position(): number {
    return this.raw[0];
  }
  get id(): string {
    return this.raw[1];
  }
  get stream(): string {
    return this.raw[2];
  }
  get revision(): number {
    return this.raw[3];
  }
  get type(): string {
    return this.raw[4];
  }
  get recordedAt(): string {
    return this.raw[8];
  }
  /** The stored hash (empty for rows read by `EventLogFile.scan`, which leaves hashes out). */
  get hash(): string {
    return this.raw[10];
  }

  /** True when the stored data is older than the newest schema and must be upcast to be read. */
  get needsUpcast(): boolean {
    return (this.upcasting?.latestVersion(this.type) ?? 0) > this.raw[5];
  }

  /** The stored JSON text of the data, exactly as hashed. */
  get dataText(): string {
    return this.raw[6];
  }

  get metadataText(): string {
    return this.raw[7];
  }

  get metadata(): Metadata {
    return (this.parsedMetadata ??= JSON.parse(this.raw[7]) as Metadata);
  }

  readonly data = (): unknown => {
    if (!this.dataParsed) {
      const parsed: unknown = JSON.parse(this.raw[6]);
      this.parsedData =
        this.upcasting && this.needsUpcast
          ? this.upcasting.upcast(this.type, this.raw[5], parsed).data
          : parsed;
      this.dataParsed = true;
    }
    return this.parsedData;
  };

  get correlationId(): string {
    return this.metadata.correlationId;
  }

  get causationId(): string | undefined {
    return this.metadata.causationId;
  }
}
