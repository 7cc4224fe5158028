import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type {
  EventFilter,
  EventMetadata,
  RecordedEvent,
} from '../../../libs/event-store/src/event-store.port';
import { paths } from '../../gateway/src/data-paths';
import { dataDirFiles, openStoreReadOnly, resolveDataDir } from './data-dir';
import { CliError, jsonLine, Progress, table } from './output';

interface TailOptions {
  follow?: boolean;
  type?: string[];
  stream?: string[];
  json?: boolean;
  limit: string;
}

function summary(e: RecordedEvent): string {
  const text = JSON.stringify(e.data);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function row(e: RecordedEvent): (string | number)[] {
  return [
    Number(e.position),
    e.recordedAt.toISOString(),
    e.stream,
    e.type,
    `${e.metadata.actor.kind}:${e.metadata.actor.id}`,
    summary(e),
  ];
}

const HEADERS = ['POSITION', 'RECORDED', 'STREAM', 'TYPE', 'ACTOR', 'DATA'];
/** Wide enough for most ids, so followed rows line up with the header. */
const FOLLOW_WIDTHS = [8, 24, 24, 16, 16];

export function registerEventCommands(
  program: Command,
  dataDirOption: () => string | undefined,
): void {
  const events = program.command('events').description('read the event log');

  events
    .command('tail')
    .description('show the newest events; --follow keeps printing new ones')
    .option('-f, --follow', 'keep running and print events as they are appended')
    .option('-t, --type <type...>', 'only these event types')
    .option('-s, --stream <prefix...>', 'only streams starting with these prefixes')
    .option('-n, --limit <count>', 'how many past events to show', '20')
    .option('--json', 'one JSON object per line (NDJSON)')
    .action(async (options: TailOptions) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 0)
        throw new Error(`--limit must be a whole number, got "${options.limit}"`);
      const store = await openStoreReadOnly(resolveDataDir(dataDirOption()));
      const { collect } = await import('./log-tools.js');
      const filter: EventFilter = {
        ...(options.type ? { eventTypes: options.type } : {}),
        ...(options.stream ? { streamPrefixes: options.stream } : {}),
      };
      try {
        const past = (
          await collect(store.readAll({ direction: 'backwards', maxCount: limit, filter }))
        ).reverse();
        const print = (list: RecordedEvent[], header: boolean) => {
          if (options.json) for (const e of list) process.stdout.write(`${jsonLine(e)}\n`);
          else if (list.length > 0 || header) {
            const text = table(HEADERS, list.map(row), options.follow ? FOLLOW_WIDTHS : []);
            process.stdout.write(`${header ? text : text.split('\n').slice(2).join('\n')}\n`);
          }
        };
        print(past, !options.follow || past.length > 0);
        if (!options.follow) return;
        const from = past.length > 0 ? past[past.length - 1]!.position : await store.headPosition();
        const subscription = store.subscribeToAll({ from, filter });
        const stop = () => subscription.unsubscribe();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        for await (const e of subscription) print([e], false);
      } finally {
        await store.close();
      }
    });

  events
    .command('stats')
    .description('counts per event type and stream category, size of the log')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const dataDir = resolveDataDir(dataDirOption());
      const store = await openStoreReadOnly(dataDir);
      try {
        const byType = new Map<string, number>();
        const streams = new Set<string>();
        let first: Date | undefined;
        let last: Date | undefined;
        let count = 0;
        for await (const e of store.readAll()) {
          count += 1;
          byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
          streams.add(e.stream);
          first ??= e.recordedAt;
          last = e.recordedAt;
        }
        const file = dataDirFiles(dataDir).events;
        const bytes = statSync(file).size;
        const result = {
          events: count,
          streams: streams.size,
          head: Number(await store.headPosition()),
          first: first?.toISOString() ?? null,
          last: last?.toISOString() ?? null,
          fileBytes: bytes,
          types: Object.fromEntries([...byType.entries()].sort()),
        };
        if (options.json) {
          process.stdout.write(`${jsonLine(result)}\n`);
          return;
        }
        process.stdout.write(
          `${count} events in ${streams.size} streams, head position ${result.head}, ${(bytes / 1024).toFixed(0)} KiB (${file})\n` +
            (first ? `from ${result.first} to ${result.last}\n` : '') +
            `\n${table(
              ['TYPE', 'EVENTS'],
              [...byType.entries()].sort().map(([t, n]) => [t, n]),
            )}\n`,
        );
      } finally {
        await store.close();
      }
    });

  events
    .command('import')
    .argument('<file>', 'an export written by `nekzus audit export`')
    .description(
      'restore a log into an empty data dir: every link of the chain is checked on the way, then the read models are rebuilt',
    )
    .option('--json', 'machine-readable summary')
    .option(
      '--kurrentdb <connection-string>',
      'move the history into a KurrentDB cluster instead of a data dir (chain checked first; re-running skips what is already there)',
    )
    .action(async (file: string, options: { json?: boolean; kurrentdb?: string }) => {
      if (!existsSync(file)) throw new CliError(`no file ${file}`);
      if (options.kurrentdb) {
        const moved = await importIntoKurrentDb(file, options.kurrentdb);
        if (options.json) process.stdout.write(`${jsonLine(moved)}\n`);
        else
          process.stdout.write(
            `moved ${moved.events} events in ${moved.streams} streams into KurrentDB; the SQLite chain verified up to ${moved.headHash}; each event now carries its stream's chain link\n`,
          );
        return;
      }
      const dataDir = resolveDataDir(dataDirOption());
      if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
        throw new CliError(
          `${dataDir} is not empty: events import only restores into an empty data dir (point --data-dir at a new one)`,
        );
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const files = paths(dataDir);
      const { importLog, loadSchemas, SqliteEventStore } = await import('./log-tools.js');
      const { ReadModelDatabase, readModelContributions, rebuildProjection } =
        await import('./read-model-tools.js');
      const schemas = loadSchemas();
      // Creates the events table with its append-only triggers; nothing is appended through it.
      await SqliteEventStore.open({ path: files.events, schemas }).close();
      let summary;
      const progress = new Progress('importing');
      try {
        summary = await importLog(file, files.events, (n) => progress.update(n, n));
      } catch (error) {
        progress.done();
        // Leave the data dir as empty as it was found.
        for (const name of readdirSync(dataDir)) rmSync(`${dataDir}/${name}`, { force: true });
        throw new CliError(
          `import refused, nothing kept: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      progress.done();
      const store = SqliteEventStore.open({ path: files.events, schemas, readonly: true });
      const contributions = readModelContributions();
      const db = await ReadModelDatabase.open(files.readModels, contributions);
      const rebuilt: string[] = [];
      try {
        for (const projection of contributions.flatMap((c) => c.projections)) {
          const bar = new Progress(`rebuilding ${projection.name}`);
          await rebuildProjection(store, db, projection, (n, head) => bar.update(n, Number(head)));
          bar.done();
          rebuilt.push(projection.name);
        }
      } finally {
        await db.close();
        await store.close();
      }
      if (options.json) process.stdout.write(`${jsonLine({ ...summary, dataDir, rebuilt })}\n`);
      else
        process.stdout.write(
          `imported ${summary.events} events into ${dataDir}; chain verified, head ${summary.headHash} at position ${summary.headPosition}; rebuilt ${rebuilt.join(', ')}\n`,
        );
    });
}

/**
 * Restores the archive into a scratch SQLite file (which checks every link of its chain), then
 * appends each event to KurrentDB under its own id, stream and revision, with the exact expected
 * revision: a second run is acknowledged by the server event by event without writing twice.
 * Events keep their stored schema version (no upcasting); KurrentDB records its own time.
 */
async function importIntoKurrentDb(
  archive: string,
  connectionString: string,
): Promise<{ events: number; streams: number; headHash: string }> {
  const { EventLogFile, importLog, loadSchemas, SqliteEventStore } = await import('./log-tools.js');
  // The KurrentDB client only on this path.
  const { KurrentDbEventStore } = await (await import('#libs/event-store')).loadKurrentDb();
  const scratch = mkdtempSync(join(tmpdir(), 'nekzus-import-'));
  const file = join(scratch, 'events.db');
  const schemas = loadSchemas();
  const target = new KurrentDbEventStore({ connectionString, schemas });
  try {
    await SqliteEventStore.open({ path: file, schemas }).close();
    const progress = new Progress('checking the chain');
    let summary;
    try {
      summary = await importLog(archive, file, (n) => progress.update(n, n));
    } catch (error) {
      throw new CliError(
        `import refused, nothing moved: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      progress.done();
    }
    const log = EventLogFile.open(file);
    const bar = new Progress('moving into KurrentDB');
    const streams = new Set<string>();
    let events = 0;
    try {
      for (const row of log.rawRows()) {
        const [, id, stream, revision, type, schemaVersion, data, metadata] = row;
        streams.add(stream);
        await target.append(
          stream,
          [
            {
              id,
              type,
              schemaVersion,
              data: JSON.parse(data) as unknown,
              metadata: JSON.parse(metadata) as EventMetadata,
            },
          ],
          { streamState: revision === 0 ? 'no_stream' : BigInt(revision - 1) },
        );
        events += 1;
        if (events % 1000 === 0) bar.update(events, summary.events);
      }
    } finally {
      bar.done();
      log.close();
    }
    return { events, streams: streams.size, headHash: summary.headHash };
  } finally {
    await target.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
