import { Inject, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { ActivityFeed } from '#libs/activity';
import { auditEventView, ListAuditLogQuery, parseAuditFilter } from '#libs/audit';
import { EVENT_STORE, type EventStore } from '#libs/event-store';
import { Public, RequireScope } from '#libs/http';
import { PROJECTION_RUNNER, type ProjectionRunner } from '#libs/projections';
import {
  ActivityConnection,
  AuditLogConnection,
  AuditLogFilter,
  Health,
  QuickStats,
  Stats,
} from './graphql.types';
import { StatsService } from '../stats/stats.service';
import { auditEntryOf, connection, decodeCursor, defined, pageSize } from './views';

/** As REST: pages of at most 1000 audit entries, 100 when `first` is left out. */
const AUDIT_PAGE = { fallback: 100, max: 1000 };
const ACTIVITY_PAGE = { fallback: 50, max: 1000 };

/** The audit log, the activity feed, the dashboard numbers and the gateway's health. */
@Resolver()
export class MonitoringResolver implements OnModuleInit {
  private statsService!: StatsService;

  constructor(
    private readonly modules: ModuleRef,
    private readonly queries: QueryBus,
    @Inject(ActivityFeed) private readonly feed: ActivityFeed,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
  ) {}

  onModuleInit(): void {
    this.statsService = this.modules.get(StatsService, { strict: false });
  }

  @Query(() => Stats, { description: 'The dashboard cards (GET /api/v1/stats).' })
  @RequireScope('read:metrics')
  stats(): Promise<Stats> {
    return this.statsService.stats();
  }

  @Query(() => QuickStats, { description: 'Quick numbers (GET /api/v1/stats/quick).' })
  @RequireScope('read:metrics')
  quickStats(): Promise<QuickStats> {
    return this.statsService.quick();
  }

  @Query(() => AuditLogConnection, {
    description:
      'Every event of the log as an audit entry, newest first; the filters of GET /api/v1/audit-logs. VALIDATION_FAILED names a bad filter value.',
  })
  @RequireScope('read:events')
  async auditLog(
    @Args('filter', { type: () => AuditLogFilter, nullable: true }) filter?: AuditLogFilter | null,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<AuditLogConnection> {
    const limit = pageSize(first, AUDIT_PAGE.fallback, AUDIT_PAGE.max);
    const position = decodeCursor('audit', after);
    const page = await this.queries.execute(
      new ListAuditLogQuery({
        filter: parseAuditFilter(defined(filter ?? {})),
        limit,
        offset: 0,
        order: 'desc',
        ...(position !== undefined ? { after: position } : {}),
      }),
    );
    return connection(
      'audit',
      page.entries.map((e) => ({ position: e.position, node: auditEntryOf(auditEventView(e)) })),
      page.nextCursor !== null,
    );
  }

  @Query(() => ActivityConnection, {
    description: 'The activity feed (GET /api/v1/activity/recent), newest first.',
  })
  @RequireScope('read:events')
  async activity(
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<ActivityConnection> {
    const page = await this.feed.page(
      pageSize(first, ACTIVITY_PAGE.fallback, ACTIVITY_PAGE.max),
      decodeCursor('activity', after),
    );
    return {
      ...connection(
        'activity',
        page.entries.map((e) => ({ position: e.position, node: e.item })),
        page.nextCursor !== null,
      ),
      totalCount: page.total,
    };
  }

  @Query(() => Health, { description: 'As GET /healthz; anyone may ask.' })
  @Public()
  async health(): Promise<Health> {
    const projections = await this.runner.status();
    return {
      status: projections.some((p) => p.state === 'failed') ? 'degraded' : 'ok',
      ready: projections.every((p) => p.state === 'live'),
      eventStoreHead: Number(await this.store.headPosition()),
      projections: projections.map((p) => ({
        name: p.name,
        kind: p.kind,
        state: p.state,
        position: Number(p.position),
        lag: Number(p.lag),
        ...(p.lastError ? { lastError: p.lastError } : {}),
      })),
    };
  }
}
