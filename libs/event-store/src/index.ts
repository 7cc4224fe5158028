export * from './event-store.port';
export * from './errors';
export * from './schema-registry';
export {
  defaultStayAwakeUs,
  SqliteEventStore,
  type SqliteEventStoreOptions,
} from './sqlite/sqlite-event-store';
export { verifyChain, type ChainReport } from './sqlite/verify-chain';
export { GENESIS_HASH, type Synchronous } from './sqlite/sqlite-schema';
export * from './stream-command';
export * from './uuid';
export * from './capabilities';
export { validateNewEvent } from './validate-event';
export type {
  KurrentDbEventStore,
  KurrentDbEventStoreOptions,
} from './kurrentdb/kurrentdb-event-store';
export { loadKurrentDb } from './kurrentdb/load';
export {
  linkEvents as linkStreamEvents,
  streamLinkHash,
  verifyStreamChain,
  type StreamChainReport,
} from './kurrentdb/stream-chain';
