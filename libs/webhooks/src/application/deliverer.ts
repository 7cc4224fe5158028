import { uuidv7, type EventStore, type RecordedEvent, type Subscription } from '#libs/event-store';
import { maskSecrets } from '#libs/audit';
import { subscriptionStream, WEBHOOK_EVENT_TYPES } from '../domain';
import { send, type SendResult } from '../infrastructure/webhook-sender';
import type { SubscriptionRecord, WebhookDirectory } from './webhook-directory';

export interface DelivererOptions {
  /** First retry after this; doubles up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A subscription failing this long is paused, saying why. */
  pauseAfterMs: number;
  allowPrivateTargets: () => boolean;
  secretOf: (subscriptionId: string) => string;
  now?: () => number;
  logger?: { warn(msg: string): void };
}

export const DEFAULT_DELIVERY = {
  baseBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  pauseAfterMs: 24 * 3600_000,
};

const OWN: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

interface Worker {
  stop(): void;
  done: Promise<void>;
}

/**
 * Delivers events to every active subscription, in log order, each event once per
 * subscription: a consumer per subscription reads the log after its checkpoint (the last
 * `WebhookDelivered`), so a restart resumes where delivery stood. A failing receiver is
 * retried with exponential backoff (each failure recorded), the same event until it is
 * taken; after `pauseAfterMs` of failures the subscription is paused with the reason.
 */
export class Deliverer {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly directory: WebhookDirectory,
    private readonly options: DelivererOptions,
  ) {}

  start(): void {
    this.directory.onChange((id) => this.sync(id));
    for (const s of this.directory.list()) this.sync(s.id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.workers.values()];
    for (const w of all) w.stop();
    this.workers.clear();
    await Promise.all(all.map((w) => w.done));
  }

  /** (Re)starts or stops the worker of one subscription to match its state. */
  private sync(id: string): void {
    if (this.stopped) return;
    this.workers.get(id)?.stop();
    this.workers.delete(id);
    const record = this.directory.get(id);
    if (record?.status === 'active') this.workers.set(id, this.run(record));
  }

  private run(record: SubscriptionRecord): Worker {
    let stopped = false;
    let subscription: Subscription | undefined;
    let wake: (() => void) | undefined;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        timer.unref();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const all = record.eventTypes.includes('*');
    const done = (async () => {
      subscription = this.store.subscribeToAll({
        from: record.checkpoint,
        ...(all ? {} : { filter: { eventTypes: record.eventTypes } }),
      });
      for await (const event of subscription) {
        if (stopped) return;
        if (OWN.has(event.type)) continue;
        for (let attempt = 1; !stopped; attempt++) {
          const result = await this.deliver(record, event);
          if (stopped) return;
          if (result.ok) {
            await this.record(record.id, 'WebhookDelivered', {
              subscriptionId: record.id,
              eventId: event.id,
              position: String(event.position),
              status: result.status,
              attempts: attempt,
            });
            break;
          }
          const wait = Math.min(
            this.options.baseBackoffMs * 2 ** (attempt - 1),
            this.options.maxBackoffMs,
          );
          await this.record(record.id, 'WebhookDeliveryFailed', {
            subscriptionId: record.id,
            eventId: event.id,
            position: String(event.position),
            attempt,
            error: result.error.slice(0, 1024),
            retryInSeconds: Math.ceil(wait / 1000),
          });
          const current = this.directory.get(record.id);
          const since = current?.failingSince?.getTime() ?? this.now();
          if (this.now() - since >= this.options.pauseAfterMs) {
            await this.record(record.id, 'WebhookSubscriptionPaused', {
              subscriptionId: record.id,
              reason:
                `deliveries failed for ${Math.round((this.now() - since) / 60_000)} minutes; last error: ${result.error}`.slice(
                  0,
                  1024,
                ),
            });
            return;
          }
          await sleep(wait);
        }
      }
    })().catch((error: unknown) =>
      this.options.logger?.warn(`webhook ${record.id}: ${String(error)}`),
    );
    return {
      stop() {
        stopped = true;
        subscription?.unsubscribe();
        wake?.();
      },
      done,
    };
  }

  private deliver(record: SubscriptionRecord, event: RecordedEvent): Promise<SendResult> {
    const body = JSON.stringify({
      id: event.id,
      type: event.type,
      stream: event.stream,
      position: String(event.position),
      recordedAt: event.recordedAt.toISOString(),
      data: maskSecrets(event.type, event.data),
      metadata: {
        correlationId: event.metadata.correlationId,
        ...(event.metadata.causationId ? { causationId: event.metadata.causationId } : {}),
        actor: event.metadata.actor,
      },
    });
    return send({
      url: record.url,
      secret: this.options.secretOf(record.id),
      eventId: event.id,
      eventType: event.type,
      body,
      allowPrivate: record.allowPrivateTarget && this.options.allowPrivateTargets(),
      now: () => this.now(),
    });
  }

  private async record(id: string, type: string, data: unknown): Promise<void> {
    const result = await this.store.append(
      subscriptionStream(id),
      [
        {
          id: uuidv7(),
          type,
          data,
          metadata: { correlationId: uuidv7(), actor: { kind: 'system', id: 'webhooks' } },
        },
      ],
      { streamState: 'any' },
    );
    await this.directory.waitFor(result.position, 5000);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
