import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import { WEBHOOK_EVENT_TYPES, type SubscriptionSpec, type WebhookEvent } from '../domain';

export interface SubscriptionRecord extends SubscriptionSpec {
  id: string;
  status: 'active' | 'paused';
  pausedReason?: string;
  createdAt: Date;
  /** Position of the last event delivered (or 0): delivery resumes after it. */
  checkpoint: bigint;
  lastDeliveredAt?: Date;
  lastError?: string;
  /** When the current run of failures began; cleared by a delivery. */
  failingSince?: Date;
  delivered: number;
  failures: number;
}

const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

/** Subscriptions and their delivery progress, rebuilt from the log: a restart resumes exactly where delivery stood. */
export class WebhookDirectory {
  readonly name = 'webhook-directory';
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly tracker = new PositionTracker();
  private readonly listeners = new Set<(id: string) => void>();

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type) && recorded.type !== 'ExternalActivityReported')
      this.on({ type: recorded.type, data: recorded.data } as WebhookEvent, recorded.recordedAt);
    this.tracker.advance(recorded.position);
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  /** Called with a subscription's id whenever it is created, changed, paused, resumed or removed. */
  onChange(listener: (id: string) => void): void {
    this.listeners.add(listener);
  }

  private on(event: WebhookEvent, at: Date): void {
    const id = event.data.subscriptionId;
    const record = this.subscriptions.get(id);
    switch (event.type) {
      case 'WebhookSubscriptionCreated': {
        const { url, eventTypes, description, allowPrivateTarget } = event.data;
        this.subscriptions.set(id, {
          id,
          url,
          eventTypes,
          description,
          allowPrivateTarget,
          status: 'active',
          createdAt: at,
          checkpoint: BigInt(event.data.fromPosition),
          delivered: 0,
          failures: 0,
        });
        break;
      }
      case 'WebhookSubscriptionChanged':
        if (record) {
          const { url, eventTypes, description, allowPrivateTarget } = event.data;
          Object.assign(record, { url, eventTypes, description, allowPrivateTarget });
        }
        break;
      case 'WebhookSubscriptionRemoved':
        this.subscriptions.delete(id);
        break;
      case 'WebhookSubscriptionPaused':
        if (record) Object.assign(record, { status: 'paused', pausedReason: event.data.reason });
        break;
      case 'WebhookSubscriptionResumed':
        if (record) {
          record.status = 'active';
          delete record.pausedReason;
          delete record.failingSince;
        }
        break;
      case 'WebhookDelivered':
        if (record) {
          record.checkpoint = BigInt(event.data.position);
          record.lastDeliveredAt = at;
          record.delivered++;
          delete record.failingSince;
        }
        return;
      case 'WebhookDeliveryFailed':
        if (record) {
          record.lastError = event.data.error;
          record.failingSince ??= at;
          record.failures++;
        }
        return;
    }
    for (const listener of this.listeners) listener(id);
  }

  get(id: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(id);
  }

  list(): SubscriptionRecord[] {
    return [...this.subscriptions.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
  }
}
