import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventWriter } from './sqlite-writer';
import type { Synchronous } from './sqlite-schema';
import { decodeBatch, encodeOutcomes } from './wire';

/**
 * Runs the event writer off the main thread, so the fsync of a durable commit never stalls the
 * proxy. Requests come as encoded strings (`wire.ts`), each message marked as the last of its
 * turn of the main thread's event loop or not: rows are written into the open transaction as
 * they arrive, while the main thread prepares the rest of the group, and the group commits once
 * a message marked last has come (with everything else that arrived in the same turn of this
 * thread's loop: group commit). Outcomes leave as one Float64Array per commit, in order: the
 * main thread settles its appends first in, first out.
 */
interface WorkerInput {
  path: string;
  synchronous: Synchronous;
}

const port = parentPort;
if (!port) throw new Error('writer.worker must run in a worker thread');

const { path, synchronous } = workerData as WorkerInput;
const writer = new SqliteEventWriter(path, { synchronous });
let scheduled = false;

function commit(): void {
  scheduled = false;
  const results = encodeOutcomes(writer.commitGroup());
  port!.postMessage(results, [results.values.buffer as ArrayBuffer]);
}

port.on('message', (message: string | { kind: 'close' }) => {
  if (typeof message !== 'string') {
    writer.close();
    port.postMessage({ kind: 'closed' });
    return;
  }
  const { requests, last } = decodeBatch(message);
  writer.add(requests);
  if (last && !scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
});

port.postMessage({ kind: 'ready' });
