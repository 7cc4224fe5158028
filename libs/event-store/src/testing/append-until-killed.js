'use strict';
/**
 * Child process for crash-safety.medium.spec.ts: appends to an events file through the built
 * store until it is killed. Plain JavaScript on the build output, so the test can SIGKILL a
 * real Node process (no test runner in between) in the middle of its commits.
 *
 *   node append-until-killed.js <events.db> <streams> <batch size>
 *
 * Every stream gets its own loop of appends of <batch size> events with the exact expected
 * revision; all loops run at once, so commits are grouped. After each acknowledged append it
 * prints `appended <count>`; the events of one append share one correlation id.
 */
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');

const dist = join(__dirname, '../../../../dist/libs/event-store/src');
const { SqliteEventStore } = require(join(dist, 'index.js'));
const { contractSchemas } = require(join(dist, 'testing/contract-schemas.js'));

const [path, streamsArg, batchArg] = process.argv.slice(2);
const streams = Number(streamsArg);
const batchSize = Number(batchArg);
if (!path || !(streams > 0) || !(batchSize > 0)) {
  console.error('usage: append-until-killed.js <events.db> <streams> <batch size>');
  process.exit(2);
}

const actor = { kind: 'system', id: 'crash-safety' };
const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
let appended = 0;

async function lastRevision(stream) {
  for await (const event of store.readStream(stream, { direction: 'backwards', maxCount: 1 }))
    return event.revision;
  return undefined;
}

async function appendForever(stream) {
  let last = await lastRevision(stream);
  for (let n = 0; ; n++) {
    const correlationId = randomUUID();
    const events = Array.from({ length: batchSize }, (_, i) => ({
      id: randomUUID(),
      type: 'ThingHappened',
      data: { n: n * batchSize + i },
      metadata: { correlationId, actor },
    }));
    const result = await store.append(stream, events, {
      streamState: last === undefined ? 'no_stream' : last,
    });
    last = result.nextExpectedRevision;
    appended += 1;
    process.stdout.write(`appended ${appended}\n`);
  }
}

Promise.all(Array.from({ length: streams }, (_, i) => appendForever(`crash-${i}`))).catch(
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
