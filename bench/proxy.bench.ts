import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WsLoadResult } from './proxy-ws.child';
import {
  CLOCK_TICK_US,
  cpuShares,
  cpuTicks,
  cpuTimes,
  freePort,
  has,
  nginxConfig,
  pinned,
  startPinned,
  stop,
  waitForPort,
  type CpuShare,
} from './proxy-tools';
import { progress, runStandalone, type BenchOptions } from './support/cli';
import { median } from './support/median';
import { type BenchReport, type Figure } from './support/report';
import { withTempDir } from './support/temp-dir';

/**
 * `npm run bench:proxy`: the proxy under test pinned to CPU 0, everything else (upstreams, load
 * generators) pinned to CPU 1, every candidate measured in the same run.
 *
 * HTTP: one upstream (nginx answering 1 KB, else a tiny node server), wrk with 64 keep-alive
 * connections; direct to the upstream, two bare forwarding cores (the candidates of
 * docs/decisions/0005), this gateway without auth and with a device JWT on every request, the
 * same gateway on its fallback undici client with a JWT (docs/decisions/0019), and nginx and
 * Caddy configured equivalently when installed.
 *
 * WebSocket: a `ws` echo upstream and a load generator keeping 64 connections with a window of
 * messages in flight on each; direct, this gateway (device JWT on the upgrade), nginx, Caddy.
 *
 * `BENCH_PROXY_ONLY=gateway,nginx` limits the candidates (while working on one of them).
 * `BENCH_PROXY_ROUNDS=12 BENCH_PROXY_SECONDS=2` measures more, shorter interleaved rounds.
 * `BENCH_PROXY_NODE_FLAGS="--max-semi-space-size=32"` starts this build's gateway with those
 * node options (not the baseline's).
 */
const nodeFlags = () => process.env['BENCH_PROXY_NODE_FLAGS']?.split(/\s+/).filter(Boolean) ?? [];
const CONNECTIONS = 64;
const WS_WINDOW = 8;
const WS_PAYLOAD_BYTES = 64;
const BOOTSTRAP = 'bench-bootstrap-token-0123456789';
const TARGET_VS_CADDY = 1.6;

interface Run {
  /** Median of the rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the proxy process per request (user + system) over all rounds, when there is one. */
  cpuUsPerRequest: number | undefined;
  /** The proxy process's CPU time over the measured windows, as a fraction of one core. */
  proxyShare: number | undefined;
  cpus: CpuShare[];
  non2xx: number;
  /** req/s of each round, in order. */
  rounds: number[];
}

interface WsRun extends WsLoadResult {
  proxyShare: number | undefined;
  rounds: number[];
}

interface HttpCandidate {
  key: string;
  url: string;
  /** The proxy process, whose CPU time is measured; none for the direct run. */
  pid: number | undefined;
  headers?: string[];
}

interface WsCandidate {
  key: string;
  port: number;
  path: string;
  pid: number | undefined;
  headers?: Record<string, string>;
}

/** Measured windows per candidate, interleaved: round r measures every candidate once. */
function rounds(o: BenchOptions): { count: number; seconds: number; warmup: number } {
  const base = o.quick ? { count: 1, seconds: 3, warmup: 1 } : { count: 3, seconds: 4, warmup: 3 };
  // More, shorter rounds compare two close candidates better on a VM whose speed drifts.
  const count = Number(process.env['BENCH_PROXY_ROUNDS'] ?? base.count);
  const seconds = Number(process.env['BENCH_PROXY_SECONDS'] ?? base.seconds);
  return {
    ...base,
    count: Number.isInteger(count) && count > 0 ? count : base.count,
    seconds: Number.isInteger(seconds) && seconds > 0 ? seconds : base.seconds,
  };
}

function wrk(url: string, seconds: number, headers: string[] = []): Promise<string> {
  const args = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  for (const h of headers) args.push('-H', h);
  args.push(url);
  return new Promise((resolve, reject) =>
    execFile('taskset', pinned(1, args), (error, stdout) =>
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

function averageShares(all: CpuShare[][]): CpuShare[] {
  return all[0]!.map((_, cpu) => {
    const avg = (f: (s: CpuShare) => number) =>
      all.reduce((sum, shares) => sum + f(shares[cpu]!), 0) / all.length;
    return {
      busy: avg((s) => s.busy),
      irq: avg((s) => s.irq),
      idle: avg((s) => s.idle),
      steal: avg((s) => s.steal),
    };
  });
}

/** Candidate order in round r: rotated, so that no candidate always follows the same one. */
function rotated<T>(list: T[], r: number): T[] {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Every HTTP candidate warmed up, then measured once per round, interleaved. */
async function measureHttp(
  candidates: HttpCandidate[],
  o: BenchOptions,
): Promise<Map<string, Run>> {
  const plan = rounds(o);
  const windows = new Map<
    string,
    { parsed: ReturnType<typeof parseWrk>; ticks: number; cpus: CpuShare[] }[]
  >();
  for (const c of candidates) {
    await wrk(c.url, plan.warmup, c.headers);
    windows.set(c.key, []);
  }
  for (let r = 0; r < plan.count; r++)
    for (const c of rotated(candidates, r)) {
      const before = c.pid === undefined ? 0 : cpuTicks(c.pid);
      const cpusBefore = cpuTimes();
      const parsed = parseWrk(await wrk(c.url, plan.seconds, c.headers));
      const cpus = cpuShares(cpusBefore, cpuTimes());
      const ticks = c.pid === undefined ? 0 : cpuTicks(c.pid) - before;
      windows.get(c.key)!.push({ parsed, ticks, cpus });
      progress(`${c.key} round ${r + 1}: ${Math.round(parsed.rps)} req/s`);
    }
  const out = new Map<string, Run>();
  for (const c of candidates) {
    const w = windows.get(c.key)!;
    const requests = w.reduce((sum, x) => sum + x.parsed.requests, 0);
    const cpuUs = w.reduce((sum, x) => sum + x.ticks, 0) * CLOCK_TICK_US;
    out.set(c.key, {
      rps: median(w.map((x) => x.parsed.rps)),
      p50Ms: median(w.map((x) => x.parsed.p50Ms)),
      p99Ms: median(w.map((x) => x.parsed.p99Ms)),
      cpuUsPerRequest: c.pid === undefined ? undefined : cpuUs / requests,
      proxyShare: c.pid === undefined ? undefined : cpuUs / (w.length * plan.seconds * 1e6),
      cpus: averageShares(w.map((x) => x.cpus)),
      non2xx: w.reduce((sum, x) => sum + x.parsed.non2xx, 0),
      rounds: w.map((x) => x.parsed.rps),
    });
  }
  return out;
}

/** Runs the WebSocket load generator on CPU 1 against one candidate for one window. */
function wsLoad(c: WsCandidate, warmupSeconds: number, seconds: number): Promise<WsLoadResult> {
  const task = {
    role: 'load',
    port: c.port,
    path: c.path,
    headers: c.headers ?? {},
    connections: CONNECTIONS,
    window: WS_WINDOW,
    payloadBytes: WS_PAYLOAD_BYTES,
    warmupSeconds,
    seconds,
    pid: c.pid,
  };
  return new Promise((resolve, reject) =>
    execFile(
      'taskset',
      pinned(1, [process.execPath, join(__dirname, 'proxy-ws.child.js'), JSON.stringify(task)]),
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`the WebSocket load generator failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WsLoadResult);
      },
    ),
  );
}

/** Every WebSocket candidate measured once per round, interleaved (fresh connections each time). */
async function measureWs(candidates: WsCandidate[], o: BenchOptions): Promise<Map<string, WsRun>> {
  const plan = rounds(o);
  const windows = new Map<string, WsLoadResult[]>();
  for (const c of candidates) windows.set(c.key, []);
  for (let r = 0; r < plan.count; r++)
    for (const c of rotated(candidates, r)) {
      const result = await wsLoad(c, r === 0 ? plan.warmup : 1, plan.seconds);
      windows.get(c.key)!.push(result);
      progress(
        `${c.key} WebSocket round ${r + 1}: ${Math.round(result.messagesPerSecond)} messages/s`,
      );
    }
  const out = new Map<string, WsRun>();
  for (const c of candidates) {
    const w = windows.get(c.key)!;
    const messages = w.reduce((sum, x) => sum + x.messages, 0);
    const cpuUs =
      c.pid === undefined
        ? undefined
        : w.reduce((sum, x) => sum + (x.cpuUsPerMessage ?? 0) * x.messages, 0);
    out.set(c.key, {
      messages,
      messagesPerSecond: median(w.map((x) => x.messagesPerSecond)),
      p50Ms: median(w.map((x) => x.p50Ms)),
      p99Ms: median(w.map((x) => x.p99Ms)),
      cpuUsPerMessage: cpuUs === undefined ? undefined : cpuUs / messages,
      proxyShare: cpuUs === undefined ? undefined : cpuUs / (w.length * plan.seconds * 1e6),
      cpus: averageShares(w.map((x) => x.cpus)),
      rounds: w.map((x) => x.messagesPerSecond),
    });
  }
  return out;
}

const ONE_KB = 'x'.repeat(1024);

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
  const only = process.env['BENCH_PROXY_ONLY']?.split(',');
  const wanted = (candidate: string) => !only || only.includes(candidate);
  return withTempDir('proxy', async (dir) => {
    const children: ChildProcess[] = [];
    try {
      // The upstreams, on CPU 1 with the load generators.
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
        upstream = spawn('taskset', pinned(1, ['nginx', '-c', conf, '-p', dir]), {
          stdio: 'ignore',
        });
      } else {
        upstream = spawn(
          'taskset',
          pinned(1, [
            process.execPath,
            '-e',
            `require('http').createServer((q,r)=>r.end('${ONE_KB}')).listen(${upPort},'127.0.0.1')`,
          ]),
          { stdio: 'ignore' },
        );
        findings.push(
          'nginx is not installed: the upstream is a node server, which may limit every figure',
        );
      }
      children.push(upstream);
      await waitForPort(upPort);
      const echo = await startPinned(
        1,
        [process.execPath, join(__dirname, 'proxy-ws.child.js'), JSON.stringify({ role: 'echo' })],
        (out) => /^(\d+)\n/.exec(out)?.[1],
      );
      children.push(echo.child);
      const wsPort = Number(echo.value);
      const upstreamUrl = `http://127.0.0.1:${upPort}`;
      const wsUpstreamUrl = `http://127.0.0.1:${wsPort}`;
      // Every proxy is started first and stays up (idle when not measured), so that the
      // candidates can be measured interleaved: a burst of other work on the shared machine
      // then lands on one round of several candidates rather than on one candidate.
      const http: HttpCandidate[] = [];
      const ws: WsCandidate[] = [];
      if (wanted('direct')) {
        http.push({ key: 'direct', url: `${upstreamUrl}/`, pid: undefined });
        ws.push({ key: 'direct', port: wsPort, path: '/', pid: undefined });
      }

      for (const core of ['node-http', 'undici-dispatch', 'undici-raw', 'raw-parser'] as const) {
        // The hand-made client is an experiment (0018): measured only when named.
        if (!wanted(core) || (core === 'raw-parser' && !only?.includes(core))) continue;
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
        http.push({ key: core, url: `http://127.0.0.1:${value}/`, pid: child.pid });
      }

      // Public and device-token routes to the HTTP upstream, a device-token route to the
      // WebSocket one; trust off so the token is checked.
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
          `  - { id: ws, app_id: bench, path_base: /apps/ws/, to: "${wsUpstreamUrl}" }`,
          '',
        ].join('\n'),
      );
      const startGateway = async (
        prefix: string,
        script: string,
        options: { env?: Record<string, string>; jwtOnly?: boolean } = {},
      ) => {
        const gw = await startPinned(
          0,
          [
            process.execPath,
            ...(process.env['BENCH_PROXY_CPU_PROF']
              ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROXY_CPU_PROF']}`]
              : []),
            // Node or V8 options for this build's gateway only, e.g. "--max-semi-space-size=32"
            // measured against BENCH_PROXY_BASELINE=<this same dist>/bench/proxy-gateway.child.js.
            ...(prefix === 'gateway' ? nodeFlags() : []),
            script,
            JSON.stringify({ dataDir: join(dir, `${prefix}-data`), config, env: options.env }),
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
        const pid = gw.child.pid;
        if (!options.jwtOnly)
          http.push({ key: `${prefix}-open`, url: `${gatewayUrl}/apps/open/`, pid });
        http.push({
          key: `${prefix}-jwt`,
          url: `${gatewayUrl}/apps/jwt/`,
          pid,
          headers: [`Authorization: Bearer ${paired.accessToken}`],
        });
        if (options.jwtOnly) return;
        ws.push({
          key: `${prefix}-jwt`,
          port: Number(gw.value),
          path: '/apps/ws/',
          pid,
          headers: { Authorization: `Bearer ${paired.accessToken}` },
        });
      };
      if (wanted('gateway'))
        await startGateway('gateway', join(__dirname, 'proxy-gateway.child.js'));
      // The same build on its fallback upstream client (docs/decisions/0019).
      if (wanted('gateway-undici'))
        await startGateway('gateway-undici', join(__dirname, 'proxy-gateway.child.js'), {
          env: { NEKZUS_PROXY_UPSTREAM_CLIENT: 'undici' },
          jwtOnly: true,
        });
      // Another build of this gateway measured in the same run (before/after a change):
      // BENCH_PROXY_BASELINE=<other checkout>/dist/bench/proxy-gateway.child.js.
      const baseline = process.env['BENCH_PROXY_BASELINE'];
      if (baseline) await startGateway('baseline', baseline);

      if (!has('nginx')) findings.push('nginx is not installed: skipped');
      else if (wanted('nginx')) {
        const port = await freePort();
        const wsProxyPort = await freePort();
        const conf = join(dir, 'proxy-nginx.conf');
        mkdirSync(join(dir, 'px'), { recursive: true });
        writeFileSync(
          conf,
          nginxConfig(
            join(dir, 'px'),
            port,
            `upstream up { server 127.0.0.1:${upPort}; keepalive 128; }
  server { listen 127.0.0.1:PORT; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_buffering off; } }
  server { listen 127.0.0.1:${wsProxyPort}; location / { proxy_pass http://127.0.0.1:${wsPort}; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_read_timeout 1h; } }`,
          ),
        );
        const child = spawn('taskset', pinned(0, ['nginx', '-c', conf, '-p', dir]), {
          stdio: 'ignore',
        });
        children.push(child);
        await waitForPort(port);
        await waitForPort(wsProxyPort);
        http.push({ key: 'nginx', url: `http://127.0.0.1:${port}/`, pid: child.pid });
        ws.push({ key: 'nginx', port: wsProxyPort, path: '/', pid: child.pid });
      }

      if (!has('caddy')) findings.push('caddy is not installed: skipped');
      else if (wanted('caddy')) {
        const port = await freePort();
        const wsProxyPort = await freePort();
        const file = join(dir, 'Caddyfile');
        writeFileSync(
          file,
          `{\n  admin off\n  auto_https off\n}\nhttp://127.0.0.1:${port} {\n  reverse_proxy 127.0.0.1:${upPort}\n}\nhttp://127.0.0.1:${wsProxyPort} {\n  reverse_proxy 127.0.0.1:${wsPort}\n}\n`,
        );
        const child = spawn(
          'taskset',
          pinned(0, ['caddy', 'run', '--config', file, '--adapter', 'caddyfile']),
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
        await waitForPort(wsProxyPort);
        http.push({ key: 'caddy', url: `http://127.0.0.1:${port}/`, pid: child.pid });
        ws.push({ key: 'caddy', port: wsProxyPort, path: '/', pid: child.pid });
      }

      const results = await measureHttp(http, options);
      const wsResults = await measureWs(ws, options);
      return buildReport(options, results, wsResults, findings);
    } finally {
      for (const child of children) await stop(child);
    }
  });
}

const LABELS: Record<string, string> = {
  direct: 'direct to the upstream (no proxy)',
  'node-http': 'bare core: node:http + keep-alive Agent',
  'undici-dispatch': 'bare core: undici 7 Agent.dispatch, onResponseStart handler',
  'undici-raw': 'bare core: undici 7 Agent.dispatch, raw onHeaders handler',
  'raw-parser': 'bare core: plain sockets + Node llhttp binding (experiment)',
  'gateway-open': 'this gateway, public route (no auth)',
  'gateway-jwt': 'this gateway, device JWT on every request',
  'gateway-undici-jwt': 'this gateway on its undici client, device JWT',
  'baseline-open': 'baseline build of the gateway, public route',
  'baseline-jwt': 'baseline build of the gateway, device JWT',
  nginx: 'nginx 1 worker, upstream keepalive',
  caddy: 'Caddy reverse_proxy, GOMAXPROCS=1',
};

const WS_LABELS: Record<string, string> = {
  direct: 'direct to the echo upstream (no proxy)',
  'gateway-jwt': 'this gateway, device JWT on the upgrade',
  'baseline-jwt': 'baseline build of the gateway, device JWT',
  nginx: 'nginx 1 worker',
  caddy: 'Caddy reverse_proxy, GOMAXPROCS=1',
};

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function roundsDetail(values: number[]): string {
  return values.length > 1 ? `; rounds ${values.map((v) => Math.round(v)).join(' / ')}` : '';
}

/** Where the cores went: the proxy's share of CPU 0 next to everything that ran there. */
function cpuDetail(proxyShare: number | undefined, cpus: CpuShare[]): string {
  const [c0, c1] = cpus;
  if (!c0 || !c1) return '';
  const proxy = proxyShare === undefined ? '' : `proxy ${pct(proxyShare)}, `;
  return `; CPU 0 busy ${pct(c0.busy)} (${proxy}irq ${pct(c0.irq)}, steal ${pct(c0.steal)}), CPU 1 busy ${pct(c1.busy)} (steal ${pct(c1.steal)})`;
}

function buildReport(
  options: BenchOptions,
  results: Map<string, Run>,
  wsResults: Map<string, WsRun>,
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
      detail: `p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms${run.cpuUsPerRequest === undefined ? '' : `, ${run.cpuUsPerRequest.toFixed(1)} µs CPU per request`}${run.non2xx > 0 ? `, ${run.non2xx} non-2xx` : ''}${roundsDetail(run.rounds)}${cpuDetail(run.proxyShare, run.cpus)}`,
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
  const nginx = wsResults.get('nginx');
  const wsFigures: Figure[] = [];
  for (const [key, run] of wsResults) {
    const figure: Figure = {
      key: `proxy.ws.${key}.messagesPerSecond`,
      label: WS_LABELS[key] ?? key,
      value: run.messagesPerSecond,
      unit: 'messages/s',
      detail: `round trip p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms${run.cpuUsPerMessage === undefined ? '' : `, ${run.cpuUsPerMessage.toFixed(2)} µs CPU per message`}${roundsDetail(run.rounds)}${cpuDetail(run.proxyShare, run.cpus)}`,
    };
    if (nginx && key !== 'nginx' && key !== 'direct')
      figure.ratio = { value: run.messagesPerSecond / nginx.messagesPerSecond, to: 'nginx' };
    if (nginx && key === 'gateway-jwt')
      figure.target = {
        text: '≥ nginx',
        pass: run.messagesPerSecond >= nginx.messagesPerSecond,
      };
    wsFigures.push(figure);
  }
  const sections = [{ title: 'HTTP, 1 KB responses', figures }];
  if (wsFigures.length > 0)
    sections.push({
      title: `WebSocket, ${WS_PAYLOAD_BYTES}-byte binary messages echoed, ${CONNECTIONS} connections × ${WS_WINDOW} in flight`,
      figures: wsFigures,
    });
  return {
    name: 'proxy',
    title: 'Proxy data plane: HTTP and WebSocket through each proxy (bench/proxy.bench.ts)',
    quick: options.quick,
    method: [
      `HTTP: wrk -t1 -c${CONNECTIONS} (keep-alive) on CPU 1 with the upstream (nginx returning 1 KB, 1 worker); the proxy under test alone on CPU 0 (taskset)`,
      `WebSocket: a ws echo upstream and a load generator (raw frames, ${CONNECTIONS} connections, ${WS_WINDOW} messages in flight on each) on CPU 1; the proxy alone on CPU 0`,
      `every proxy started first and kept up; ${((r) => `${r.warmup} s warm-up each, then ${r.count} round${r.count > 1 ? 's' : ''} of ${r.seconds} s`)(rounds(options))} per candidate, interleaved (each round measures every candidate once, in a rotated order); req/s, messages/s and latencies are the median round; CPU µs per request or message from /proc/<pid>/stat (user + system) over all measured windows; CPU busy, irq and steal per core from /proc/stat over the same windows`,
      `ratios are against Caddy (HTTP) and nginx (WebSocket) measured in the same run; figures move 10-20 % between runs on this shared 2-core VM${process.env['BENCH_PROXY_NICE'] ? `; every benchmark process ran at nice ${process.env['BENCH_PROXY_NICE']} (BENCH_PROXY_NICE)` : ''}${nodeFlags().length > 0 ? `; this build's gateway ran with node ${nodeFlags().join(' ')} (BENCH_PROXY_NODE_FLAGS)` : ''}`,
    ],
    sections,
    findings,
  };
}

if (require.main === module) runStandalone(runProxyBench);
