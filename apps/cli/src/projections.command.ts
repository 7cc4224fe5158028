import type { Command } from 'commander';
import { dataDirFiles, openStoreReadOnly, resolveDataDir } from './data-dir';
import { CliError, jsonLine, Progress, table } from './output';

async function openReadModels(dataDir: string) {
  const { ReadModelDatabase, readModelContributions } = await import('./read-model-tools.js');
  const contributions = readModelContributions();
  const db = await ReadModelDatabase.open(dataDirFiles(dataDir).readModels, contributions);
  return { db, projections: contributions.flatMap((c) => c.projections) };
}

export function registerProjectionCommands(
  program: Command,
  dataDirOption: () => string | undefined,
): void {
  const projections = program
    .command('projections')
    .description('read models built from the event log');

  projections
    .command('status')
    .description('position and lag of every read model')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const dataDir = resolveDataDir(dataDirOption());
      const store = await openStoreReadOnly(dataDir);
      const { db, projections: list } = await openReadModels(dataDir);
      try {
        const head = Number(await store.headPosition());
        const rows = await db.dataSource.query<
          { name: string; position: number; updated_at: string }[]
        >('SELECT name, position, updated_at FROM projection_checkpoints');
        const status = list.map((p) => {
          const r = rows.find((x) => x.name === p.name);
          const position = r?.position ?? 0;
          return {
            name: p.name,
            position,
            head,
            lag: head - position,
            updatedAt: r?.updated_at ?? null,
          };
        });
        if (options.json) {
          process.stdout.write(`${jsonLine({ head, projections: status })}\n`);
          return;
        }
        process.stdout.write(
          `${table(
            ['PROJECTION', 'POSITION', 'HEAD', 'LAG', 'UPDATED'],
            status.map((s) => [s.name, s.position, s.head, s.lag, s.updatedAt ?? 'never']),
          )}\n(in-memory projections such as the route table are rebuilt at every start; a running gateway shows them at /readyz)\n`,
        );
      } finally {
        await db.close();
        await store.close();
      }
    });

  projections
    .command('rebuild')
    .argument('[name]', 'one projection; all when omitted')
    .description(
      'empty a read model and replay the whole log into it (readers keep the old one until it is done)',
    )
    .option('--json', 'machine-readable summary')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      const dataDir = resolveDataDir(dataDirOption());
      const store = await openStoreReadOnly(dataDir);
      const { db, projections: list } = await openReadModels(dataDir);
      try {
        const chosen = name ? list.filter((p) => p.name === name) : list;
        if (chosen.length === 0)
          throw new CliError(
            `no projection named "${name}"; known: ${list.map((p) => p.name).join(', ')}`,
          );
        const { rebuildProjection } = await import('./read-model-tools.js');
        const results = [];
        for (const projection of chosen) {
          const progress = new Progress(`rebuilding ${projection.name}`);
          const started = performance.now();
          const { events, position } = await rebuildProjection(store, db, projection, (n, head) =>
            progress.update(n, Number(head)),
          );
          progress.done();
          const seconds = (performance.now() - started) / 1000;
          results.push({
            name: projection.name,
            events,
            position: Number(position),
            seconds,
            eventsPerSecond: Math.round(events / Math.max(seconds, 1e-6)),
          });
        }
        if (options.json) process.stdout.write(`${jsonLine(results)}\n`);
        else
          for (const r of results)
            process.stdout.write(
              `rebuilt ${r.name}: ${r.events} events in ${r.seconds.toFixed(2)} s (${r.eventsPerSecond} events/s), now at position ${r.position}\n`,
            );
      } finally {
        await db.close();
        await store.close();
      }
    });
}
