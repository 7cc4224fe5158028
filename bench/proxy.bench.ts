import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress, runStandalone, type BenchOptions } from './support/cli';
import { type BenchReport, type Figure } from './support/report';
import { withTempDir } from './support/temp-dir';

/**
 * `npm run bench:proxy`: one upstream (nginx answering 1 KB, else a tiny node server), one
 * load generator (wrk, keep-alive, 64 connections), the proxy under test pinned to CPU 0 and
 * everything else to CPU 1. Measured in the same run: direct to the upstream, two bare
 * forwarding cores (the candidates of docs/decisions/0005), this gateway without auth and with
 * a device JWT on every request, and nginx and Caddy configured equivalently when installed.
 */
const CONNECTIONS = 64;
const BOOTSTRAP = 'bench-bootstrap-token-0123456789';
const TARGET_VS_CADDY = 1.6;

interface Run {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the proxy process per request (user + system), when there is one. */
  cpuUsPerRequest: number | undefined;
  non2xx: number;
}

function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

const CLOCK_TICK_US =
  1e6 / Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function wrk(url: string, seconds: number, headers: string[] = []): Promise<string> {
  const args = ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  for (const h of headers) args.push('-H', h);
  args.push(url);
  return new Promise((resolve, reject) =>
    execFile('taskset', args, (error, stdout) =>
      error ? reject(new Error(error.message)) : resolve(stdout),
    ),
  );
}

function parseWrk(out: string): {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
} {
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function measure(
  url: string,
  pid: number | undefined,
  o: BenchOptions,
  headers: string[] = [],
): Promise<Run> {
  await wrk(url, o.quick ? 1 : 3, headers);
  const before = pid === undefined ? 0 : cpuTicks(pid);
  const parsed = parseWrk(await wrk(url, o.quick ? 3 : 10, headers));
  const after = pid === undefined ? 0 : cpuTicks(pid);
  return {
    rps: parsed.rps,
    p50Ms: parsed.p50Ms,
    p99Ms: parsed.p99Ms,
    cpuUsPerRequest:
      pid === undefined ? undefined : ((after - before) * CLOCK_TICK_US) / parsed.requests,
    non2xx: parsed.non2xx,
  };
}

/** Starts `command` pinned to `cpu`; resolves once `ready` finds what it waits for in its output. */
function startPinned(
  cpu: number,
  command: string[],
  ready: (out: string) => string | undefined,
): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn('taskset', ['-c', String(cpu), ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
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

async function stop(child: ChildProcess): Promise<void> {
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

/** Waits until something answers on the port (servers that print nothing when ready). */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

function nginxConfig(dir: string, port: number, body: string): string {
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
  ${body.replace('PORT', String(port))}
}
`;
}

const ONE_KB = 'x'.repeat(1024);

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function runProxyBench(options: BenchOptions): Promise<BenchReport> {
  const findings: string[] = [];
  if (!has('wrk') || !has('taskset'))
    return {
      name: 'proxy',
      title: 'Proxy data plane (bench/proxy.bench.ts)',
      quick: options.quick,
      method: ['skipped: wrk and taskset are needed (apt-get install wrk util-linux)'],
      sections: [],
      findings: [],
    };
  return withTempDir('proxy', async (dir) => {
    const children: ChildProcess[] = [];
    try {
      // The upstream, on CPU 1 with wrk.
      const upPort = await freePort();
      let upstream: ChildProcess;
      if (has('nginx')) {
        const conf = join(dir, 'upstream.conf');
        mkdirSync(join(dir, 'up'), { recursive: true });
        writeFileSync(
          conf,
          nginxConfig(
            join(dir, 'up'),
            upPort,
            `server { listen 127.0.0.1:PORT; location / { default_type text/plain; return 200 "${ONE_KB}"; } }`,
          ),
        );
        upstream = spawn('taskset', ['-c', '1', 'nginx', '-c', conf, '-p', dir], {
          stdio: 'ignore',
        });
      } else {
        upstream = spawn(
          'taskset',
          [
            '-c',
            '1',
            process.execPath,
            '-e',
            `require('http').createServer((q,r)=>r.end('${ONE_KB}')).listen(${upPort},'127.0.0.1')`,
          ],
          { stdio: 'ignore' },
        );
        findings.push(
          'nginx is not installed: the upstream is a node server, which may limit every figure',
        );
      }
      children.push(upstream);
      await waitForPort(upPort);
      const upstreamUrl = `http://127.0.0.1:${upPort}`;
      const results = new Map<string, Run>();
      const record = (key: string, run: Run) => {
        results.set(key, run);
        progress(`${key}: ${Math.round(run.rps)} req/s`);
      };

      record('direct', await measure(`${upstreamUrl}/`, undefined, options));

      for (const core of ['node-http', 'undici-dispatch'] as const) {
        const { child, value } = await startPinned(
          0,
          [
            process.execPath,
            join(__dirname, 'proxy-core.child.js'),
            JSON.stringify({ core, upstream: upstreamUrl }),
          ],
          (out) => /^(\d+)\n/.exec(out)?.[1],
        );
        children.push(child);
        record(core, await measure(`http://127.0.0.1:${value}/`, child.pid, options));
        await stop(child);
      }

      // The gateway: one public route, one that needs a device token; trust off so the token is checked.
      const config = join(dir, 'nekzus.yaml');
      writeFileSync(
        config,
        [
          'auth:',
          '  local_network_trust: "off"',
          'bootstrap:',
          `  tokens: ["${BOOTSTRAP}"]`,
          'apps:',
          '  - { id: bench, name: Bench }',
          'routes:',
          `  - { id: open, app_id: bench, path_base: /apps/open/, to: "${upstreamUrl}", public_access: true }`,
          `  - { id: jwt, app_id: bench, path_base: /apps/jwt/, to: "${upstreamUrl}" }`,
          '',
        ].join('\n'),
      );
      const gw = await startPinned(
        0,
        [
          process.execPath,
          join(__dirname, 'proxy-gateway.child.js'),
          JSON.stringify({ dataDir: join(dir, 'data'), config }),
        ],
        (out) => /^(\d+)\n/m.exec(out)?.[1],
      );
      children.push(gw.child);
      const gatewayUrl = `http://127.0.0.1:${gw.value}`;
      const paired = (await (
        await fetch(`${gatewayUrl}/api/v1/auth/pair`, {
          method: 'POST',
          headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
          body: JSON.stringify({ device: { id: 'bench-phone', platform: 'ios' } }),
        })
      ).json()) as { accessToken?: string };
      if (!paired.accessToken)
        throw new Error(`pairing the bench device failed: ${JSON.stringify(paired)}`);
      record('gateway-open', await measure(`${gatewayUrl}/apps/open/`, gw.child.pid, options));
      record(
        'gateway-jwt',
        await measure(`${gatewayUrl}/apps/jwt/`, gw.child.pid, options, [
          `Authorization: Bearer ${paired.accessToken}`,
        ]),
      );
      await stop(gw.child);

      if (has('nginx')) {
        const port = await freePort();
        const conf = join(dir, 'proxy-nginx.conf');
        mkdirSync(join(dir, 'px'), { recursive: true });
        writeFileSync(
          conf,
          nginxConfig(
            join(dir, 'px'),
            port,
            `upstream up { server 127.0.0.1:${upPort}; keepalive 128; }
  server { listen 127.0.0.1:PORT; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_buffering off; } }`,
          ),
        );
        const child = spawn('taskset', ['-c', '0', 'nginx', '-c', conf, '-p', dir], {
          stdio: 'ignore',
        });
        children.push(child);
        await waitForPort(port);
        record('nginx', await measure(`http://127.0.0.1:${port}/`, child.pid, options));
        await stop(child);
      } else findings.push('nginx is not installed: skipped');

      if (has('caddy')) {
        const port = await freePort();
        const file = join(dir, 'Caddyfile');
        writeFileSync(
          file,
          `{\n  admin off\n  auto_https off\n}\nhttp://127.0.0.1:${port} {\n  reverse_proxy 127.0.0.1:${upPort}\n}\n`,
        );
        const child = spawn(
          'taskset',
          ['-c', '0', 'caddy', 'run', '--config', file, '--adapter', 'caddyfile'],
          {
            stdio: 'ignore',
            env: {
              ...process.env,
              GOMAXPROCS: '1',
              HOME: dir,
              XDG_DATA_HOME: dir,
              XDG_CONFIG_HOME: dir,
            },
          },
        );
        children.push(child);
        await waitForPort(port);
        record('caddy', await measure(`http://127.0.0.1:${port}/`, child.pid, options));
        await stop(child);
      } else findings.push('caddy is not installed: skipped');

      return buildReport(options, results, findings);
    } finally {
      for (const child of children) await stop(child);
    }
  });
}

const LABELS: Record<string, string> = {
  direct: 'direct to the upstream (no proxy)',
  'node-http': 'bare core: node:http + keep-alive Agent',
  'undici-dispatch': 'bare core: undici 7 Agent.dispatch',
  'gateway-open': 'this gateway, public route (no auth)',
  'gateway-jwt': 'this gateway, device JWT on every request',
  nginx: 'nginx 1 worker, upstream keepalive',
  caddy: 'Caddy reverse_proxy, GOMAXPROCS=1',
};

function buildReport(
  options: BenchOptions,
  results: Map<string, Run>,
  findings: string[],
): BenchReport {
  const caddy = results.get('caddy');
  const figures: Figure[] = [];
  for (const [key, run] of results) {
    const figure: Figure = {
      key: `proxy.${key}.rps`,
      label: LABELS[key] ?? key,
      value: run.rps,
      unit: 'req/s',
      detail: `p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms${run.cpuUsPerRequest === undefined ? '' : `, ${run.cpuUsPerRequest.toFixed(1)} µs CPU per request`}${run.non2xx > 0 ? `, ${run.non2xx} non-2xx` : ''}`,
    };
    if (caddy && key !== 'caddy' && key !== 'direct')
      figure.ratio = { value: run.rps / caddy.rps, to: 'Caddy' };
    if (caddy && key === 'gateway-jwt')
      figure.target = {
        text: `≥ ${TARGET_VS_CADDY}x Caddy, p99 ≤ Caddy's`,
        pass: run.rps >= TARGET_VS_CADDY * caddy.rps && run.p99Ms <= caddy.p99Ms,
      };
    figures.push(figure);
    if (run.non2xx > 0)
      findings.push(
        `${LABELS[key] ?? key}: ${run.non2xx} responses were not 2xx; its figure is not comparable`,
      );
  }
  return {
    name: 'proxy',
    title: 'Proxy data plane: 1 KB responses through each proxy (bench/proxy.bench.ts)',
    quick: options.quick,
    method: [
      `wrk -t1 -c${CONNECTIONS} (keep-alive) on CPU 1 with the upstream (nginx returning 1 KB, 1 worker); the proxy under test alone on CPU 0 (taskset)`,
      `${options.quick ? '1 s warm-up, 3 s' : '3 s warm-up, 10 s'} measured per proxy, one after the other; CPU µs per request from /proc/<pid>/stat (user + system) over the measured window`,
      'ratios are against Caddy measured in the same run; figures move 10-20 % between runs on this shared 2-core VM',
    ],
    sections: [{ title: 'HTTP, 1 KB responses', figures }],
    findings,
  };
}

if (require.main === module) runStandalone(runProxyBench);
