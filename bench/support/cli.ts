import { formatReport, reportJson, type BenchReport } from './report';

export interface BenchOptions {
  /** Smaller sizes and shorter windows, for a fast look rather than figures to quote. */
  quick: boolean;
  /** Print the figures as one JSON document instead of the text report. */
  json: boolean;
}

const USAGE = 'usage: node dist/bench/run.js [--quick] [--json]';

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { quick: false, json: false };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"; ${USAGE}`);
  }
  return options;
}

/** Progress goes to stderr so that `--json` output on stdout stays parseable. */
export function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

/**
 * `node dist/bench/<name>.bench.js [--quick] [--json]`: one benchmark on its own, printed as
 * `npm run bench` prints it; a failure exits 1 with the stack.
 */
export function runStandalone(run: (options: BenchOptions) => Promise<BenchReport>): void {
  void (async () => {
    const options = parseBenchArgs(process.argv.slice(2));
    const report = await run(options);
    process.stdout.write(
      options.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : formatReport(report),
    );
  })().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
