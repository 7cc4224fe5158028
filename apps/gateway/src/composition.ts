import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { paths } from './data-paths';
import { findEventSchemasDir, loadSchemas } from './event-schemas';
import { readModelContributions } from './read-models';
import {
  loadKurrentDb,
  SqliteEventStore,
  type EventStore,
  type KurrentDbEventStore,
  type Synchronous,
} from '#libs/event-store';
import { ProjectionRunner, ReadModelDatabase, type RunnerLogger } from '#libs/projections';
import { ACCESS_EVENT_TYPES, AccessDirectory } from '#libs/access';
import { CONFIG_EVENT_TYPES } from '#libs/config';
import { DISCOVERY_EVENT_TYPES, ProposalDirectory } from '#libs/discovery';
import { DeviceDirectory, PAIRING_EVENT_TYPES, PairingCodes } from '#libs/pairing';
import { ROUTING_EVENT_TYPES, RouteTable } from '#libs/routing';
import { StreamHeads } from '#libs/audit';
import { HEALTH_EVENT_TYPES, ServiceHealthProjection } from '#libs/health';
import { WEBHOOK_EVENT_TYPES, WebhookDirectory } from '#libs/webhooks';
import { CONTAINER_EVENT_TYPES, DeploymentDirectory, TOOLBOX_EVENT_TYPES } from '#libs/toolbox';

export { readModelContributions, paths };

/** Every event type the code can emit; each must have a schema in event-schemas/ (tested). */
export function emittedEventTypes(): string[] {
  return [
    ...ROUTING_EVENT_TYPES,
    ...CONFIG_EVENT_TYPES,
    ...ACCESS_EVENT_TYPES,
    ...PAIRING_EVENT_TYPES,
    ...DISCOVERY_EVENT_TYPES,
    ...HEALTH_EVENT_TYPES,
    ...WEBHOOK_EVENT_TYPES,
    ...TOOLBOX_EVENT_TYPES,
    ...CONTAINER_EVENT_TYPES,
  ].sort();
}

export { findEventSchemasDir, loadSchemas };

/** The backend behind the event store port, for what reads below the port (audit, head log, metrics). */
export type EventLog =
  | {
      kind: 'sqlite';
      store: SqliteEventStore;
      /** The events file (may be shared with other replicas). */
      path: string;
    }
  | {
      kind: 'kurrentdb';
      store: KurrentDbEventStore;
      /** Each stream's last chain link, kept from the subscription (the head line's digest). */
      heads: StreamHeads;
    };

export interface Infrastructure {
  dataDir: string;
  store: EventStore;
  log: EventLog;
  readModels: ReadModelDatabase;
  routeTable: RouteTable;
  /** Admin accounts, API keys, ended sessions and sign-in failures (in memory). */
  access: AccessDirectory;
  /** Paired and revoked devices (in memory): what every surface asks before trusting a device token. */
  devices: DeviceDirectory;
  pairingCodes: PairingCodes;
  /** Discovery proposals and their decisions (in memory). */
  proposals: ProposalDirectory;
  /** Recorded app health and the routes the health checker probes (in memory). */
  health: ServiceHealthProjection;
  /** Webhook subscriptions and how far delivery got (in memory). */
  webhooks: WebhookDirectory;
  /** Toolbox deployments and their state (in memory). */
  deployments: DeploymentDirectory;
  runner: ProjectionRunner;
  close(): Promise<void>;
}

async function openKurrentDb(connectionString: string): Promise<EventLog> {
  const { KurrentDbEventStore } = await loadKurrentDb();
  return {
    kind: 'kurrentdb',
    store: new KurrentDbEventStore({ connectionString, schemas: loadSchemas() }),
    heads: new StreamHeads(KurrentDbEventStore.chainHashOf),
  };
}

/** Opens the event store and the read models in `dataDir` and wires every projection to the log. */
export async function openInfrastructure(
  dataDir: string,
  logger: RunnerLogger,
  options: {
    synchronous?: Synchronous;
    eventsPath?: string;
    readModelsPath?: string;
    /** A KurrentDB connection string: the log lives there instead of the events file (storage.event_store). */
    kurrentdb?: string;
  } = {},
): Promise<Infrastructure> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const files = paths(dataDir, options);
  for (const file of options.kurrentdb ? [files.readModels] : [files.events, files.readModels])
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const log: EventLog = options.kurrentdb
    ? await openKurrentDb(options.kurrentdb)
    : {
        kind: 'sqlite',
        path: files.events,
        store: SqliteEventStore.open({
          path: files.events,
          schemas: loadSchemas(),
          ...(options.synchronous ? { synchronous: options.synchronous } : {}),
        }),
      };
  const store: EventStore = log.store;
  const contributions = readModelContributions();
  const readModels = await ReadModelDatabase.open(files.readModels, contributions);
  const routeTable = new RouteTable();
  const access = new AccessDirectory();
  const devices = new DeviceDirectory();
  const pairingCodes = new PairingCodes();
  const proposals = new ProposalDirectory();
  const health = new ServiceHealthProjection();
  const webhooks = new WebhookDirectory();
  const deployments = new DeploymentDirectory();
  const runner = new ProjectionRunner(
    store,
    readModels,
    contributions.flatMap((c) => c.projections),
    [
      routeTable,
      access,
      devices,
      pairingCodes,
      proposals,
      health,
      webhooks,
      deployments,
      ...(log.kind === 'kurrentdb' ? [log.heads] : []),
    ],
    logger,
    // KurrentDB's commit positions grow by bytes, not by one: lag is counted in events there.
    { consecutivePositions: log.kind === 'sqlite' },
  );
  return {
    dataDir,
    store,
    log,
    readModels,
    routeTable,
    access,
    devices,
    pairingCodes,
    proposals,
    health,
    webhooks,
    deployments,
    runner,
    async close() {
      await runner.stop();
      await store.close();
      await readModels.close();
    },
  };
}
