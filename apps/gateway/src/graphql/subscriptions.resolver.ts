import { Inject } from '@nestjs/common';
import { Args, Float, Resolver, Subscription } from '@nestjs/graphql';
import { ActivityFeed, ACTIVITY_EVENT_TYPES } from '#libs/activity';
import { maskSecrets, parseAuditFilter } from '#libs/audit';
import { PROPOSAL_DIRECTORY, PROPOSAL_EVENT_TYPES, type ProposalDirectory } from '#libs/discovery';
import {
  EVENT_STORE,
  type EventFilter as StoreFilter,
  type EventStore,
  type RecordedEvent,
} from '#libs/event-store';
import {
  HEALTH_EVENT_TYPES,
  type ServiceBecameHealthy,
  type ServiceBecameUnhealthy,
} from '#libs/health';
import { RequireScope } from '#libs/http';
import { ValidationFailed } from '#libs/kernel';
import { PROJECTION_RUNNER, type ProjectionRunner } from '#libs/projections';
import {
  ActivityItem,
  EventFilter,
  HealthChange,
  Proposal,
  RecordedEventView,
} from './graphql.types';
import { defined, proposalOf } from './views';

/** How long a subscription waits for a projection to apply an event before it skips it. */
const PROJECTION_WAIT_MS = 5_000;

/**
 * A subscription of the event store as the async iterator GraphQL wants: each event mapped
 * (or skipped when `map` gives undefined). Ending it — the client completes, the socket
 * closes — unsubscribes from the store at once, even while a `next()` is waiting.
 */
export function streamOf<T>(
  store: EventStore,
  options: { from: bigint | 'end'; filter: StoreFilter },
  map: (event: RecordedEvent) => Promise<T | undefined> | T | undefined,
): AsyncIterableIterator<T> {
  const subscription = store.subscribeToAll(options);
  const events = subscription[Symbol.asyncIterator]();
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const next = await events.next();
        if (next.done) return done();
        const value = await map(next.value);
        if (value !== undefined) return { done: false, value };
      }
    },
    async return() {
      subscription.unsubscribe();
      return done();
    },
    async throw(error: unknown) {
      subscription.unsubscribe();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function startOf(afterPosition: number | null | undefined): bigint | 'end' {
  if (afterPosition === undefined || afterPosition === null) return 'end';
  if (!Number.isSafeInteger(afterPosition) || afterPosition < 0)
    throw new ValidationFailed([
      { field: 'afterPosition', message: 'must be a log position (a whole number from 0)' },
    ]);
  return BigInt(afterPosition);
}

export function recordedEventView(e: RecordedEvent): RecordedEventView {
  return {
    id: e.id,
    stream: e.stream,
    revision: Number(e.revision),
    position: Number(e.position),
    type: e.type,
    schemaVersion: e.schemaVersion,
    // As the audit log: hashes of passwords, keys and codes are never shown.
    data: JSON.stringify(maskSecrets(e.type, e.data)),
    metadata: JSON.stringify(e.metadata),
    recordedAt: e.recordedAt.toISOString(),
  };
}

const AFTER = {
  type: () => Float,
  nullable: true,
  description:
    'Continue after this log position (exclusive): the events since then first, then live, without gaps. Live only when left out.',
} as const;

/** Live pushes over graphql-ws, each a subscription of the event store. */
@Resolver()
export class SubscriptionsResolver {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROPOSAL_DIRECTORY) private readonly proposals: ProposalDirectory,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    @Inject(ActivityFeed) private readonly feed: ActivityFeed,
  ) {}

  @Subscription(() => RecordedEventView, {
    description: 'Recorded events as they are appended, narrowed by type and stream prefix.',
    resolve: (event: RecordedEventView) => event,
  })
  @RequireScope('read:events')
  events(
    @Args('filter', { type: () => EventFilter, nullable: true }) filter?: EventFilter | null,
    @Args('afterPosition', AFTER) afterPosition?: number | null,
  ): AsyncIterableIterator<RecordedEventView> {
    const { types, streams } = parseAuditFilter(defined(filter ?? {}));
    return streamOf(
      this.store,
      {
        from: startOf(afterPosition),
        filter: {
          ...(types ? { eventTypes: types } : {}),
          ...(streams ? { streamPrefixes: streams } : {}),
        },
      },
      recordedEventView,
    );
  }

  @Subscription(() => Proposal, {
    name: 'proposals',
    description: 'A proposal each time it is discovered, changes, vanishes or is decided.',
    resolve: (proposal: Proposal) => proposal,
  })
  @RequireScope('read:catalog')
  proposalChanges(
    @Args('afterPosition', AFTER) afterPosition?: number | null,
  ): AsyncIterableIterator<Proposal> {
    return streamOf(
      this.store,
      { from: startOf(afterPosition), filter: { eventTypes: PROPOSAL_EVENT_TYPES } },
      async (event) => {
        // The proposal as the directory holds it once it applied this event.
        await this.proposals.waitFor(event.position, PROJECTION_WAIT_MS);
        const record = this.proposals.get((event.data as { proposalId: string }).proposalId);
        return record ? proposalOf(record) : undefined;
      },
    );
  }

  @Subscription(() => HealthChange, {
    description: "An app's health transitions (healthy ↔ unhealthy), never every probe.",
    resolve: (change: HealthChange) => change,
  })
  @RequireScope('read:catalog')
  healthChanges(
    @Args('afterPosition', AFTER) afterPosition?: number | null,
  ): AsyncIterableIterator<HealthChange> {
    return streamOf(
      this.store,
      { from: startOf(afterPosition), filter: { eventTypes: HEALTH_EVENT_TYPES } },
      (event) => {
        const data = event.data as (ServiceBecameHealthy | ServiceBecameUnhealthy)['data'];
        const healthy = event.type === 'ServiceBecameHealthy';
        return {
          appId: data.appId,
          appName: data.appName,
          routeId: data.routeId,
          proxyPath: data.proxyPath,
          status: healthy ? 'healthy' : 'unhealthy',
          previous: data.previous,
          message:
            'reason' in data
              ? data.reason
              : data.previous === 'unknown'
                ? 'Service is healthy'
                : 'Service recovered',
          at: event.recordedAt.toISOString(),
        };
      },
    );
  }

  @Subscription(() => ActivityItem, {
    description: 'Entries of the activity feed as they are added.',
    resolve: (item: ActivityItem) => item,
  })
  @RequireScope('read:events')
  activity(
    @Args('afterPosition', AFTER) afterPosition?: number | null,
  ): AsyncIterableIterator<ActivityItem> {
    return streamOf(
      this.store,
      { from: startOf(afterPosition), filter: { eventTypes: ACTIVITY_EVENT_TYPES } },
      async (event) => {
        // The entry the feed's projection made of this event (some events make none).
        await this.runner.waitFor(event.position, PROJECTION_WAIT_MS);
        const position = Number(event.position);
        const [entry] = (await this.feed.page(1, position + 1)).entries;
        return entry?.position === position ? entry.item : undefined;
      },
    );
  }
}
