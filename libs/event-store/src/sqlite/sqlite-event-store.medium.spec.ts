import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store';
import { eventStoreContract } from '../testing/event-store.contract';
import { contractSchemas } from '../testing/contract-schemas';

for (const writer of ['worker', 'inline'] as const) {
  eventStoreContract(
    `sqlite (${writer} writer)`,
    async (schemas) => {
      const dir = mkdtempSync(join(tmpdir(), 'nekzus-es-'));
      const store = SqliteEventStore.open({ path: join(dir, 'events.db'), schemas, writer });
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    contractSchemas,
  );
}
