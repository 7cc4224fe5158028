import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { childResult, childTask } from './support/child';
import { CLOCK_TICK_US, cpuShares, cpuTicks, cpuTimes, type CpuShare } from './proxy-tools';

/**
 * The WebSocket half of `npm run bench:proxy`, two roles:
 * - `echo`: the upstream, a `ws` server that sends every message back; prints its port.
 * - `load`: the load generator. Opens `connections` WebSockets through the proxy under test
 *   (raw sockets: a real upgrade handshake, then pre-built masked frames, so that the
 *   generator spends as little of its core as it can), keeps `window` messages in flight on
 *   each, and counts echoes per second and their round trips. Reads the proxy's CPU time over
 *   the measured window itself and prints one JSON result.
 */
type Task =
  | { role: 'echo' }
  | {
      role: 'load';
      port: number;
      path: string;
      headers: Record<string, string>;
      connections: number;
      window: number;
      payloadBytes: number;
      warmupSeconds: number;
      seconds: number;
      /** The proxy process whose CPU time is measured; none for the direct run. */
      pid: number | undefined;
    };

export interface WsLoadResult {
  messages: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerMessage: number | undefined;
  cpus: CpuShare[];
}

/** Round trips in 10 µs buckets up to 1 s, the last bucket for anything longer. */
const BUCKET_US = 10;
const BUCKETS = 100_000;

const task = childTask<Task>();
if (task.role === 'echo') {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
  server.on('listening', () => {
    process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  });
} else {
  void runLoad(task).then(childResult, (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}

async function runLoad(t: Extract<Task, { role: 'load' }>): Promise<WsLoadResult> {
  if (t.payloadBytes >= 126) throw new Error('the load generator builds frames up to 125 bytes');
  // A binary frame, FIN, masked with a zero key (the payload is sent as it is).
  const frame = Buffer.alloc(6 + t.payloadBytes, 0x61);
  frame[0] = 0x82;
  frame[1] = 0x80 | t.payloadBytes;
  frame.writeUInt32BE(0, 2);
  const burst = Buffer.concat(Array.from({ length: t.window }, () => frame));
  /** What the upstream sends back per message: an unmasked 2-byte header and the payload. */
  const echoBytes = 2 + t.payloadBytes;
  const histogram = new Uint32Array(BUCKETS + 1);
  let counting = false;
  let stopped = false;
  let messages = 0;

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect(t.port, '127.0.0.1');
      socket.setNoDelay(true);
      let head = Buffer.alloc(0);
      const lines = [
        `GET ${t.path} HTTP/1.1`,
        `Host: 127.0.0.1:${t.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(t.headers).map(([k, v]) => `${k}: ${v}`),
      ];
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString('latin1');
        if (!status.startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`the upgrade was refused: ${status.split('\r\n')[0]}`));
          return;
        }
        if (head.length > end + 4) {
          socket.destroy();
          reject(new Error('the proxy sent frames before any message'));
          return;
        }
        resolve(socket);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });

  const sockets = await Promise.all(Array.from({ length: t.connections }, open));
  for (const socket of sockets) {
    const sent = new Float64Array(t.window);
    let head = 0;
    let pending = 0;
    let firstChecked = false;
    socket.on('error', (error) => {
      process.stderr.write(`load: ${error.message}\n`);
      process.exit(1);
    });
    socket.on('close', () => {
      if (!stopped) {
        process.stderr.write('load: the proxy closed a connection during the run\n');
        process.exit(1);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (!firstChecked) {
        firstChecked = true;
        if (chunk[0] !== 0x82 || chunk[1] !== t.payloadBytes) {
          process.stderr.write(
            `load: unexpected frame header ${chunk.subarray(0, 2).toString('hex')}\n`,
          );
          process.exit(1);
        }
      }
      pending += chunk.length;
      let done = 0;
      const now = performance.now();
      while (pending >= echoBytes) {
        pending -= echoBytes;
        done++;
        if (counting) {
          const us = (now - sent[head]!) * 1000;
          histogram[Math.min(BUCKETS, Math.floor(us / BUCKET_US))]!++;
        }
        head = (head + 1) % t.window;
      }
      if (done === 0 || stopped) return;
      if (counting) messages += done;
      // As many new messages as came back, stamped now, in one write.
      for (let i = 0; i < done; i++) sent[(head + t.window - done + i) % t.window] = now;
      socket.write(done === t.window ? burst : burst.subarray(0, done * frame.length));
    });
    const now = performance.now();
    sent.fill(now);
    socket.write(burst);
  }

  await sleep(t.warmupSeconds * 1000);
  counting = true;
  const cpuBefore = cpuTimes();
  const ticksBefore = t.pid === undefined ? 0 : cpuTicks(t.pid);
  const started = performance.now();
  await sleep(t.seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  const ticksAfter = t.pid === undefined ? 0 : cpuTicks(t.pid);
  const cpus = cpuShares(cpuBefore, cpuTimes());
  stopped = true;
  for (const socket of sockets) socket.destroy();

  return {
    messages,
    messagesPerSecond: messages / elapsed,
    p50Ms: quantile(histogram, 0.5),
    p99Ms: quantile(histogram, 0.99),
    cpuUsPerMessage:
      t.pid === undefined ? undefined : ((ticksAfter - ticksBefore) * CLOCK_TICK_US) / messages,
    cpus,
  };
}

function quantile(histogram: Uint32Array, q: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= q * total) return ((i + 1) * BUCKET_US) / 1000;
  }
  return Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
