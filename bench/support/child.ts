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
