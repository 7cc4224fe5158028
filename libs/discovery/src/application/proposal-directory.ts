import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import {
  PROPOSAL_EVENT_TYPES,
  type DiscoveredService,
  type ProposalEvent,
  type ProposalStatus,
} from '../domain';

export interface ProposalRecord {
  service: DiscoveredService;
  status: ProposalStatus;
  present: boolean;
  firstSeen: Date;
  lastSeen: Date;
  /** Who decided, and why (rejections). */
  decidedBy?: string;
  reason?: string;
  routeId?: string;
}

const TYPES: ReadonlySet<string> = new Set(PROPOSAL_EVENT_TYPES);

/** Every proposal and its state, in memory, rebuilt from the log at start. */
export class ProposalDirectory {
  readonly name = 'proposal-directory';
  private readonly proposals = new Map<string, ProposalRecord>();
  private readonly tracker = new PositionTracker();

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type))
      this.on({ type: recorded.type, data: recorded.data } as ProposalEvent, recorded);
    this.tracker.advance(recorded.position);
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  private on(event: ProposalEvent, recorded: RecordedEvent): void {
    const at = recorded.recordedAt;
    const actor = `${recorded.metadata.actor.kind}:${recorded.metadata.actor.id}`;
    const record = this.proposals.get(event.data.proposalId);
    switch (event.type) {
      case 'ServiceDiscovered':
        if (record)
          Object.assign(record, { service: event.data.service, present: true, lastSeen: at });
        else
          this.proposals.set(event.data.proposalId, {
            service: event.data.service,
            status: 'pending',
            present: true,
            firstSeen: at,
            lastSeen: at,
          });
        return;
      case 'ServiceChanged':
        if (!record) return;
        Object.assign(record, { service: event.data.service, present: true, lastSeen: at });
        if (record.status === 'rejected') {
          record.status = 'pending';
          delete record.decidedBy;
          delete record.reason;
        }
        return;
      case 'ServiceVanished':
        if (record) record.present = false;
        return;
      case 'ProposalApproved':
        if (record)
          Object.assign(record, {
            status: 'approved',
            decidedBy: actor,
            routeId: event.data.route.routeId,
          });
        return;
      case 'ProposalApprovalFailed':
        if (record) {
          record.status = 'pending';
          record.reason = event.data.reason;
          delete record.routeId;
        }
        return;
      case 'ProposalRejected':
        if (record)
          Object.assign(record, {
            status: 'rejected',
            decidedBy: actor,
            reason: event.data.reason,
          });
        return;
      case 'ProposalDismissed':
        if (record) Object.assign(record, { status: 'dismissed', decidedBy: actor });
        return;
      case 'ProposalRestored':
        if (record) {
          record.status = 'pending';
          delete record.decidedBy;
        }
        return;
    }
  }

  get(proposalId: string): ProposalRecord | undefined {
    return this.proposals.get(proposalId);
  }

  /** Newest sighting first. */
  list(filter: { source?: string; status?: string } = {}): ProposalRecord[] {
    return [...this.proposals.values()]
      .filter(
        (p) =>
          (filter.source === undefined || p.service.source === filter.source) &&
          (filter.status === undefined || p.status === filter.status),
      )
      .sort(
        (a, b) =>
          b.lastSeen.getTime() - a.lastSeen.getTime() ||
          a.service.proposalId.localeCompare(b.service.proposalId),
      );
  }

  /** Proposals from `source` whose service is currently there. */
  presentOf(source: string): ProposalRecord[] {
    return [...this.proposals.values()].filter((p) => p.present && p.service.source === source);
  }

  /** An approved proposal with the same identity, for recognising a service that moved. */
  approvedWithIdentity(source: string, identity: string): ProposalRecord | undefined {
    for (const p of this.proposals.values())
      if (p.status === 'approved' && p.service.source === source && p.service.identity === identity)
        return p;
    return undefined;
  }
}
