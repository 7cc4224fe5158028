import { runAccessBench } from './access.bench';
import { runAuditBench } from './audit.bench';
import { runDriversBench } from './drivers.bench';
import { runEventsBench } from './events.bench';
import { runProxyBench } from './proxy.bench';
import { parseBenchArgs, progress, type BenchOptions } from './support/cli';
import { formatReport, reportJson, type BenchReport } from './support/report';

/**
 * `npm run bench [-- --quick] [-- --json]`: every benchmark, one after the other (they measure
 * the same disk and cores, so they never run concurrently).
 */
const BENCHMARKS: { name: string; run: (options: BenchOptions) => Promise<BenchReport> }[] = [
  { name: 'events', run: runEventsBench },
  { name: 'drivers', run: runDriversBench },
  { name: 'proxy', run: runProxyBench },
  { name: 'access', run: runAccessBench },
  { name: 'audit', run: runAuditBench },
];

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const started = performance.now();
  const reports: BenchReport[] = [];
  for (const benchmark of BENCHMARKS) {
    progress(`benchmark ${benchmark.name}`);
    const report = await benchmark.run(options);
    reports.push(report);
    if (!options.json) process.stdout.write(`${formatReport(report)}\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ seconds, benchmarks: reports.map(reportJson) }, null, 2)}\n`,
    );
  else process.stdout.write(`All benchmarks done in ${seconds.toFixed(0)} s.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
