import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  defaultStayAwakeUs,
  executeOnStream,
  SqliteEventStore,
  StreamStateCache,
  uuidv7,
  type SchemaRegistry,
  type Synchronous,
} from '#libs/event-store';
import {
  routeDecider,
  routeStream,
  type RouteContext,
  type RouteSpec,
  type RouteState,
} from '#libs/routing';
import { findEventSchemasDir, loadSchemas } from '../apps/gateway/src/composition';
import { chainHash } from '../libs/event-store/src/sqlite/hash-chain';
import {
  applyPragmas,
  ensureSchema,
  GENESIS_HASH,
} from '../libs/event-store/src/sqlite/sqlite-schema';
import type { RebuildResult, RebuildTask } from './rebuild.child';
import type { ReplayResult, ReplayTask } from './replay.child';
import { runChild } from './support/child';
import { progress, runStandalone, type BenchOptions } from './support/cli';
import { medianItem } from './support/median';
import { formatNumber, ratio, type BenchReport, type Figure, type Target } from './support/report';
import {
  benchRoute,
  commandContext,
  routeAdded,
  routeChanged,
  targetOf,
  toNewEvent,
} from './support/routing-fixtures';
import { withTempDir } from './support/temp-dir';

/**
 * `npm run bench:events`: what the event store sustains on this machine (durable appends, the
 * command path, replay, projection rebuild, event-loop impact), each next to a baseline
 * measured in the same run, with the targets of the issue marked PASS or MISS.
 */

const STREAMS = 1_000;
const WRITERS = 64;
const BATCH = 100;
const LOG_ROUTES = 1_000;

const TARGET = {
  concurrentAppends: 20_000,
  singleWriterAppends: 5_000,
  commandShare: 0.5,
  replayEventsPerSecond: 300_000,
  replayRssMB: 150,
  rebuildEventsPerSecond: 50_000,
};

interface Sizes {
  warmupMs: number;
  measureMs: number;
  logEvents: number;
  /** Interleaved runs of the figures measured more than once (1 writer, replay with data). */
  rounds: number;
}

function sizesFor(options: BenchOptions): Sizes {
  return options.quick
    ? { warmupMs: 200, measureMs: 1_000, logEvents: 100_000, rounds: 1 }
    : { warmupMs: 500, measureMs: 3_000, logEvents: 1_000_000, rounds: 3 };
}

/** A figure measured in several interleaved runs: the median run, and every run's value. */
interface Repeated<T> {
  median: T;
  values: number[];
}

/**
 * Runs every one of `runs` `rounds` times, interleaved (a b c, a b c, …), so that a slow spell
 * of the machine (its disk and cores are shared) falls on each alike; each keeps its median run.
 */
async function interleaved<T>(
  rounds: number,
  runs: readonly (() => Promise<T>)[],
  value: (result: T) => number,
): Promise<Repeated<T>[]> {
  const results: T[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [i, run] of runs.entries()) results[i]!.push(await run());
  return results.map((rs) => ({ median: medianItem(rs, value), values: rs.map(value) }));
}

interface Throughput {
  /** Completed operations (appends, commands, transactions) per second. */
  opsPerSecond: number;
  /** Events (or rows) written per second. */
  itemsPerSecond: number;
}

interface Window {
  warmupMs: number;
  measureMs: number;
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

/**
 * `writers` loops run `op` back to back until the window closes. Only operations that complete
 * inside the measured part (after the warm-up) are counted; none starts after it closes.
 */
async function timeBoxed(
  writers: number,
  window: Window,
  op: (writer: number, seq: number) => Promise<number>,
): Promise<Throughput> {
  const measureFrom = performance.now() + window.warmupMs;
  const until = measureFrom + window.measureMs;
  const startTimer = setTimeout(() => window.onMeasureStart?.(), window.warmupMs);
  let ops = 0;
  let items = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let seq = 0; performance.now() < until; seq++) {
        const n = await op(writer, seq);
        const now = performance.now();
        if (now >= measureFrom && now <= until) {
          ops += 1;
          items += n;
        }
      }
    }),
  );
  clearTimeout(startTimer);
  window.onMeasureEnd?.();
  const seconds = window.measureMs / 1000;
  return { opsPerSecond: ops / seconds, itemsPerSecond: items / seconds };
}

// ---------------------------------------------------------------------------------------------
// Baseline: bare better-sqlite3

/** One (or `rowsPerTransaction`) INSERT per transaction into a plain table: no checks, no hash, no JSON. */
async function bareInsert(
  synchronous: Synchronous,
  rowsPerTransaction: number,
  sizes: Sizes,
): Promise<Throughput> {
  return withTempDir('bare', async (dir) => {
    const db = new Database(join(dir, 'bare.db'));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.exec(
        'CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, data TEXT NOT NULL)',
      );
      const insert = db.prepare('INSERT INTO events (stream, data) VALUES (?, ?)');
      const payload = JSON.stringify(routeChanged(benchRoute(1), targetOf(1, 1)).data);
      const commit = db.transaction((seq: number) => {
        for (let i = 0; i < rowsPerTransaction; i++) insert.run(`route-${seq % STREAMS}`, payload);
      });
      return await timeBoxed(1, sizes, async (_writer, seq) => {
        commit(seq);
        return rowsPerTransaction;
      });
    } finally {
      db.close();
    }
  });
}

/**
 * The SQL a durable group commit of the store runs, on one thread with nothing around it: the
 * store's own table and indexes (`ensureSchema`), per row the revision read, the chain hash and
 * the INSERT, `rowsPerTransaction` rows per FULL commit, over `STREAMS` seeded streams. No
 * validation, no JSON.stringify, no second thread: the ceiling of the store's writer thread.
 */
async function storeSqlAlone(rowsPerTransaction: number, sizes: Sizes): Promise<Throughput> {
  return withTempDir('bare-store-sql', async (dir) => {
    const db = new Database(join(dir, 'events.db'));
    try {
      applyPragmas(db, 'FULL');
      ensureSchema(db);
      const insert = db.prepare(
        `INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES (?, ?, ?, 'RouteChanged', 1, ?, ?, ?, ?, ?)`,
      );
      const revisionOf = db
        .prepare('SELECT max(revision) AS revision FROM events WHERE stream = ?')
        .pluck();
      const data = JSON.stringify(routeChanged(benchRoute(1), targetOf(1, 1)).data);
      const metadata = JSON.stringify(commandContext());
      let prevHash = GENESIS_HASH;
      let position = 0;
      const row = (stream: string, revision: number) => {
        const id = uuidv7();
        const recordedAt = new Date().toISOString();
        position += 1;
        const hash = chainHash(prevHash, {
          position,
          id,
          stream,
          revision,
          type: 'RouteChanged',
          schemaVersion: 1,
          data,
          metadata,
          recordedAt,
        });
        insert.run(id, stream, revision, data, metadata, recordedAt, prevHash, hash);
        prevHash = hash;
      };
      db.transaction(() => {
        for (let i = 0; i < STREAMS; i++) row(`route-${i}`, 0);
      })();
      const commit = db.transaction((seq: number) => {
        for (let i = 0; i < rowsPerTransaction; i++) {
          const stream = `route-${(seq * rowsPerTransaction + i) % STREAMS}`;
          row(stream, (revisionOf.get(stream) as number) + 1);
        }
      });
      return await timeBoxed(1, sizes, async (_writer, seq) => {
        commit(seq);
        return rowsPerTransaction;
      });
    } finally {
      db.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The store and the command path

interface RouteStream {
  route: RouteSpec;
  stream: string;
  revision: bigint;
  /** Changes made so far; picks the next target port. */
  changes: number;
}

/** Creates `STREAMS` route streams (one RouteAdded each) with a throwaway fast store: setup, not measured. */
async function seedRoutes(path: string, schemas: SchemaRegistry): Promise<RouteStream[]> {
  const seeder = SqliteEventStore.open({ path, schemas, writer: 'inline', synchronous: 'NORMAL' });
  try {
    const routes = Array.from({ length: STREAMS }, (_, i) => benchRoute(i));
    await Promise.all(
      routes.map((route) =>
        seeder.append(routeStream(route.routeId), [toNewEvent(routeAdded(route))], {
          streamState: 'no_stream',
        }),
      ),
    );
    return routes.map((route) => ({
      route,
      stream: routeStream(route.routeId),
      revision: 0n,
      changes: 0,
    }));
  } finally {
    await seeder.close();
  }
}

/** Streams of one writer: writer `w` owns every stream `i` with `i % writers === w`, so no two writers collide. */
function ownership(writers: number): number[][] {
  return Array.from({ length: writers }, (_, w) =>
    Array.from({ length: STREAMS }, (_, i) => i).filter((i) => i % writers === w),
  );
}

type AppendMode = 'store' | 'command' | 'batch';

interface StoreRun {
  mode: AppendMode;
  writers: number;
  writer?: 'worker' | 'inline';
  /** The store's default unless said (`SqliteEventStoreOptions.stayAwakeUs`). */
  stayAwakeUs?: number;
  /** FULL unless said: NORMAL only to show how much of a figure the fsync accounts for. */
  synchronous?: Synchronous;
  /** Samples the main thread's event-loop delay during the measured window. */
  eventLoop?: boolean;
}

/** Main-thread event-loop delay over a measured window. */
interface Delay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface StoreRunResult extends Throughput {
  delay?: Delay;
}

async function storeRun(
  run: StoreRun,
  schemas: SchemaRegistry,
  sizes: Sizes,
): Promise<StoreRunResult> {
  return withTempDir(`${run.mode}-${run.writers}`, async (dir) => {
    const path = join(dir, 'events.db');
    const streams = await seedRoutes(path, schemas);
    const store = SqliteEventStore.open({
      path,
      schemas,
      synchronous: run.synchronous ?? 'FULL',
      writer: run.writer ?? 'worker',
      ...(run.stayAwakeUs === undefined ? {} : { stayAwakeUs: run.stayAwakeUs }),
    });
    const owned = ownership(run.writers);
    const pathOwners = new Map(streams.map((s) => [s.route.pathBase, s.route.routeId]));
    const context: RouteContext = {
      pathBaseOwner: (pathBase) => pathOwners.get(pathBase),
      subdomainOwner: () => undefined,
    };
    // As the gateway's RoutingWriter does: folded states are cached, a command reads only what is new.
    const states = new StreamStateCache<RouteState>();

    const op = async (writer: number, seq: number): Promise<number> => {
      const mine = owned[writer]!;
      const index = mine[seq % mine.length]!;
      const s = streams[index]!;
      if (run.mode === 'command') {
        s.changes += 1;
        const result = await executeOnStream(
          store,
          s.stream,
          routeDecider,
          {
            kind: 'PatchRoute',
            routeId: s.route.routeId,
            patch: { to: targetOf(index, s.changes) },
          },
          context,
          commandContext(),
          { cache: states },
        );
        if (result.events.length !== 1)
          throw new Error(`PatchRoute on ${s.stream} appended nothing`);
        return 1;
      }
      const count = run.mode === 'batch' ? BATCH : 1;
      const events = Array.from({ length: count }, () => {
        s.changes += 1;
        const event = routeChanged(s.route, targetOf(index, s.changes));
        s.route = event.data.route;
        return toNewEvent(event);
      });
      const result = await store.append(s.stream, events, { streamState: s.revision });
      s.revision = result.nextExpectedRevision;
      return count;
    };

    const histogram = monitorEventLoopDelay({ resolution: 1 });
    try {
      const throughput = await timeBoxed(
        run.writers,
        {
          ...sizes,
          ...(run.eventLoop
            ? { onMeasureStart: () => histogram.enable(), onMeasureEnd: () => histogram.disable() }
            : {}),
        },
        op,
      );
      return run.eventLoop ? { ...throughput, delay: delayOf(histogram) } : throughput;
    } finally {
      await store.close();
    }
  });
}

function delayOf(h: ReturnType<typeof monitorEventLoopDelay>): Delay {
  return { p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
}

/**
 * The round trip of one short message between this thread and a worker that sends it back,
 * in µs: what handing an append to the writer thread and its answer back costs on this machine
 * before any SQL. `asleep`: each thread waits in its event loop until the message wakes it.
 * `awake`: as the store does with stayAwakeUs, the worker watches a doorbell (an Int32 this
 * thread bumps after each message) and this thread keeps its event loop turning meanwhile.
 */
async function handOffRoundTrip(awake: boolean, count: number): Promise<number> {
  const doorbell = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
     const { doorbell, awake } = workerData;
     parentPort.on('message', (message) => {
       parentPort.postMessage(message);
       if (!awake) return;
       let until = performance.now() + 0.3, rung = -1;
       do {
         const bell = Atomics.load(doorbell, 0);
         if (bell === rung) continue;
         rung = bell;
         const next = receiveMessageOnPort(parentPort);
         if (next) {
           parentPort.postMessage(next.message);
           until = performance.now() + 0.3;
         }
       } while (performance.now() < until);
     });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: { doorbell, awake } },
  );
  try {
    await new Promise((resolve) => worker.once('message', resolve));
    let waiting = false;
    let turning = false;
    const turn = (): void => {
      if (waiting) setImmediate(turn);
      else turning = false;
    };
    const roundTrip = () =>
      new Promise<void>((resolve) => {
        worker.once('message', () => {
          waiting = false;
          resolve();
        });
        worker.postMessage('append');
        Atomics.add(doorbell, 0, 1);
        waiting = true;
        if (awake && !turning) {
          turning = true;
          setImmediate(turn);
        }
      });
    for (let i = 0; i < count / 10; i++) await roundTrip();
    const started = performance.now();
    for (let i = 0; i < count; i++) await roundTrip();
    return ((performance.now() - started) * 1000) / count;
  } finally {
    await worker.terminate();
  }
}

async function idleDelay(sizes: Sizes): Promise<Delay> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, sizes.measureMs));
  histogram.disable();
  return delayOf(histogram);
}

// ---------------------------------------------------------------------------------------------
// A large routing log for replay and rebuild

/**
 * `total` events over LOG_ROUTES routes: per route one RouteAdded, then RouteChanged events (a
 * new target each), interleaved across routes in blocks of BATCH. Setup, not measured, so it
 * takes the fastest honest path through the store: synchronous=NORMAL, 100 appends per
 * transaction, time-ordered (v7) event ids so the unique id index grows at its end, and the
 * worker writer with the next group prepared on the main thread while the previous one is
 * written. Replay and rebuild never read the id index, so the id layout does not touch them.
 */
async function writeRoutingLog(
  path: string,
  schemas: SchemaRegistry,
  total: number,
): Promise<void> {
  const store = SqliteEventStore.open({ path, schemas, writer: 'worker', synchronous: 'NORMAL' });
  const perRoute = total / LOG_ROUTES;
  const streams = Array.from({ length: LOG_ROUTES }, (_, i) => ({
    index: i,
    route: benchRoute(i),
    revision: undefined as bigint | undefined,
  }));
  const metadata = commandContext();
  const appendsPerGroup = 100;
  const appendGroup = (done: number, from: number) =>
    Promise.all(
      streams.slice(from, from + appendsPerGroup).map(async (s) => {
        const events = Array.from({ length: Math.min(BATCH, perRoute - done) }, (_, k) => {
          const n = done + k;
          if (n === 0) return toNewEvent(routeAdded(s.route), metadata, uuidv7());
          const event = routeChanged(s.route, targetOf(s.index, n));
          s.route = event.data.route;
          return toNewEvent(event, metadata, uuidv7());
        });
        const result = await store.append(routeStream(s.route.routeId), events, {
          streamState: s.revision ?? 'no_stream',
        });
        s.revision = result.nextExpectedRevision;
      }),
    );
  // Two groups in flight: one being written while the next is prepared. A stream's next append
  // comes LOG_ROUTES / appendsPerGroup groups later, long after its previous one completed.
  const inFlight: Promise<unknown>[] = [];
  try {
    for (let done = 0; done < perRoute; done += BATCH) {
      for (let from = 0; from < LOG_ROUTES; from += appendsPerGroup) {
        inFlight.push(appendGroup(done, from));
        await new Promise((resolve) => setImmediate(resolve));
        if (inFlight.length >= 2) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The run

interface Measurements {
  sizes: Sizes;
  loadBefore: number[];
  loadAfter: number[];
  /** handOffRoundTrip, µs. */
  handOffAsleep: number;
  handOffAwake: number;
  bareFull: Throughput;
  bareFullAgain: Throughput;
  bareNormal: Throughput;
  bareFullBatch: Throughput;
  bareStoreSql: Throughput;
  store1: Throughput;
  store1Asleep: Throughput;
  store1Inline: Throughput;
  /** Every run of store1, store1Asleep and store1Inline, in that order (appends/s). */
  singleRuns: [number[], number[], number[]];
  store64: Throughput;
  store64Normal: Throughput;
  command1: Throughput;
  command64: Throughput;
  batch1: Throughput;
  batch64: Throughput;
  idle: Delay;
  loopWorker: StoreRunResult & { delay: Delay };
  loopInline: StoreRunResult & { delay: Delay };
  setupSeconds: number;
  replay: ReplayResult;
  replayData: ReplayResult;
  replayBare: ReplayResult;
  replayParse: ReplayResult;
  /** Every interleaved run of replayData and replayParse (events/s); those fields are the medians. */
  replayDataRuns: number[];
  replayParseRuns: number[];
  rebuild: RebuildResult;
  rebuildBare: RebuildResult;
}

async function measure(options: BenchOptions): Promise<Measurements> {
  const sizes = sizesFor(options);
  const schemas = loadSchemas();
  const schemasDir = findEventSchemasDir();
  const loadBefore = loadavg();

  progress('baseline: a message to a worker thread and back');
  const handOffCount = options.quick ? 2_000 : 10_000;
  const handOffAsleep = await handOffRoundTrip(false, handOffCount);
  const handOffAwake = await handOffRoundTrip(true, handOffCount);
  progress('baseline: bare better-sqlite3 inserts');
  const bareFull = await bareInsert('FULL', 1, sizes);
  const bareNormal = await bareInsert('NORMAL', 1, sizes);
  const bareFullBatch = await bareInsert('FULL', BATCH, sizes);
  const bareStoreSql = await storeSqlAlone(WRITERS, sizes);

  progress(
    `durable single appends through the store, 1 writer: ${sizes.rounds} interleaved rounds of default, stayAwakeUs 0, inline`,
  );
  const single = await interleaved(
    sizes.rounds,
    [
      () => storeRun({ mode: 'store', writers: 1 }, schemas, sizes),
      () => storeRun({ mode: 'store', writers: 1, stayAwakeUs: 0 }, schemas, sizes),
      () => storeRun({ mode: 'store', writers: 1, writer: 'inline' }, schemas, sizes),
    ],
    (r) => r.opsPerSecond,
  );
  const [store1, store1Asleep, store1Inline] = single.map((r) => r.median) as [
    Throughput,
    Throughput,
    Throughput,
  ];
  progress('durable single appends through the store, 64 writers');
  const store64 = await storeRun({ mode: 'store', writers: WRITERS }, schemas, sizes);
  const store64Normal = await storeRun(
    { mode: 'store', writers: WRITERS, synchronous: 'NORMAL' },
    schemas,
    sizes,
  );
  progress('durable single appends through the command path');
  const command1 = await storeRun({ mode: 'command', writers: 1 }, schemas, sizes);
  const command64 = await storeRun({ mode: 'command', writers: WRITERS }, schemas, sizes);
  progress('batched appends');
  const batch1 = await storeRun({ mode: 'batch', writers: 1 }, schemas, sizes);
  const batch64 = await storeRun({ mode: 'batch', writers: WRITERS }, schemas, sizes);
  const bareFullAgain = await bareInsert('FULL', 1, sizes);

  progress('event-loop delay: idle, worker writer, inline writer');
  const idle = await idleDelay(sizes);
  const loop = async (writer: 'worker' | 'inline') => {
    const result = await storeRun(
      { mode: 'store', writers: WRITERS, writer, eventLoop: true },
      schemas,
      sizes,
    );
    return { ...result, delay: result.delay! };
  };
  const loopWorker = await loop('worker');
  const loopInline = await loop('inline');

  const log = await withTempDir('log', async (dir) => {
    const eventsPath = join(dir, 'events.db');
    progress(`writing ${formatNumber(sizes.logEvents)} routing events (setup, not measured)`);
    const started = performance.now();
    await writeRoutingLog(eventsPath, schemas, sizes.logEvents);
    const setupSeconds = (performance.now() - started) / 1000;
    progress(`replaying (setup took ${formatNumber(setupSeconds, 1)} s)`);
    const replay = (mode: ReplayTask['mode']) =>
      runChild<ReplayResult>('replay.child', { mode, eventsPath, schemasDir } satisfies ReplayTask);
    const replayStore = await replay('store');
    const replayBare = await replay('bare');
    const [withData, parseFloor] = await interleaved(
      sizes.rounds,
      [() => replay('store-data'), () => replay('bare-parse')],
      rate,
    );
    progress('rebuilding the routing projection');
    const rebuild = (mode: RebuildTask['mode']) =>
      withTempDir(`rebuild-${mode}`, (readModels) =>
        runChild<RebuildResult>('rebuild.child', {
          mode,
          eventsPath,
          schemasDir,
          readModelsPath: join(readModels, 'read-models.db'),
        } satisfies RebuildTask),
      );
    const rebuildProjection = await rebuild('projection');
    const rebuildBare = await rebuild('bare');
    return {
      setupSeconds,
      replay: replayStore,
      replayData: withData!.median,
      replayDataRuns: withData!.values,
      replayBare,
      replayParse: parseFloor!.median,
      replayParseRuns: parseFloor!.values,
      rebuild: rebuildProjection,
      rebuildBare,
    };
  });

  for (const [name, result] of [
    ['replay', log.replay],
    ['replay with data', log.replayData],
    ['bare replay', log.replayBare],
    ['bare replay with JSON.parse', log.replayParse],
    ['rebuild', log.rebuild],
    ['bare rebuild', log.rebuildBare],
  ] as const) {
    if (result.events !== sizes.logEvents)
      throw new Error(`${name} saw ${result.events} events, expected ${sizes.logEvents}`);
  }
  for (const result of [log.rebuild, log.rebuildBare])
    if (result.routes !== LOG_ROUTES)
      throw new Error(`a rebuild produced ${result.routes} routes, expected ${LOG_ROUTES}`);

  return {
    sizes,
    loadBefore,
    loadAfter: loadavg(),
    handOffAsleep,
    handOffAwake,
    bareFull,
    bareFullAgain,
    bareNormal,
    bareFullBatch,
    bareStoreSql,
    store1,
    store1Asleep,
    store1Inline,
    singleRuns: single.map((r) => r.values) as [number[], number[], number[]],
    store64,
    store64Normal,
    command1,
    command64,
    batch1,
    batch64,
    idle,
    loopWorker,
    loopInline,
    ...log,
  };
}

// ---------------------------------------------------------------------------------------------
// The report

const perSecond = (n: number) => `${formatNumber(n)}/s`;
/** The runs behind a median figure, in the order they ran. */
const runsOf = (values: readonly number[]) =>
  values.length > 1
    ? `median of ${values.length} interleaved runs (${values.map((v) => formatNumber(v)).join(' / ')})`
    : '1 run';
const rate = (r: { events: number; seconds: number }) => r.events / r.seconds;

function method(m: Measurements): string[] {
  const { sizes } = m;
  const load = (l: number[]) => l.map((x) => formatNumber(x, 2)).join(' / ');
  return [
    `machine load (1/5/15-min load average over ${cpus().length} CPUs): ${load(m.loadBefore)} at start, ${load(m.loadAfter)} at end; other processes on this machine share its disk and cores, so figures move between runs`,
    `every append measurement opens a fresh data dir under ${tmpdir()}, removed afterwards; the ${formatNumber(sizes.logEvents)}-event log is written once into its own fresh dir and read (read-only) by the replay and rebuild children, each rebuild writing its read models to a fresh dir of its own`,
    `append throughput is time-boxed: ${formatNumber(sizes.warmupMs)} ms warm-up, then ${formatNumber(sizes.measureMs / 1000, 1)} s measured; a figure counts the operations completed inside the measured window`,
    'durable = journal_mode=WAL, synchronous=FULL (an fsync per commit); the store uses its default worker-thread writer unless "inline" is said',
    `single appends: 1 RouteChanged event (v7 id, as the command path makes) per append with its expected revision, over ${formatNumber(STREAMS)} route streams created beforehand (1 RouteAdded each); each of N writers owns the streams i % N = w and awaits each append before its next (no conflicts)`,
    'command path: executeOnStream(routeDecider, PatchRoute { to }) on the same streams, with the stream-state cache the gateway uses: read what the stream gained since the cached revision, fold, decide (validation; uniqueness against an in-memory owner map), append with the revision read',
    `batched: ${BATCH} RouteChanged events per append, same streams and writers`,
    `baseline, same run: bare better-sqlite3 INSERT of the same RouteChanged JSON into a 3-column table, 1 row per transaction (and ${BATCH} rows per transaction for batches), no checks, no hash; "x bare FULL" divides by the first 1-row FULL figure, which is re-measured after the append runs to show drift`,
    `replay and rebuild read ${formatNumber(sizes.logEvents)} events over ${formatNumber(LOG_ROUTES)} routes (1 RouteAdded, then RouteChanged with a new target each), each validated by the store against event-schemas/routing; written with synchronous=NORMAL, ${BATCH} events per append, 100 appends per transaction, time-ordered (v7) ids, worker writer with the next group prepared while one is written (setup, ${formatNumber(m.setupSeconds, 1)} s, not measured)`,
    `replay = for await (store.readAll()) in a child process that loads only the event-store library, reading each event's position (the store parses data and metadata on first use, so a consumer that filters by type or stream pays for the JSON of the events it keeps); "with data" also reads every event's data and metadata; peak RSS = process.resourceUsage().maxRSS of that child (its whole life); bare replay runs the same paged SELECT with better-sqlite3 and leaves rows unparsed; "bare + JSON.parse" runs it and JSON.parses every data and metadata column, the floor of a replay that reads every event; the timed part starts after the event schemas are loaded (${formatNumber(m.replayData.schemaLoadSeconds, 2)} s in the "with data" child, once per process; reading compiles none of them)`,
    'rebuild = rebuildProjection(routing) on a ReadModelDatabase opened with readModelContributions(), in a child process, timing rebuildProjection alone; bare rebuild runs the same upserts through prepared better-sqlite3 statements on raw rows, in one transaction',
    `event loop: perf_hooks.monitorEventLoopDelay({ resolution: 1 }) on the main thread over the measured window while ${WRITERS} writers append durably; figures include the 1 ms sampling interval, so an idle loop reads about 1 ms`,
  ];
}

function buildReport(options: BenchOptions, m: Measurements): BenchReport {
  const full = 'bare FULL';
  const toBare = (value: number) => ({ value: ratio(value, m.bareFull.opsPerSecond), to: full });
  const appends = (key: string, label: string, r: Throughput, target?: Target): Figure => ({
    key,
    label,
    value: r.opsPerSecond,
    unit: 'appends/s',
    ratio: toBare(r.opsPerSecond),
    ...(target ? { target } : {}),
  });
  const commandTarget = (command: Throughput, store: Throughput): Target => ({
    text: `≥ ${TARGET.commandShare}x store (${perSecond(store.opsPerSecond * TARGET.commandShare)}); is ${formatNumber(ratio(command.opsPerSecond, store.opsPerSecond), 2)}x`,
    pass: command.opsPerSecond >= store.opsPerSecond * TARGET.commandShare,
  });
  const batched = (key: string, label: string, r: Throughput): Figure => ({
    key,
    label,
    value: r.itemsPerSecond,
    unit: 'events/s',
    ratio: {
      value: ratio(r.itemsPerSecond, m.bareFullBatch.itemsPerSecond),
      to: `bare ${BATCH}/txn`,
    },
    detail: `${perSecond(r.opsPerSecond)} appends of ${BATCH}`,
  });
  const delay = (key: string, label: string, d: Delay, r?: Throughput): Figure => ({
    key,
    label,
    value: d.p99Ms,
    decimals: 2,
    unit: 'ms p99',
    ratio: { value: ratio(d.p99Ms, m.idle.p99Ms), to: 'idle p99' },
    detail: `p50 ${formatNumber(d.p50Ms, 2)} ms, max ${formatNumber(d.maxMs, 1)} ms${
      r ? `, while appending ${perSecond(r.opsPerSecond)}` : ''
    }`,
  });
  const events = formatNumber(m.sizes.logEvents);
  const replayRate = rate(m.replay);
  const rebuildRate = rate(m.rebuild);

  const report: BenchReport = {
    name: 'events',
    title: 'Nekzus event store benchmark (bench/events.bench.ts)',
    quick: options.quick,
    method: method(m),
    sections: [
      {
        title: 'Baseline: bare better-sqlite3 (no checks, no hash)',
        figures: [
          {
            key: 'bare.full',
            label: 'insert, FULL, 1 row/txn',
            value: m.bareFull.opsPerSecond,
            unit: 'rows/s',
            detail: `~${formatNumber(1000 / m.bareFull.opsPerSecond, 2)} ms per durable commit`,
          },
          {
            key: 'bare.fullAgain',
            label: 'insert, FULL, 1 row/txn (re-run)',
            value: m.bareFullAgain.opsPerSecond,
            unit: 'rows/s',
            ratio: toBare(m.bareFullAgain.opsPerSecond),
          },
          {
            key: 'bare.normal',
            label: 'insert, NORMAL, 1 row/txn',
            value: m.bareNormal.opsPerSecond,
            unit: 'rows/s',
            ratio: toBare(m.bareNormal.opsPerSecond),
          },
          {
            key: 'bare.fullBatch',
            label: `insert, FULL, ${BATCH} rows/txn`,
            value: m.bareFullBatch.itemsPerSecond,
            unit: 'rows/s',
            detail: `${perSecond(m.bareFullBatch.opsPerSecond)} transactions`,
          },
          {
            key: 'bare.storeSql',
            label: `the store's SQL, FULL, ${WRITERS} rows/txn, 1 thread`,
            value: m.bareStoreSql.itemsPerSecond,
            unit: 'rows/s',
            detail: `its table and 3 indexes; per row the revision read, the chain hash and the INSERT; ~${formatNumber(1e6 / m.bareStoreSql.itemsPerSecond, 1)} µs per row`,
          },
          {
            key: 'handOff.asleep',
            label: 'worker thread round trip, threads asleep',
            value: m.handOffAsleep,
            decimals: 1,
            unit: 'µs',
            detail:
              'one short message there and back, each thread waking from its event loop: the two hand-offs of an append with stayAwakeUs 0',
          },
          {
            key: 'handOff.awake',
            label: 'worker thread round trip, threads awake',
            value: m.handOffAwake,
            decimals: 1,
            unit: 'µs',
            ratio: { value: ratio(m.handOffAwake, m.handOffAsleep), to: 'asleep' },
            detail:
              'the worker watching a doorbell, this thread keeping its loop turning, as the store does by default',
          },
        ],
      },
      {
        title: `Durable single appends (synchronous=FULL, 1 event/append, ${formatNumber(STREAMS)} streams)`,
        figures: [
          {
            ...appends('store.single.1', 'store, 1 writer', m.store1, {
              text: `≥ ${perSecond(TARGET.singleWriterAppends)}`,
              pass: m.store1.opsPerSecond >= TARGET.singleWriterAppends,
            }),
            detail: `${runsOf(m.singleRuns[0])}; stayAwakeUs ${defaultStayAwakeUs()} (the default here)`,
          },
          {
            ...appends('store.single.1.asleep', 'store, 1 writer, stayAwakeUs 0', m.store1Asleep),
            detail: `${runsOf(m.singleRuns[1])}; each thread sleeps until the other wakes it: the default reaches ${formatNumber(ratio(m.store1.opsPerSecond, m.store1Asleep.opsPerSecond), 2)}x of it`,
          },
          {
            ...appends('store.single.1.inline', 'store, 1 writer, inline writer', m.store1Inline),
            detail: `${runsOf(m.singleRuns[2])}; the worker writer reaches ${formatNumber(ratio(m.store1.opsPerSecond, m.store1Inline.opsPerSecond), 2)}x of it (the hand-off between threads)`,
          },
          {
            ...appends(`store.single.${WRITERS}`, `store, ${WRITERS} writers`, m.store64, {
              text: `≥ ${perSecond(TARGET.concurrentAppends)}`,
              pass: m.store64.opsPerSecond >= TARGET.concurrentAppends,
            }),
            detail: `${formatNumber(ratio(m.store64.opsPerSecond, m.bareStoreSql.itemsPerSecond), 2)}x the store's own SQL alone on one thread (${perSecond(m.bareStoreSql.itemsPerSecond)}, ${WRITERS} rows/txn)`,
          },
          {
            ...appends(
              `store.single.${WRITERS}.normal`,
              `store, ${WRITERS} writers, synchronous=NORMAL`,
              m.store64Normal,
            ),
            detail: `not durable, no fsync per commit: FULL reaches ${formatNumber(ratio(m.store64.opsPerSecond, m.store64Normal.opsPerSecond), 2)}x of it`,
          },
          appends(
            'command.single.1',
            'command path, 1 writer',
            m.command1,
            commandTarget(m.command1, m.store1),
          ),
          appends(
            `command.single.${WRITERS}`,
            `command path, ${WRITERS} writers`,
            m.command64,
            commandTarget(m.command64, m.store64),
          ),
        ],
      },
      {
        title: `Batched appends (synchronous=FULL, ${BATCH} events/append)`,
        figures: [
          batched('store.batch.1', 'store, 1 writer', m.batch1),
          batched(`store.batch.${WRITERS}`, `store, ${WRITERS} writers`, m.batch64),
        ],
      },
      {
        title: `Main-thread event-loop delay while ${WRITERS} writers append durably`,
        figures: [
          delay('eventLoop.idle', 'idle (no load)', m.idle),
          delay('eventLoop.worker', 'worker writer (default)', m.loopWorker.delay, m.loopWorker),
          delay('eventLoop.inline', 'inline writer', m.loopInline.delay, m.loopInline),
        ],
      },
      {
        title: `Replay of ${events} events (store.readAll, child process)`,
        figures: [
          {
            key: 'replay.store',
            label: 'store.readAll(), position only',
            value: replayRate,
            unit: 'events/s',
            ratio: { value: ratio(replayRate, rate(m.replayBare)), to: 'bare replay' },
            detail: `${formatNumber(m.replay.seconds, 2)} s; the event loop was blocked up to ${formatNumber(m.replay.longestBlockMs)} ms at a stretch`,
          },
          {
            key: 'replay.data',
            label: 'store.readAll(), data read',
            value: rate(m.replayData),
            unit: 'events/s',
            ratio: {
              value: ratio(rate(m.replayData), rate(m.replayParse)),
              to: 'bare + JSON.parse',
            },
            target: {
              text: `≥ ${perSecond(TARGET.replayEventsPerSecond)}`,
              pass: rate(m.replayData) >= TARGET.replayEventsPerSecond,
            },
            detail: `${formatNumber(m.replayData.seconds, 2)} s; JSON.parse of every event's data and metadata; ${runsOf(m.replayDataRuns)}`,
          },
          {
            key: 'replay.peakRss',
            label: 'store.readAll(), peak RSS',
            value: m.replay.peakRssMB,
            unit: 'MB',
            ratio: { value: ratio(m.replay.peakRssMB, m.replayBare.peakRssMB), to: 'bare replay' },
            target: {
              text: `< ${TARGET.replayRssMB} MB`,
              pass: m.replay.peakRssMB < TARGET.replayRssMB,
            },
            detail: `${formatNumber(m.replay.rssBeforeMB)} MB before the replay started`,
          },
          {
            key: 'replay.bare',
            label: 'bare better-sqlite3 pages',
            value: rate(m.replayBare),
            unit: 'events/s',
            detail: `${formatNumber(m.replayBare.seconds, 2)} s, peak RSS ${formatNumber(m.replayBare.peakRssMB)} MB`,
          },
          {
            key: 'replay.bareParse',
            label: 'bare pages + JSON.parse of data and metadata',
            value: rate(m.replayParse),
            unit: 'events/s',
            ratio: { value: ratio(rate(m.replayParse), rate(m.replayBare)), to: 'bare replay' },
            detail: `${formatNumber(m.replayParse.seconds, 2)} s: the floor of any replay that reads every event's data; JSON.parse alone ${formatNumber(1e6 / rate(m.replayParse) - 1e6 / rate(m.replayBare), 1)} µs per event; ${runsOf(m.replayParseRuns)}, each after the store's run of the same round`,
          },
        ],
      },
      {
        title: `Projection rebuild of ${events} events (routing read model, child process)`,
        figures: [
          {
            key: 'rebuild.projection',
            label: 'rebuildProjection(routing)',
            value: rebuildRate,
            unit: 'events/s',
            ratio: { value: ratio(rebuildRate, rate(m.rebuildBare)), to: 'bare rebuild' },
            target: {
              text: `≥ ${perSecond(TARGET.rebuildEventsPerSecond)}`,
              pass: rebuildRate >= TARGET.rebuildEventsPerSecond,
            },
            detail: `${formatNumber(m.rebuild.seconds, 2)} s, peak RSS ${formatNumber(m.rebuild.peakRssMB)} MB, event loop blocked up to ${formatNumber(m.rebuild.longestBlockMs)} ms at a stretch`,
          },
          {
            key: 'rebuild.bare',
            label: 'bare better-sqlite3 upserts',
            value: rate(m.rebuildBare),
            unit: 'events/s',
            detail: `${formatNumber(m.rebuildBare.seconds, 2)} s, peak RSS ${formatNumber(m.rebuildBare.peakRssMB)} MB`,
          },
        ],
      },
    ],
    findings: findings(m),
  };
  return report;
}

/** Observations that follow from this run's figures alone, so they hold whatever the machine. */
function findings(m: Measurements): string[] {
  const out: string[] = [];
  const bare = m.bareFull.opsPerSecond;
  if (m.store1.opsPerSecond < TARGET.singleWriterAppends && bare < TARGET.singleWriterAppends)
    out.push(
      `1 writer: a writer that awaits each durable append pays one fsync'd commit per append, so the bare FULL insert (${perSecond(bare)}) is this disk's ceiling for it; ${perSecond(TARGET.singleWriterAppends)} needs a durable commit under ${formatNumber(1000 / TARGET.singleWriterAppends, 2)} ms, this disk takes ~${formatNumber(1000 / bare, 2)} ms. The store reaches ${formatNumber(ratio(m.store1.opsPerSecond, bare), 2)}x of the ceiling with the worker writer, ${formatNumber(ratio(m.store1Inline.opsPerSecond, bare), 2)}x inline.`,
    );
  if (m.store64.opsPerSecond < TARGET.concurrentAppends) {
    const perGroup = 1000 / (m.store64.opsPerSecond / WRITERS);
    out.push(
      `${WRITERS} writers: group commit puts up to ${WRITERS} appends in one durable commit, and a bare durable commit takes ~${formatNumber(1000 / bare, 2)} ms, yet a round of ${WRITERS} appends took ~${formatNumber(perGroup, 1)} ms; without the fsync (synchronous=NORMAL) the store reaches ${perSecond(m.store64Normal.opsPerSecond)}, so the limit is the per-append work on the main thread and in the writer, not the disk's flush.`,
    );
  }
  const replayRate = rate(m.replay);
  const bareReplay = rate(m.replayBare);
  if (replayRate < TARGET.replayEventsPerSecond)
    out.push(
      `replay: reading the rows alone (bare) runs at ${perSecond(bareReplay)}${bareReplay < TARGET.replayEventsPerSecond ? ', already under the target' : ''}; turning them into RecordedEvents costs ${formatNumber(1e6 / replayRate - 1e6 / bareReplay, 1)} µs per event more.`,
    );
  const dataRate = rate(m.replayData);
  const parseFloor = rate(m.replayParse);
  if (dataRate < TARGET.replayEventsPerSecond)
    out.push(
      `replay with data: the bare rows plus JSON.parse of data and metadata, nothing else, run at ${perSecond(parseFloor)}${parseFloor < TARGET.replayEventsPerSecond ? ' — under the target before the store adds anything' : ''}; the store reaches ${formatNumber(ratio(dataRate, parseFloor), 2)}x of that floor (${formatNumber(1e6 / dataRate - 1e6 / parseFloor, 1)} µs per event more).`,
    );
  const rebuildRate = rate(m.rebuild);
  if (rebuildRate < TARGET.rebuildEventsPerSecond)
    out.push(
      `rebuild: of ${formatNumber(1e6 / rebuildRate, 1)} µs per event, reading through readAll accounts for ~${formatNumber(1e6 / replayRate, 1)} µs (replay figure); the rest, ~${formatNumber(1e6 / rebuildRate - 1e6 / replayRate, 1)} µs, is RoutingProjection.apply and its UPDATE through TypeORM's manager.query (bare upserts: ${formatNumber(1e6 / rate(m.rebuildBare), 1)} µs per event, their own read included).`,
    );
  if (m.replay.longestBlockMs >= 0.9 * m.replay.seconds * 1000)
    out.push(
      `replay: for await over store.readAll() never gave the event loop a turn in ${formatNumber(m.replay.seconds, 1)} s (longest block ${formatNumber(m.replay.longestBlockMs)} ms): its pages are synchronous reads and its yields only microtasks, so a process that replays or catches up a subscription serves nothing else meanwhile.`,
    );
  return out;
}

export async function runEventsBench(options: BenchOptions): Promise<BenchReport> {
  return buildReport(options, await measure(options));
}

if (require.main === module) runStandalone(runEventsBench);
