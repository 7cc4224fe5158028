import { Option, type Command } from 'commander';
import { ValidationFailed } from '#libs/kernel';
// The arguments are checked before anything heavy is loaded; what the commands run comes from
// ./log-tools when they run.
import {
  parseAuditFilter,
  parseTime,
  type AuditFilter,
} from '../../../libs/audit/src/domain/audit-filter';
import type { EventLogFile } from '../../../libs/audit/src/infrastructure/event-log-file';
import {
  diffTable,
  Output,
  ReplayWriter,
  stateTable,
  traceTable,
  type ReplayFormat,
} from './audit-output';
import { existingEventsFile, resolveDataDir } from './data-dir';
import { CliError, jsonLine, Progress } from './output';

/** A bad argument: the message and how the command is used, exit 2 (as commander's own errors). */
export function usageError(command: Command, message: string): CliError {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return new CliError(`${message}\nusage: ${names.join(' ')} ${command.usage()} (see --help)`, 2);
}

function timeArgument(command: Command, name: string, value: string): string {
  const time = parseTime(value);
  if (time === undefined)
    throw usageError(
      command,
      `${name}: "${value}" is not an RFC 3339 time (e.g. 2025-06-01T12:00:00Z or 2025-06-01)`,
    );
  return time;
}

const FORMATS: ReplayFormat[] = ['table', 'json', 'ndjson', 'csv'];

interface ReplayOptions {
  since?: string;
  until?: string;
  stream?: string[];
  type?: string[];
  actor?: string;
  action?: string;
  target?: string;
  correlation?: string;
  format: ReplayFormat;
  follow?: boolean;
}

async function openLog(dataDir: string | undefined): Promise<EventLogFile> {
  const file = existingEventsFile(resolveDataDir(dataDir));
  const { EventLogFile, loadSchemas } = await import('./log-tools.js');
  return EventLogFile.open(file, loadSchemas());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function registerAuditCommands(
  program: Command,
  dataDirOption: () => string | undefined,
): void {
  const audit = program
    .command('audit')
    .description('the audit log: replay it, see the state at a time, prove it was not edited');

  const verify = audit
    .command('verify')
    .description('walk the hash chain; exit 1 naming the first event that does not verify')
    .option(
      '--expect-head <hash>',
      'a head hash recorded earlier (the gateway logs one at shutdown and every hour): it must be in the log',
    )
    .option('--json', 'machine-readable result')
    .option(
      '--kurrentdb <connection-string>',
      "verify a KurrentDB store instead: each stream's own chain (what that backend supports)",
    )
    .action(async (options: { json?: boolean; expectHead?: string; kurrentdb?: string }) => {
      if (options.expectHead !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.expectHead))
        throw usageError(verify, '--expect-head must be a SHA-256 hash: 64 hexadecimal digits');
      if (options.kurrentdb) {
        if (options.expectHead)
          throw usageError(
            verify,
            '--expect-head needs the global chain of a SQLite log; KurrentDB keeps per-stream chains',
          );
        const { loadSchemas, verifyStreamChains } = await import('./log-tools.js');
        // The KurrentDB client only on this path.
        const { KurrentDbEventStore } = await (await import('#libs/event-store')).loadKurrentDb();
        const store = new KurrentDbEventStore({
          connectionString: options.kurrentdb,
          schemas: loadSchemas(),
        });
        try {
          const progress = new Progress('verifying streams');
          const report = await verifyStreamChains(store, (n) => progress.update(n, n));
          progress.done();
          if (options.json) process.stdout.write(`${jsonLine(report)}\n`);
          else
            process.stdout.write(
              report.intact
                ? `stream chains intact: ${report.events} events in ${report.streams} streams\n(${report.limits})\n`
                : `stream chains BROKEN in ${report.broken.length} of ${report.streams} streams:\n${report.broken.map((b) => `  ${b.stream} at revision ${b.revision}: ${b.reason}`).join('\n')}\n`,
            );
          if (!report.intact) process.exitCode = 1;
        } finally {
          await store.close();
        }
        return;
      }
      const file = existingEventsFile(resolveDataDir(dataDirOption()));
      const { verifyLog } = await import('./log-tools.js');
      const progress = new Progress('verifying');
      const report = await verifyLog(file, {
        onProgress: (n, total) => progress.update(n, total),
        ...(options.expectHead ? { expectHead: options.expectHead } : {}),
      });
      progress.done();
      if (options.json) process.stdout.write(`${jsonLine(report)}\n`);
      else if (report.intact) {
        process.stdout.write(
          `chain intact: ${report.events} events, head ${report.headHash} at position ${report.headPosition}\n`,
        );
        const expected = report.expectedHead;
        if (expected?.position !== undefined)
          process.stdout.write(
            expected.newerEvents === 0
              ? `the expected head is the head of the log\n`
              : `the expected head is at position ${expected.position}; ${expected.newerEvents} events were appended after it\n`,
          );
      } else if (report.failure === 'expected-head')
        process.stdout.write(
          `head MISMATCH: ${report.reason}\n(the chain itself verifies: ${report.events} events)\n`,
        );
      else
        process.stdout.write(
          `chain BROKEN at position ${report.firstBadPosition}: ${report.reason}\n(${report.events} events before it verify; last good hash ${report.headHash})\n`,
        );
      if (!report.intact) process.exitCode = 1;
    });

  const replay = audit
    .command('replay')
    .description('the audit entries of the log, oldest first: who did what, to what, from where')
    .option('--since <time>', 'from this time (RFC 3339, or a date)')
    .option('--until <time>', 'up to this time')
    .option('-s, --stream <prefix...>', 'only streams starting with these prefixes')
    .option('-t, --type <type...>', 'only these event types')
    .option('--actor <id>', 'only this actor (an id, or kind:id)')
    .option('--action <action>', 'only this action (route.added, device.revoked, ...)')
    .option('--target <id>', 'only this target (an id, or type:id)')
    .option('--correlation <id>', 'only this correlation id (one request)')
    .addOption(
      new Option('--format <format>', 'table for people, ndjson for scripts')
        .choices(FORMATS)
        .default('table'),
    )
    .option('-f, --follow', 'keep running and print entries as events are appended')
    .action(async (options: ReplayOptions) => {
      let filter: AuditFilter;
      try {
        filter = parseAuditFilter({
          since: options.since,
          until: options.until,
          actor: options.actor,
          action: options.action,
          target: options.target,
          correlationId: options.correlation,
          streams: options.stream,
          types: options.type,
        });
      } catch (error) {
        if (error instanceof ValidationFailed) throw usageError(replay, error.message);
        throw error;
      }
      const log = await openLog(dataDirOption());
      const { MemoryNameBook, replayBlocks, replayEntries } = await import('./log-tools.js');
      const out = new Output();
      const writer = new ReplayWriter(out, options.format);
      const names = new MemoryNameBook();
      let stopped = false;
      const stop = () => (stopped = true);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await writer.begin();
        let head = log.head().position;
        const progress = new Progress('replaying');
        const style = options.format === 'json' ? 'json' : 'ndjson';
        /** Entries after `after` up to `to`: NDJSON and JSON in blocks (worker threads on a long log), the others one by one. */
        const replayRange = async (
          after: number,
          to: number,
          onProgress?: (at: number) => void,
        ) => {
          if (writer.writesBlocks) {
            for await (const block of replayBlocks(log, filter, { after, to, names, style })) {
              await writer.block(block);
              onProgress?.(block.position);
              if (out.gone) break;
            }
            return;
          }
          for (const replayed of replayEntries(log, filter, after, to, names)) {
            await writer.entry(replayed);
            if (replayed.entry.position % 1000 === 0) onProgress?.(replayed.row.position);
            if (out.gone) break;
          }
        };
        await replayRange(0, head, (at) => progress.update(at, head));
        progress.update(head, head);
        progress.done();
        await out.flush();
        while (options.follow && !stopped && !out.gone) {
          await sleep(250);
          const now = log.head().position;
          if (now <= head) continue;
          await replayRange(head, now);
          await out.flush();
          head = now;
        }
        await writer.end();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        log.close();
      }
    });

  const at = audit
    .command('at')
    .argument('<time>', 'RFC 3339 time, or a date (its midnight, UTC)')
    .description('the apps, routes, devices, administrators and keys as they stood at a time')
    .addOption(
      new Option('--format <format>', 'output').choices(['table', 'json']).default('table'),
    )
    .action(async (time: string, options: { format: 'table' | 'json' }) => {
      const when = timeArgument(at, 'time', time);
      const log = await openLog(dataDirOption());
      const { stateAt } = await import('./log-tools.js');
      try {
        const state = stateAt(log, when);
        process.stdout.write(
          options.format === 'json' ? `${jsonLine(state)}\n` : stateTable(state),
        );
      } finally {
        log.close();
      }
    });

  const diff = audit
    .command('diff')
    .argument('<from>', 'RFC 3339 time')
    .argument('<to>', 'RFC 3339 time')
    .description('what changed between two times, per app, route, device, administrator and key')
    .addOption(
      new Option('--format <format>', 'output').choices(['table', 'json']).default('table'),
    )
    .action(async (from: string, to: string, options: { format: 'table' | 'json' }) => {
      const a = timeArgument(diff, 'from', from);
      const b = timeArgument(diff, 'to', to);
      const log = await openLog(dataDirOption());
      const { diffBetween } = await import('./log-tools.js');
      try {
        const result = diffBetween(log, a, b);
        process.stdout.write(
          options.format === 'json' ? `${jsonLine(result)}\n` : diffTable(result),
        );
      } finally {
        log.close();
      }
    });

  const trace = audit
    .command('trace')
    .argument('<id>', 'an event id or a correlation id (a request id)')
    .description(
      'the causal chain: the events of one request, what caused them and what they caused',
    )
    .addOption(
      new Option('--format <format>', 'output').choices(['table', 'json']).default('table'),
    )
    .action(async (id: string, options: { format: 'table' | 'json' }) => {
      if (!/^[A-Za-z0-9._:@/+=-]{1,200}$/.test(id))
        throw usageError(trace, `"${id}" is not an event id or a correlation id`);
      const log = await openLog(dataDirOption());
      const { describeEvent, MemoryNameBook, traceTree } = await import('./log-tools.js');
      try {
        const rows = log.related(id);
        if (rows.length === 0) throw new CliError(`no event and no correlation with id "${id}"`);
        const names = new MemoryNameBook();
        const last = rows[rows.length - 1]!.position;
        const naming = log.namingEvents(0, last);
        let next = 0;
        const entries = rows.map((row) => {
          while (next < naming.length && naming[next]!.position <= row.position) {
            const n = naming[next++]!;
            names.learn(n.type, n.data);
          }
          return { ...describeEvent(row, names), id: row.id };
        });
        const lines = traceTree(entries);
        if (options.format === 'json')
          process.stdout.write(
            `${jsonLine(lines.map(({ event: { id: _id, ...entry }, depth }) => ({ depth, ...entry })))}\n`,
          );
        else process.stdout.write(traceTable(lines));
      } finally {
        log.close();
      }
    });

  const exporter = audit
    .command('export')
    .description(
      'write the whole log with its hashes as NDJSON (a backup: `nekzus events import` restores it)',
    )
    .requiredOption('-o, --out <file>', 'where to write')
    .option('--json', 'machine-readable summary')
    .action(async (options: { out: string; json?: boolean }) => {
      if (options.out.trim() === '') throw usageError(exporter, '--out needs a file name');
      const file = existingEventsFile(resolveDataDir(dataDirOption()));
      const { exportLog } = await import('./log-tools.js');
      const progress = new Progress('exporting');
      let summary;
      try {
        summary = exportLog(file, options.out, (n, total) => progress.update(n, total));
      } catch (error) {
        progress.done();
        throw new CliError(error instanceof Error ? error.message : String(error));
      }
      progress.done();
      if (options.json) process.stdout.write(`${jsonLine({ ...summary, out: options.out })}\n`);
      else
        process.stdout.write(
          `exported ${summary.events} events to ${options.out}; head ${summary.headHash} at position ${summary.headPosition}\n`,
        );
    });
}
