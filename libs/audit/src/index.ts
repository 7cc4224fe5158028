export * from './domain/audit-entry';
export * from './domain/audit-filter';
export * from './domain/history-state';
export * from './domain/trace';
export * from './application/audit-log.port';
export * from './application/audit.ports';
export * from './application/audit.queries';
export * from './application/history';
export { auditReadModel } from './infrastructure/audit.read-model';
export { verifyLog, checkLink, linkHash, type VerifyOptions } from './infrastructure/chain';
export { EventLogFile } from './infrastructure/event-log-file';
export { LogRow, type RawRow, type Upcasting } from './infrastructure/log-row';
export {
  replayEntries,
  entryLine,
  detailsJson,
  type ReplayedEntry,
} from './infrastructure/audit-replay';
export {
  replayBlocks,
  type ReplayBlock,
  type ReplayBlockOptions,
} from './infrastructure/replay-blocks';
export {
  exportLog,
  importLog,
  archiveLine,
  ArchiveError,
  ARCHIVE_FORMAT,
  type ArchiveSummary,
} from './infrastructure/log-archive';
export {
  headHashLine,
  readHeadHash,
  streamHeadsLine,
  type HeadHash,
  type StreamHeadsFields,
} from './infrastructure/head-hash';
export { StreamHeads, streamHeadsDigest, type StreamHead } from './infrastructure/stream-heads';
export { streamChainVerifier } from './infrastructure/stream-chain-verifier';
export { GetStateAtFromStoreHandler, HISTORY_STORE } from './application/state-at-store.handler';
export { auditEventView, type AuditEventView } from './interface/audit-query.parser';
export { AuditModule, type AuditModuleOptions } from './audit.module';
export {
  verifyStreamChains,
  type StreamChainSource,
  type StreamChainsStatus,
} from './infrastructure/stream-chains';
