/**
 * What the commands that read or write an events file run, loaded by them when they run (not
 * when `nekzus` starts). Straight from the modules rather than the libraries' barrels, which
 * bring the gateway's NestJS modules, TypeORM and the KurrentDB client.
 */
export { loadSchemas } from '../../gateway/src/event-schemas';
export { collect } from '../../../libs/event-store/src/event-store.port';
export { SqliteEventStore } from '../../../libs/event-store/src/sqlite/sqlite-event-store';
export { describeEvent, MemoryNameBook } from '../../../libs/audit/src/domain/audit-entry';
export { traceTree } from '../../../libs/audit/src/domain/trace';
export { diffBetween, stateAt } from '../../../libs/audit/src/application/history';
export { verifyLog } from '../../../libs/audit/src/infrastructure/chain';
export { EventLogFile } from '../../../libs/audit/src/infrastructure/event-log-file';
export { replayEntries } from '../../../libs/audit/src/infrastructure/audit-replay';
export { replayBlocks } from '../../../libs/audit/src/infrastructure/replay-blocks';
export { exportLog, importLog } from '../../../libs/audit/src/infrastructure/log-archive';
export { verifyStreamChains } from '../../../libs/audit/src/infrastructure/stream-chains';
