import type { EventMetadata, RecordedEvent } from '../event-store.port';
import type { SchemaRegistry } from '../schema-registry';

const UNSET = Symbol('unset');

/**
 * A recorded event read from the file. Its JSON columns are parsed on first use: most readers
 * of `$all` (every projection, `audit`, filtered tails) look at the type and stream of many
 * events and at the data of few, and parsing is most of the cost of reading. The result
 * behaves like a plain RecordedEvent, `JSON.stringify` included.
 */
export class StoredEvent implements RecordedEvent {
  private parsedData: unknown = UNSET;
  private parsedMetadata: EventMetadata | typeof UNSET = UNSET;
  private version: number;

  constructor(
    readonly id: string,
    readonly stream: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly type: string,
    storedVersion: number,
    private readonly rawData: string,
    private readonly rawMetadata: string,
    private readonly rawRecordedAt: string,
    private readonly schemas: SchemaRegistry,
  ) {
    this.version = storedVersion;
  }

  get data(): unknown {
    if (this.parsedData !== UNSET) return this.parsedData;
    const parsed: unknown = JSON.parse(this.rawData);
    if (this.version < (this.schemas.latestVersion(this.type) ?? 0)) {
      const lifted = this.schemas.upcast(this.type, this.version, parsed);
      this.version = lifted.version;
      this.parsedData = lifted.data;
    } else this.parsedData = parsed;
    return this.parsedData;
  }

  /** The version of `data` as delivered: older stored versions are upcast on read. */
  get schemaVersion(): number {
    if (this.version < (this.schemas.latestVersion(this.type) ?? 0)) void this.data;
    return this.version;
  }

  get metadata(): EventMetadata {
    if (this.parsedMetadata === UNSET)
      this.parsedMetadata = JSON.parse(this.rawMetadata) as EventMetadata;
    return this.parsedMetadata;
  }

  get recordedAt(): Date {
    return new Date(this.rawRecordedAt);
  }

  toJSON(): RecordedEvent {
    return {
      id: this.id,
      stream: this.stream,
      revision: this.revision,
      position: this.position,
      type: this.type,
      schemaVersion: this.schemaVersion,
      data: this.data,
      metadata: this.metadata,
      recordedAt: this.recordedAt,
    };
  }
}
