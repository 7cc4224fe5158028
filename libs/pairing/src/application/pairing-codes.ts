import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import { PAIRING_CODE_EVENT_TYPES, type PairingCodeEvent, type PairingCodeIssued } from '../domain';

export interface CodeRecord {
  code: PairingCodeIssued['data'];
  issuedAt: Date;
  issuedBy: string;
  status: 'issued' | 'redeemed' | 'used';
  revision: bigint;
  deviceId?: string;
}

const TYPES: ReadonlySet<string> = new Set(PAIRING_CODE_EVENT_TYPES);
/** Codes are forgotten this long after they expire (they can no longer be asked about). */
const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

/** Pairing codes that can still matter, indexed by code hash and by bootstrap-token digest. */
export class PairingCodes {
  readonly name = 'pairing-codes';
  private readonly byId = new Map<string, CodeRecord>();
  private readonly byHash = new Map<string, string>();
  private readonly byToken = new Map<string, string>();
  private readonly tracker = new PositionTracker();

  constructor(private readonly now: () => number = Date.now) {}

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type))
      this.on({ type: recorded.type, data: recorded.data } as PairingCodeEvent, recorded);
    this.tracker.advance(recorded.position);
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  private on(event: PairingCodeEvent, recorded: RecordedEvent): void {
    switch (event.type) {
      case 'PairingCodeIssued':
        this.sweep();
        if (Date.parse(event.data.expiresAt) + KEEP_AFTER_EXPIRY_MS < this.now()) return;
        this.byId.set(event.data.codeId, {
          code: event.data,
          issuedAt: recorded.recordedAt,
          issuedBy: `${recorded.metadata.actor.kind}:${recorded.metadata.actor.id}`,
          status: 'issued',
          revision: recorded.revision,
        });
        this.byHash.set(event.data.codeHash, event.data.codeId);
        this.byToken.set(event.data.tokenDigest, event.data.codeId);
        return;
      case 'PairingCodeRedeemed': {
        const record = this.byId.get(event.data.codeId);
        if (record) {
          if (record.status === 'issued') record.status = 'redeemed';
          record.revision = recorded.revision;
        }
        return;
      }
      case 'PairingCodeUsed': {
        const record = this.byId.get(event.data.codeId);
        if (record) {
          record.status = 'used';
          record.deviceId = event.data.deviceId;
          record.revision = recorded.revision;
        }
        return;
      }
    }
  }

  byCodeHash(hash: string): CodeRecord | undefined {
    const id = this.byHash.get(hash);
    return id === undefined ? undefined : this.byId.get(id);
  }

  byTokenDigest(digest: string): CodeRecord | undefined {
    const id = this.byToken.get(digest);
    return id === undefined ? undefined : this.byId.get(id);
  }

  byCodeId(codeId: string): CodeRecord | undefined {
    return this.byId.get(codeId);
  }

  private sweep(): void {
    const horizon = this.now() - KEEP_AFTER_EXPIRY_MS;
    for (const [id, record] of this.byId) {
      if (Date.parse(record.code.expiresAt) >= horizon) continue;
      this.byId.delete(id);
      this.byHash.delete(record.code.codeHash);
      this.byToken.delete(record.code.tokenDigest);
    }
  }
}
