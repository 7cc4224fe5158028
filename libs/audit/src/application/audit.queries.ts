import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import {
  AUDIT_LOG_READ,
  type AuditLogListing,
  type AuditLogPage,
  type AuditLogReadPort,
} from './audit-log.port';
import {
  CHAIN_VERIFIER,
  HISTORY_SOURCE,
  type ChainStatus,
  type ChainVerifier,
  type HistorySource,
} from './audit.ports';
import { stateAt, type StateAt } from './history';

export class ListAuditLogQuery extends Query<AuditLogPage> {
  constructor(readonly listing: AuditLogListing) {
    super();
  }
}

export class GetStateAtQuery extends Query<StateAt> {
  constructor(readonly at: string) {
    super();
  }
}

export class VerifyChainQuery extends Query<ChainStatus> {
  constructor(readonly expectHead?: string) {
    super();
  }
}

@QueryHandler(ListAuditLogQuery)
export class ListAuditLogHandler implements IQueryHandler<ListAuditLogQuery, AuditLogPage> {
  constructor(@Inject(AUDIT_LOG_READ) private readonly read: AuditLogReadPort) {}
  execute(q: ListAuditLogQuery) {
    return this.read.list(q.listing);
  }
}

@QueryHandler(GetStateAtQuery)
export class GetStateAtHandler implements IQueryHandler<GetStateAtQuery, StateAt> {
  constructor(@Inject(HISTORY_SOURCE) private readonly history: HistorySource) {}
  async execute(q: GetStateAtQuery) {
    return stateAt(this.history, q.at);
  }
}

@QueryHandler(VerifyChainQuery)
export class VerifyChainHandler implements IQueryHandler<VerifyChainQuery, ChainStatus> {
  constructor(@Inject(CHAIN_VERIFIER) private readonly chain: ChainVerifier) {}
  execute(q: VerifyChainQuery) {
    return this.chain.verify(q.expectHead);
  }
}

export const AUDIT_QUERY_HANDLERS = [ListAuditLogHandler, GetStateAtHandler, VerifyChainHandler];
