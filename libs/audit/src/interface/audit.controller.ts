import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
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
import { AUDIT_PAGE_SCHEMA, CHAIN_STATUS_SCHEMA, STATE_AT_SCHEMA } from './audit.openapi';

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
@ApiTags('audit')
@Controller('api/v1')
export class AuditController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(AUDIT_CLOCK) private readonly now: () => number,
  ) {}

  @Get('audit-logs')
  @RequireScope('read:events')
  @RateLimit('devices')
  @ApiOperation({
    summary: 'The audit log',
    description:
      "Every event of the log, newest first (`order=asc` for oldest first). Nekzus's `limit`, `offset`, `action` and `actor`, plus `since`, `until`, `target`, `correlationId` and the cursor `after`. Unlike Nekzus, a bad value is a 400 naming it, not silently replaced by a default.",
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  })
  @ApiQuery({
    name: 'offset',
    required: false,
    schema: { type: 'integer', minimum: 0, default: 0 },
  })
  @ApiQuery({
    name: 'after',
    required: false,
    schema: { type: 'integer', minimum: 0 },
    description: 'Cursor: `nextCursor` of the previous page.',
  })
  @ApiQuery({ name: 'order', required: false, enum: ['desc', 'asc'] })
  @ApiQuery({ name: 'since', required: false, description: 'RFC 3339 time.' })
  @ApiQuery({ name: 'until', required: false, description: 'RFC 3339 time.' })
  @ApiQuery({ name: 'actor', required: false })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({ name: 'target', required: false })
  @ApiQuery({ name: 'correlationId', required: false })
  @ApiOkResponse({ description: 'A page of the log.', schema: AUDIT_PAGE_SCHEMA })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED: a bad query value, named in `details`.',
  })
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
  @ApiOperation({
    summary: 'The state at a time',
    description: 'Apps, routes, devices, administrators and API keys as they stood at `at`.',
  })
  @ApiQuery({ name: 'at', required: false, description: 'RFC 3339 time; now when left out.' })
  @ApiOkResponse({ description: 'The state.', schema: STATE_AT_SCHEMA })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: `at` is not an RFC 3339 time.' })
  state(@Query('at') at: unknown): Promise<StateAt> {
    return this.queries.execute(new GetStateAtQuery(parseAt(at, this.now)));
  }

  @Get('audit/verify')
  @ApiOperation({
    summary: "Verify the log's hash chain",
    description:
      'Walks the hash chain; with `expectHead` (a head hash recorded elsewhere) also catches a truncated or rewritten log.',
  })
  @ApiQuery({
    name: 'expectHead',
    required: false,
    description: 'SHA-256 hash, 64 hexadecimal digits.',
  })
  @ApiOkResponse({
    description: 'The chain status (`intact: false` when broken).',
    schema: CHAIN_STATUS_SCHEMA,
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: `expectHead` is not a SHA-256 hash.' })
  verify(@Query('expectHead') expectHead: unknown): Promise<ChainStatus> {
    return this.queries.execute(new VerifyChainQuery(parseExpectHead(expectHead)));
  }
}
