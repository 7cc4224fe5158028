import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, executeOnStream, uuidv7, type EventStore } from '#libs/event-store';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import {
  EXTERNAL_ACTIVITY_STREAM,
  subscriptionDecider,
  subscriptionStream,
  SubscriptionNotFound,
  type SubscriptionCommand,
  type SubscriptionSpec,
} from '../domain';
import type { SubscriptionRecord, WebhookDirectory } from './webhook-directory';

export const WEBHOOK_DIRECTORY = Symbol('WEBHOOK_DIRECTORY');
export const WEBHOOK_SECRETS = Symbol('WEBHOOK_SECRETS');

/** The signing secret of a subscription, derived from the gateway's key: never stored anywhere. */
export type WebhookSecrets = (subscriptionId: string) => string;

export interface SubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  allowPrivateTarget: boolean;
  status: 'active' | 'paused';
  pausedReason?: string;
  createdAt: string;
  delivered: number;
  failures: number;
  lastDeliveredAt?: string;
  lastError?: string;
  failingSince?: string;
}

const ID = /^wh_[0-9a-f]{24}$/;

@Injectable()
export class WebhooksService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WEBHOOK_DIRECTORY) private readonly directory: WebhookDirectory,
    @Inject(WEBHOOK_SECRETS) private readonly secrets: WebhookSecrets,
  ) {}

  async create(
    body: Partial<Record<keyof SubscriptionSpec, unknown>>,
    ctx: CommandContext,
  ): Promise<SubscriptionView & { secret: string }> {
    const id = `wh_${randomBytes(12).toString('hex')}`;
    await this.run(
      id,
      {
        kind: 'Create',
        subscriptionId: id,
        fromPosition: await this.store.headPosition(),
        spec: body,
      },
      ctx,
    );
    return { ...this.get(id), secret: this.secrets(id) };
  }

  list(): SubscriptionView[] {
    return this.directory.list().map(view);
  }

  get(id: string): SubscriptionView {
    const record = ID.test(id) ? this.directory.get(id) : undefined;
    if (!record) throw new SubscriptionNotFound(id);
    return view(record);
  }

  /** Changes the given fields; `{"status":"active"}` resumes a paused subscription. */
  async change(
    id: string,
    body: Partial<Record<keyof SubscriptionSpec | 'status', unknown>>,
    ctx: CommandContext,
  ): Promise<SubscriptionView> {
    this.get(id);
    const { status, ...patch } = body;
    if (status !== undefined && status !== 'active')
      throw new ValidationFailed([
        { field: 'status', message: 'only "active" (to resume) can be set' },
      ]);
    await this.run(
      id,
      { kind: 'Change', subscriptionId: id, patch, resume: status === 'active' },
      ctx,
    );
    return this.get(id);
  }

  async remove(id: string, ctx: CommandContext): Promise<void> {
    this.get(id);
    await this.run(id, { kind: 'Remove', subscriptionId: id }, ctx);
  }

  /** Nekzus's inbound webhooks: recorded, then sent to the phones over the WebSocket. */
  async report(
    kind: 'activity' | 'notify',
    deviceIds: string[],
    payload: Record<string, unknown>,
    ctx: CommandContext,
  ): Promise<string> {
    const id = uuidv7();
    await this.store.append(
      EXTERNAL_ACTIVITY_STREAM,
      [
        {
          id,
          type: 'ExternalActivityReported',
          data: { kind, deviceIds, payload },
          metadata: {
            correlationId: ctx.correlationId,
            actor: ctx.actor,
            ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
          },
        },
      ],
      { streamState: 'any' },
    );
    return id;
  }

  private async run(id: string, command: SubscriptionCommand, ctx: CommandContext): Promise<void> {
    const result = await executeOnStream(
      this.store,
      subscriptionStream(id),
      subscriptionDecider,
      command,
      undefined,
      ctx,
    );
    if (result.position !== undefined) await this.directory.waitFor(result.position, 5000);
  }
}

function view(r: SubscriptionRecord): SubscriptionView {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.eventTypes,
    description: r.description,
    allowPrivateTarget: r.allowPrivateTarget,
    status: r.status,
    ...(r.pausedReason ? { pausedReason: r.pausedReason } : {}),
    createdAt: r.createdAt.toISOString(),
    delivered: r.delivered,
    failures: r.failures,
    ...(r.lastDeliveredAt ? { lastDeliveredAt: r.lastDeliveredAt.toISOString() } : {}),
    ...(r.lastError ? { lastError: r.lastError } : {}),
    ...(r.failingSince ? { failingSince: r.failingSince.toISOString() } : {}),
  };
}
