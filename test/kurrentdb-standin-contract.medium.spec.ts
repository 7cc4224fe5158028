import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KurrentDbEventStore } from '../libs/event-store/src/kurrentdb/kurrentdb-event-store';
import { eventStoreContract, thing } from '../libs/event-store/src/testing/event-store.contract';
import { contractSchemas } from '../libs/event-store/src/testing/contract-schemas';
import { KurrentDbStandIn } from './support/kurrentdb-standin';

/**
 * The event store contract against the KurrentDB adapter talking to a KurrentDB STAND-IN (an
 * in-memory gRPC server speaking the subset of KurrentDB's protocol the client calls, see
 * test/support/kurrentdb-standin.ts) — not against KurrentDB. The run against a real server
 * stays in libs/event-store/src/kurrentdb/kurrentdb-event-store.medium.spec.ts
 * (NEKZUS_KURRENTDB_URL). Each test gets a namespace of its own on one stand-in.
 */
let standIn: KurrentDbStandIn;

beforeAll(async () => {
  standIn = await KurrentDbStandIn.start();
  process.stdout.write(
    `event store contract: kurrentdb adapter on a KurrentDB stand-in at ${standIn.connectionString} (not a KurrentDB server)\n`,
  );
});
afterAll(async () => {
  await standIn.stop();
});

eventStoreContract(
  'kurrentdb adapter on the KurrentDB stand-in',
  async (schemas) => {
    const store = new KurrentDbEventStore({
      connectionString: standIn.connectionString,
      schemas,
      namespace: `contract-${randomUUID().slice(0, 8)}-`,
    });
    return { store, dispose: () => store.close() };
  },
  contractSchemas,
);

describe('the KurrentDB stand-in itself', () => {
  it('answers Gossip, so a kurrentdb+discover:// connection string finds its one node', async () => {
    const store = new KurrentDbEventStore({
      connectionString: standIn.connectionString.replace('kurrentdb://', 'kurrentdb+discover://'),
      schemas: contractSchemas(),
      namespace: `discover-${randomUUID().slice(0, 8)}-`,
    });
    const gossip = standIn.served.gossip;
    try {
      const written = await store.append('s', [thing(1)], { streamState: 'no_stream' });
      expect(standIn.served.gossip).toBeGreaterThan(gossip);
      expect(await store.headPosition()).toBe(written.position);
    } finally {
      await store.close();
    }
  });

  it('was really talked to over gRPC, with positions that increase but are not consecutive', () => {
    expect(standIn.served.appends).toBeGreaterThan(0);
    expect(standIn.served.reads).toBeGreaterThan(0);
    expect(standIn.served.subscriptions).toBeGreaterThan(0);
    const positions = standIn.userRecords().map((r) => r.position);
    for (let i = 1; i < positions.length; i++) {
      expect(positions[i]! > positions[i - 1]!).toBe(true);
      expect(positions[i]! - positions[i - 1]!).toBeGreaterThan(1n);
    }
  });
});
