import { DomainError, ValidationFailed, type Decider, type ErrorDetail } from '#libs/kernel';
import type { SubscriptionSpec, WebhookEvent } from './webhook.events';

export type SubscriptionState =
  { status: 'missing' | 'removed' } | { status: 'active' | 'paused'; spec: SubscriptionSpec };

export type SubscriptionCommand =
  | {
      kind: 'Create';
      subscriptionId: string;
      fromPosition: bigint;
      spec: Partial<Record<keyof SubscriptionSpec, unknown>>;
    }
  | {
      kind: 'Change';
      subscriptionId: string;
      patch: Partial<Record<keyof SubscriptionSpec, unknown>>;
      resume?: boolean;
    }
  | { kind: 'Remove'; subscriptionId: string }
  | { kind: 'Pause'; subscriptionId: string; reason: string };

export class SubscriptionNotFound extends DomainError {
  constructor(id: string) {
    super('SUBSCRIPTION_NOT_FOUND', 'not_found', `no webhook subscription with id "${id}"`);
  }
}

const TYPE = /^(\*|[A-Z][A-Za-z0-9]{1,63})$/;

export function checkSpec(
  input: Partial<Record<keyof SubscriptionSpec, unknown>>,
): SubscriptionSpec {
  const problems: ErrorDetail[] = [];
  let url = '';
  if (typeof input.url !== 'string') problems.push({ field: 'url', message: 'is required' });
  else {
    try {
      const parsed = new URL(input.url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        problems.push({ field: 'url', message: 'must be http:// or https://' });
      else if (parsed.username || parsed.password)
        problems.push({ field: 'url', message: 'must not carry credentials' });
      else url = parsed.toString();
    } catch {
      problems.push({ field: 'url', message: `"${input.url}" is not a URL` });
    }
  }
  const types = Array.isArray(input.eventTypes) ? (input.eventTypes as unknown[]) : [];
  if (types.length === 0)
    problems.push({ field: 'eventTypes', message: 'at least one event type, or "*" for all' });
  if (types.length > 64) problems.push({ field: 'eventTypes', message: 'at most 64' });
  types.forEach((t, i) => {
    if (typeof t !== 'string' || !TYPE.test(t))
      problems.push({
        field: `eventTypes.${i}`,
        message: `"${String(t)}" is not an event type name`,
      });
  });
  const description = input.description === undefined ? '' : input.description;
  if (typeof description !== 'string' || description.length > 256)
    problems.push({ field: 'description', message: 'a string of at most 256 characters' });
  const allow = input.allowPrivateTarget === undefined ? false : input.allowPrivateTarget;
  if (typeof allow !== 'boolean')
    problems.push({ field: 'allowPrivateTarget', message: 'true or false' });
  if (problems.length > 0) throw new ValidationFailed(problems);
  return {
    url,
    eventTypes: [...new Set(types as string[])],
    description: description as string,
    allowPrivateTarget: allow as boolean,
  };
}

export const subscriptionDecider: Decider<
  SubscriptionCommand,
  WebhookEvent,
  SubscriptionState,
  void
> = {
  initialState: () => ({ status: 'missing' }),
  evolve(state, event) {
    switch (event.type) {
      case 'WebhookSubscriptionCreated':
      case 'WebhookSubscriptionChanged': {
        const { url, eventTypes, description, allowPrivateTarget } = event.data;
        const spec = { url, eventTypes, description, allowPrivateTarget };
        return {
          status:
            state.status === 'paused' && event.type === 'WebhookSubscriptionChanged'
              ? 'paused'
              : 'active',
          spec,
        };
      }
      case 'WebhookSubscriptionRemoved':
        return { status: 'removed' };
      case 'WebhookSubscriptionPaused':
        return state.status === 'active' ? { ...state, status: 'paused' } : state;
      case 'WebhookSubscriptionResumed':
        return state.status === 'paused' ? { ...state, status: 'active' } : state;
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'Create':
        if (state.status !== 'missing')
          throw new DomainError(
            'SUBSCRIPTION_EXISTS',
            'conflict',
            `subscription ${command.subscriptionId} exists`,
          );
        return [
          {
            type: 'WebhookSubscriptionCreated',
            data: {
              subscriptionId: command.subscriptionId,
              fromPosition: String(command.fromPosition),
              ...checkSpec(command.spec),
            },
          },
        ];
      case 'Change': {
        if (state.status !== 'active' && state.status !== 'paused')
          throw new SubscriptionNotFound(command.subscriptionId);
        const next = checkSpec({ ...state.spec, ...command.patch });
        const changedFields = (Object.keys(next) as (keyof SubscriptionSpec)[]).filter(
          (k) => JSON.stringify(next[k]) !== JSON.stringify(state.spec[k]),
        );
        const events: WebhookEvent[] = [];
        if (changedFields.length > 0)
          events.push({
            type: 'WebhookSubscriptionChanged',
            data: { subscriptionId: command.subscriptionId, changedFields, ...next },
          });
        if (command.resume && state.status === 'paused')
          events.push({
            type: 'WebhookSubscriptionResumed',
            data: { subscriptionId: command.subscriptionId },
          });
        return events;
      }
      case 'Remove':
        if (state.status !== 'active' && state.status !== 'paused')
          throw new SubscriptionNotFound(command.subscriptionId);
        return [
          { type: 'WebhookSubscriptionRemoved', data: { subscriptionId: command.subscriptionId } },
        ];
      case 'Pause':
        if (state.status !== 'active') return [];
        return [
          {
            type: 'WebhookSubscriptionPaused',
            data: { subscriptionId: command.subscriptionId, reason: command.reason },
          },
        ];
    }
  },
};
