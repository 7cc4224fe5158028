import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventWriter, type AppendOutcome, type AppendRequest } from './sqlite-writer';
import type { Synchronous } from './sqlite-schema';
import { decodeRequests, encodeOutcomes } from './wire';

/**
 * Runs the event writer off the main thread, so the fsync of a durable commit never stalls the
 * proxy. Requests that arrive while a commit is in flight are committed together in the next
 * transaction (group commit). Requests come as encoded strings and outcomes leave as one
 * Float64Array per commit (`wire.ts`), in order: the main thread settles its appends first in,
 * first out.
 */
interface WorkerInput {
  path: string;
  synchronous: Synchronous;
}

const port = parentPort;
if (!port) throw new Error('writer.worker must run in a worker thread');

const { path, synchronous } = workerData as WorkerInput;
const writer = new SqliteEventWriter(path, { synchronous });
let pending: AppendRequest[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const requests = pending;
  pending = [];
  let outcomes: AppendOutcome[];
  try {
    outcomes = writer.appendBatch(requests);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcomes = requests.map(() => ({
      ok: false as const,
      error: { name: 'Error' as const, message },
    }));
  }
  const results = encodeOutcomes(outcomes);
  port!.postMessage(results, [results.values.buffer as ArrayBuffer]);
}

port.on('message', (message: string | { kind: 'close' }) => {
  if (typeof message !== 'string') {
    writer.close();
    port.postMessage({ kind: 'closed' });
    return;
  }
  for (const request of decodeRequests(message)) pending.push(request);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});

port.postMessage({ kind: 'ready' });
