import type { DomainEvent } from '#libs/kernel';

export interface SubscriptionSpec {
  url: string;
  /** Event types to deliver; `*` for every type. */
  eventTypes: string[];
  description: string;
  /** Deliver to loopback/private/link-local addresses (also needs webhooks.allow_private_targets). */
  allowPrivateTarget: boolean;
}

export type WebhookSubscriptionCreated = DomainEvent<
  'WebhookSubscriptionCreated',
  /** `fromPosition`: the log's head at creation; events after it are delivered, not history. */
  { subscriptionId: string; fromPosition: string } & SubscriptionSpec
>;
export type WebhookSubscriptionChanged = DomainEvent<
  'WebhookSubscriptionChanged',
  { subscriptionId: string; changedFields: string[] } & SubscriptionSpec
>;
export type WebhookSubscriptionRemoved = DomainEvent<
  'WebhookSubscriptionRemoved',
  { subscriptionId: string }
>;
export type WebhookSubscriptionPaused = DomainEvent<
  'WebhookSubscriptionPaused',
  { subscriptionId: string; reason: string }
>;
export type WebhookSubscriptionResumed = DomainEvent<
  'WebhookSubscriptionResumed',
  { subscriptionId: string }
>;
/** One event reached the receiver (a 2xx); delivery goes on after `position`. */
export type WebhookDelivered = DomainEvent<
  'WebhookDelivered',
  { subscriptionId: string; eventId: string; position: string; status: number; attempts: number }
>;
export type WebhookDeliveryFailed = DomainEvent<
  'WebhookDeliveryFailed',
  {
    subscriptionId: string;
    eventId: string;
    position: string;
    attempt: number;
    error: string;
    retryInSeconds: number;
  }
>;

export type WebhookEvent =
  | WebhookSubscriptionCreated
  | WebhookSubscriptionChanged
  | WebhookSubscriptionRemoved
  | WebhookSubscriptionPaused
  | WebhookSubscriptionResumed
  | WebhookDelivered
  | WebhookDeliveryFailed;

/** An API caller reported activity or a notification for the phones (Nekzus's inbound webhooks). */
export type ExternalActivityReported = DomainEvent<
  'ExternalActivityReported',
  { kind: 'activity' | 'notify'; deviceIds: string[]; payload: Record<string, unknown> }
>;

export const WEBHOOK_EVENT_TYPES = [
  'WebhookSubscriptionCreated',
  'WebhookSubscriptionChanged',
  'WebhookSubscriptionRemoved',
  'WebhookSubscriptionPaused',
  'WebhookSubscriptionResumed',
  'WebhookDelivered',
  'WebhookDeliveryFailed',
  'ExternalActivityReported',
] as const;

export const subscriptionStream = (id: string) => `webhook-${id}`;
export const EXTERNAL_ACTIVITY_STREAM = 'external-activity';
