'use strict';
/**
 * Child process for replicas.medium.spec.ts: one "replica" writing to an events file that
 * another process writes to at the same time, through the built store.
 *
 *   node race-on-shared-file.js <events.db> <name> <increments>
 *
 * It increments a counter kept as the stream `counter` (each event's `n` is one more than the
 * `n` of the event before it): read the last event, append the next with that exact revision,
 * and on WrongExpectedVersion read again and retry. Between increments it appends an event to
 * its own stream `own-<name>` with `any`. At the end it prints one JSON line
 * `{"name", "increments", "conflicts", "own"}`.
 */
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');

const dist = join(__dirname, '../../../../dist/libs/event-store/src');
const { SqliteEventStore, WrongExpectedVersion } = require(join(dist, 'index.js'));
const { contractSchemas } = require(join(dist, 'testing/contract-schemas.js'));

const [path, name, incrementsArg] = process.argv.slice(2);
const increments = Number(incrementsArg);
if (!path || !name || !(increments > 0)) {
  console.error('usage: race-on-shared-file.js <events.db> <name> <increments>');
  process.exit(2);
}

const actor = { kind: 'system', id: `replica-${name}` };
const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
const event = (n) => ({
  id: randomUUID(),
  type: 'ThingHappened',
  data: { n },
  metadata: { correlationId: randomUUID(), actor },
});

async function last(stream) {
  for await (const e of store.readStream(stream, { direction: 'backwards', maxCount: 1 }))
    return { revision: e.revision, n: e.data.n };
  return undefined;
}

async function main() {
  let conflicts = 0;
  let own = 0;
  for (let i = 0; i < increments; i++) {
    for (;;) {
      const current = await last('counter');
      try {
        await store.append('counter', [event(current ? current.n + 1 : 1)], {
          streamState: current ? current.revision : 'no_stream',
        });
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        conflicts += 1;
      }
    }
    await store.append(`own-${name}`, [event(i)], { streamState: 'any' });
    own += 1;
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ name, increments, conflicts, own })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
