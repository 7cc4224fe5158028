import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a compiled bench child (`dist/bench/<script>.js`) in its own process, so its peak RSS
 * is its own and not the parent's, and returns the JSON it prints as its last stdout line.
 */
export function runChild<T>(script: string, task: unknown): Promise<T> {
  const file = join(__dirname, '..', `${script}.js`);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [file, JSON.stringify(task)],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${script} printed no JSON result:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** Peak resident set size of this process so far, in MB (the kernel's high-water mark). */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function rssMB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

/** Child side: the task passed by `runChild`. */
export function childTask<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('a bench child needs its task as a JSON argument');
  return JSON.parse(raw) as T;
}

export function childResult(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Child side: runs `work` under an event-loop delay monitor, prints what `finish` makes of
 * its result, the peak RSS and the longest block, and exits non-zero on failure.
 */
export function runMeasuredChild<T, W, R>(
  work: (task: T) => Promise<W> | W,
  finish: (task: T, result: W, measured: { peakRssMB: number; longestBlockMs: number }) => R,
): void {
  const main = async () => {
    const task = childTask<T>();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    // The histogram's first tick only sets its reference point: let it happen before the work.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await work(task);
    // Work that never yields to the event loop is only seen by the next timer tick.
    await new Promise((resolve) => setTimeout(resolve, 5));
    delay.disable();
    childResult(finish(task, result, { peakRssMB: peakRssMB(), longestBlockMs: delay.max / 1e6 }));
  };
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
