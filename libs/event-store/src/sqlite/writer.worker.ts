import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventWriter, type AppendRequest } from './sqlite-writer';
import type { Synchronous } from './sqlite-schema';

/**
 * Runs the event writer off the main thread, so the fsync of a durable commit never stalls the
 * proxy. Requests that arrive while a commit is in flight are committed together in the next
 * transaction (group commit).
 */
interface WorkerInput {
  path: string;
  synchronous: Synchronous;
}

interface BatchMessage {
  ids: number[];
  requests: AppendRequest[];
}

const port = parentPort;
if (!port) throw new Error('writer.worker must run in a worker thread');

const { path, synchronous } = workerData as WorkerInput;
const writer = new SqliteEventWriter(path, { synchronous });
let pending: BatchMessage[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batches = pending;
  pending = [];
  const requests = batches.flatMap((b) => b.requests);
  const ids = batches.flatMap((b) => b.ids);
  let outcomes;
  try {
    outcomes = writer.appendBatch(requests);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcomes = requests.map(() => ({
      ok: false as const,
      error: { name: 'Error' as const, message },
    }));
  }
  port!.postMessage({ kind: 'results', ids, outcomes });
}

port.on('message', (message: BatchMessage | { kind: 'close' }) => {
  if ('kind' in message) {
    writer.close();
    port.postMessage({ kind: 'closed' });
    return;
  }
  pending.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});

port.postMessage({ kind: 'ready' });
