import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { eventStoreContract } from '../testing/event-store.contract';
import { contractSchemas } from '../testing/contract-schemas';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/**
 * The contract suite against a real KurrentDB server, whenever NEKZUS_KURRENTDB_URL names one
 * (e.g. kurrentdb://127.0.0.1:2113?tls=false). Each test gets a namespace of its own, so the
 * server needs no reset between tests. Without the variable the suite is skipped, loudly.
 */
const url = process.env['NEKZUS_KURRENTDB_URL'];

if (url) {
  eventStoreContract(
    'kurrentdb',
    async (schemas) => {
      const store = new KurrentDbEventStore({
        connectionString: url,
        schemas,
        namespace: `contract-${randomUUID().slice(0, 8)}-`,
      });
      return { store, dispose: () => store.close() };
    },
    contractSchemas,
  );
} else {
  // Skipped on purpose: the contract needs a live KurrentDB server and none can run on these
  // machines (issue #11). The skip stays visible in the report and in the printed line below;
  // setting NEKZUS_KURRENTDB_URL runs the whole contract, unweakened.
  const reason =
    'NEKZUS_KURRENTDB_URL is not set: no KurrentDB server runs on this machine, so the event store contract was not run against the KurrentDB adapter';
  process.stdout.write(`SKIPPED event store contract: kurrentdb — ${reason}\n`);
  describe('event store contract: kurrentdb', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}
