import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { RateLimit, RequireScope } from '#libs/http';
import type { ChainStatus } from '../application/audit.ports';
import { GetStateAtQuery, ListAuditLogQuery, VerifyChainQuery } from '../application/audit.queries';
import type { StateAt } from '../application/history';
import {
  auditEventView,
  parseAt,
  parseAuditLogQuery,
  parseExpectHead,
  type AuditEventView,
} from './audit-query.parser';

export const AUDIT_CLOCK = Symbol('AUDIT_CLOCK');

interface AuditLogsPage {
  logs: AuditEventView[];
  limit: number;
  offset: number;
  count: number;
  nextCursor: number | null;
}

/**
 * The audit log (every event of the log, newest first), the state at a time and the chain's
 * status. The log is readable with `read:events`, as Nekzus's app reads it with a device
 * token; state and verification need an administrator.
 */
@Controller('api/v1')
export class AuditController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(AUDIT_CLOCK) private readonly now: () => number,
  ) {}

  @Get('audit-logs')
  @RequireScope('read:events')
  @RateLimit('devices')
  async list(@Query() query: Record<string, unknown>): Promise<AuditLogsPage> {
    const listing = parseAuditLogQuery(query);
    const page = await this.queries.execute(new ListAuditLogQuery(listing));
    const logs = page.entries.map(auditEventView);
    return {
      logs,
      limit: listing.limit,
      offset: listing.offset,
      count: logs.length,
      nextCursor: page.nextCursor,
    };
  }

  @Get('audit/state')
  state(@Query('at') at: unknown): Promise<StateAt> {
    return this.queries.execute(new GetStateAtQuery(parseAt(at, this.now)));
  }

  @Get('audit/verify')
  verify(@Query('expectHead') expectHead: unknown): Promise<ChainStatus> {
    return this.queries.execute(new VerifyChainQuery(parseExpectHead(expectHead)));
  }
}
