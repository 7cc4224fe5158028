import { describe, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import { subscriptionDecider } from './subscription.decider';
import type { WebhookEvent } from './webhook.events';

const spec = {
  url: 'https://hooks.example/in',
  eventTypes: ['RouteAdded'],
  description: '',
  allowPrivateTarget: false,
};
const created: WebhookEvent = {
  type: 'WebhookSubscriptionCreated',
  data: { subscriptionId: 'wh_1', fromPosition: '7', ...spec },
};

describe('webhook subscription decider', () => {
  const given = deciderSpecification(subscriptionDecider, undefined);

  it('creates with a checked spec, starting after the given position', () => {
    given
      .given([])
      .when({
        kind: 'Create',
        subscriptionId: 'wh_1',
        fromPosition: 7n,
        spec: { url: 'https://hooks.example/in', eventTypes: ['RouteAdded', 'RouteAdded'] },
      })
      .then([created]);
  });

  it('refuses bad URLs and event types, every problem at once', () => {
    given
      .given([])
      .when({
        kind: 'Create',
        subscriptionId: 'wh_1',
        fromPosition: 0n,
        spec: { url: 'https://u:p@x/', eventTypes: ['routeAdded', 3] },
      })
      .thenThrows(
        'VALIDATION_FAILED',
        /url: must not carry credentials; eventTypes.0: .*; eventTypes.1:/,
      );
  });

  it('changes only what differs, and resumes a paused subscription on request', () => {
    const paused: WebhookEvent = {
      type: 'WebhookSubscriptionPaused',
      data: { subscriptionId: 'wh_1', reason: 'failing' },
    };
    given
      .given([created, paused])
      .when({ kind: 'Change', subscriptionId: 'wh_1', patch: { eventTypes: ['*'] }, resume: true })
      .then([
        {
          type: 'WebhookSubscriptionChanged',
          data: {
            subscriptionId: 'wh_1',
            changedFields: ['eventTypes'],
            ...spec,
            eventTypes: ['*'],
          },
        },
        { type: 'WebhookSubscriptionResumed', data: { subscriptionId: 'wh_1' } },
      ]);
    given
      .given([created])
      .when({ kind: 'Change', subscriptionId: 'wh_1', patch: { url: spec.url } })
      .then([]);
  });

  it('pauses only an active subscription and answers 404 for a removed one', () => {
    given
      .given([created])
      .when({ kind: 'Pause', subscriptionId: 'wh_1', reason: 'x' })
      .then([{ type: 'WebhookSubscriptionPaused', data: { subscriptionId: 'wh_1', reason: 'x' } }]);
    const removed: WebhookEvent = {
      type: 'WebhookSubscriptionRemoved',
      data: { subscriptionId: 'wh_1' },
    };
    given
      .given([created, removed])
      .when({ kind: 'Pause', subscriptionId: 'wh_1', reason: 'x' })
      .then([]);
    given
      .given([created, removed])
      .when({ kind: 'Remove', subscriptionId: 'wh_1' })
      .thenThrows('SUBSCRIPTION_NOT_FOUND');
  });
});
