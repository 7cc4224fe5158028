import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Process and CPU plumbing shared by `bench/proxy.bench.ts` and its children: pinning, CPU
 * accounting from /proc, nginx configuration, ports.
 */

export function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

export const CLOCK_TICK_US =
  1e6 / Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

/** User + system CPU time of a process so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** One CPU's time from /proc/stat, in clock ticks. */
export interface CpuTimes {
  user: number;
  system: number;
  /** irq + softirq: packet delivery on loopback is mostly softirq. */
  irq: number;
  idle: number;
  /** Time the hypervisor ran something else while this vCPU wanted to run. */
  steal: number;
}

export function cpuTimes(): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out[Number(m[1])] = {
      user: f[0]! + f[1]!,
      system: f[2]!,
      idle: f[3]! + f[4]!,
      irq: f[5]! + f[6]!,
      steal: f[7]!,
    };
  }
  return out;
}

/** How one CPU spent a measured window, as fractions of it. */
export interface CpuShare {
  /** user + system + irq: everything that ran on it. */
  busy: number;
  irq: number;
  idle: number;
  steal: number;
}

export function cpuShares(before: CpuTimes[], after: CpuTimes[]): CpuShare[] {
  return after.map((a, i) => {
    const b = before[i]!;
    const d = {
      user: a.user - b.user,
      system: a.system - b.system,
      irq: a.irq - b.irq,
      idle: a.idle - b.idle,
      steal: a.steal - b.steal,
    };
    const total = d.user + d.system + d.irq + d.idle + d.steal || 1;
    return {
      busy: (d.user + d.system + d.irq) / total,
      irq: d.irq / total,
      idle: d.idle / total,
      steal: d.steal / total,
    };
  });
}

/**
 * `taskset` arguments that run `command` on `cpu` only. With `BENCH_PROXY_NICE` (e.g. -10,
 * as root) every process of the benchmark (proxies, upstreams, load generators alike) runs at
 * that priority, so that other work on a shared machine disturbs the measurement less.
 */
export function pinned(cpu: number, command: string[]): string[] {
  const nice = process.env['BENCH_PROXY_NICE'];
  return ['-c', String(cpu), ...(nice ? ['nice', '-n', nice] : []), ...command];
}

/** Starts `command` pinned to `cpu`; resolves once `ready` finds what it waits for in its output. */
export function startPinned(
  cpu: number,
  command: string[],
  ready: (out: string) => string | undefined,
  env?: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn('taskset', pinned(cpu, command), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env } : {}),
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const early = (code: number | null) => {
      if (!settled) reject(new Error(`${command[0]} exited (${code}): ${out}`));
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      const value = ready(out);
      if (value !== undefined && !settled) {
        settled = true;
        child.off('exit', early);
        resolve({ child, value });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', early);
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Waits until something accepts TCP connections on the port (servers that print nothing when ready). */
export async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A foreground, single-worker nginx configuration whose temp files stay in `dir`. */
export function nginxConfig(dir: string, port: number, body: string): string {
  for (const d of ['cbt', 'pt', 'ft', 'ut', 'st']) mkdirSync(join(dir, d), { recursive: true });
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/cbt; proxy_temp_path ${dir}/pt; fastcgi_temp_path ${dir}/ft;
  uwsgi_temp_path ${dir}/ut; scgi_temp_path ${dir}/st;
  ${body.replaceAll('PORT', String(port))}
}
`;
}
