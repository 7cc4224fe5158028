import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
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
 *
 * After a commit the thread stays awake for `stayAwakeUs` before it sleeps in its event loop,
 * watching `doorbell`, which the main thread bumps after each message: a writer that awaits
 * each append sends the next one within that window, and taking it at once saves waking a
 * sleeping thread, tens of microseconds on a virtual machine (decision 0021). The doorbell is
 * read with a plain atomic load; polling the port itself would contend for its lock with the
 * sender.
 */
export interface WriterWorkerData {
  path: string;
  synchronous: Synchronous;
  stayAwakeUs: number;
  /** One Int32 on a SharedArrayBuffer, bumped by the main thread after every message it posts. */
  doorbell: Int32Array;
}

type Message = string | { kind: 'close' };

const port = parentPort;
if (!port) throw new Error('writer.worker must run in a worker thread');

const { path, synchronous, stayAwakeUs, doorbell } = workerData as WriterWorkerData;
const writer = new SqliteEventWriter(path, { synchronous });
let scheduled = false;

function commit(): void {
  scheduled = false;
  const results = encodeOutcomes(writer.commitGroup());
  port!.postMessage(results, [results.values.buffer as ArrayBuffer]);
  if (stayAwakeUs > 0) stayAwake();
}

/** Takes the next message as soon as it is posted, for up to `stayAwakeUs`. */
function stayAwake(): void {
  const until = performance.now() + stayAwakeUs / 1000;
  let rung = -1;
  do {
    const bell = Atomics.load(doorbell, 0);
    if (bell === rung) continue;
    rung = bell;
    const received = receiveMessageOnPort(port!);
    if (received) {
      handle(received.message as Message);
      return;
    }
  } while (performance.now() < until);
}

function handle(message: Message): void {
  if (typeof message !== 'string') {
    writer.close();
    port!.postMessage({ kind: 'closed' });
    return;
  }
  const { requests, last } = decodeBatch(message);
  writer.add(requests);
  if (last && !scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
}

port.on('message', handle);
port.postMessage({ kind: 'ready' });
