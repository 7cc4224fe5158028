import { join } from 'node:path';
import { Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '#libs/event-store';
import { READ_MODEL_DATABASE, type ReadModelDatabase } from '#libs/projections';
import { AUDIT_LOG_READ } from './application/audit-log.port';
import { CHAIN_VERIFIER, HISTORY_SOURCE, type ChainVerifier } from './application/audit.ports';
import { AUDIT_QUERY_HANDLERS, GetStateAtHandler } from './application/audit.queries';
import type { HistorySource } from './application/history';
import { GetStateAtFromStoreHandler, HISTORY_STORE } from './application/state-at-store.handler';
import { AuditLogReadRepository } from './infrastructure/audit.read-repository';
import { verifyLog } from './infrastructure/chain';
import { EventLogFile } from './infrastructure/event-log-file';
import type { Upcasting } from './infrastructure/log-row';
import { streamChainVerifier } from './infrastructure/stream-chain-verifier';
import type { StreamChainSource } from './infrastructure/stream-chains';
import { AUDIT_CLOCK, AuditController } from './interface/audit.controller';

export interface AuditModuleOptions {
  /** The gateway's data dir; its `events.db` is read directly (hashes, the position at a time). */
  dataDir: string;
  /** The events file when it is not `events.db` in the data dir (storage.events_path). */
  eventsFile?: string;
  /** The schema registry, so that events of older schema versions are upcast as the store does. */
  upcasting?: Upcasting;
  clock?: () => number;
  /**
   * The log is a KurrentDB store, not a file: the state at a time is folded through the port
   * and verify walks every stream's chain (docs/decisions/0010). `dataDir`/`eventsFile` unused.
   */
  store?: EventStore & StreamChainSource;
}

/** The events file, opened read-only on first use and closed with the application. */
class LazyEventLog implements HistorySource, OnModuleDestroy {
  private log: EventLogFile | undefined;

  constructor(
    private readonly path: string,
    private readonly upcasting?: Upcasting,
  ) {}

  private get file(): EventLogFile {
    return (this.log ??= EventLogFile.open(this.path, this.upcasting));
  }

  head() {
    return this.file.head();
  }
  positionAt(time: string) {
    return this.file.positionAt(time);
  }
  stateEvents(position: number) {
    return this.file.stateEvents(position);
  }

  onModuleDestroy(): void {
    this.log?.close();
    this.log = undefined;
  }
}

/**
 * The audit log API. Expects READ_MODEL_DATABASE from the composition root; the read model
 * itself is `auditReadModel()` in the list of read-model contributions.
 */
@Module({})
export class AuditModule {
  static register(options: AuditModuleOptions): DynamicModule {
    if (options.store) return AuditModule.onStore(options.store, options.clock);
    const eventsFile = options.eventsFile ?? join(options.dataDir, 'events.db');
    const history = new LazyEventLog(eventsFile, options.upcasting);
    const verifier: ChainVerifier = {
      // Yields to the event loop between blocks of rows: the proxy keeps serving meanwhile.
      verify: async (expectHead) => ({
        chain: 'global',
        ...(await verifyLog(eventsFile, {
          yieldEvery: 20_000,
          ...(expectHead ? { expectHead } : {}),
        })),
      }),
    };
    return {
      module: AuditModule,
      imports: [CqrsModule],
      controllers: [AuditController],
      providers: [
        ...AUDIT_QUERY_HANDLERS,
        {
          provide: AUDIT_LOG_READ,
          inject: [READ_MODEL_DATABASE],
          useFactory: (db: ReadModelDatabase) => new AuditLogReadRepository(db.dataSource),
        },
        { provide: LazyEventLog, useValue: history },
        { provide: HISTORY_SOURCE, useValue: history },
        { provide: CHAIN_VERIFIER, useValue: verifier },
        { provide: AUDIT_CLOCK, useValue: options.clock ?? Date.now },
      ],
    };
  }

  /** The same API on a store without a file (KurrentDB): everything through the port. */
  private static onStore(
    store: EventStore & StreamChainSource,
    clock?: () => number,
  ): DynamicModule {
    return {
      module: AuditModule,
      imports: [CqrsModule],
      controllers: [AuditController],
      providers: [
        ...AUDIT_QUERY_HANDLERS.filter((h) => h !== GetStateAtHandler),
        GetStateAtFromStoreHandler,
        {
          provide: AUDIT_LOG_READ,
          inject: [READ_MODEL_DATABASE],
          useFactory: (db: ReadModelDatabase) => new AuditLogReadRepository(db.dataSource),
        },
        { provide: HISTORY_STORE, useValue: store },
        { provide: CHAIN_VERIFIER, useValue: streamChainVerifier(store) },
        { provide: AUDIT_CLOCK, useValue: clock ?? Date.now },
      ],
    };
  }
}
