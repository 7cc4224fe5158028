import {
  Agent as HttpAgent,
  createServer,
  request,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { llhttpBinding } from '../apps/gateway/src/data-plane/llhttp-client';
import { childTask } from './support/child';

/**
 * A bare forwarding core, no routing or auth: what each candidate costs on its own
 * (docs/decisions/0005, 0011). `node-http`: node:http with a keep-alive Agent and pipe();
 * `undici-dispatch`: undici 7 Agent.dispatch with a streaming handler of the current API
 * (`onResponseStart`…: undici parses the response headers into an object);
 * `undici-raw`: the same dispatch with a handler of the older hooks (`onHeaders`…), which get
 * the raw header list and pass it on as a flat array (what the data plane uses). Prints its
 * port, then serves until killed.
 */
interface CoreTask {
  core: 'node-http' | 'undici-dispatch' | 'undici-raw' | 'raw-parser';
  upstream: string;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const task = childTask<CoreTask>();
const target = new URL(task.upstream);

function headersOf(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if (!HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

/** Raw header buffers to a flat `[name, value, …]` list without the hop-by-hop ones. */
function rawHeadersOf(raw: Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    if (!HOP.has(name.toLowerCase())) out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return out;
}

/** What both undici cores ask of the upstream for a request. */
function dispatchOptions(req: IncomingMessage): Dispatcher.DispatchOptions {
  return {
    origin: target.origin,
    path: req.url ?? '/',
    method: req.method ?? 'GET',
    headers: headersOf(req.rawHeaders),
    body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
  };
}

const server =
  task.core === 'raw-parser'
    ? rawParserCore()
    : task.core === 'undici-raw'
      ? (() => {
          const agent = new Agent({ pipelining: 1 });
          return createServer((req, res) => {
            let resume: (() => void) | undefined;
            const onDrain = () => resume?.();
            agent.dispatch(dispatchOptions(req), {
              onConnect() {},
              onHeaders(status: number, headers: Buffer[], go: () => void) {
                resume = go;
                res.writeHead(status, rawHeadersOf(headers));
                return true;
              },
              onData(chunk: Buffer) {
                if (res.write(chunk)) return true;
                res.once('drain', onDrain);
                return false;
              },
              onComplete() {
                res.end();
              },
              onError() {
                if (res.headersSent) res.destroy();
                else {
                  res.statusCode = 502;
                  res.end();
                }
              },
            });
          });
        })()
      : task.core === 'node-http'
        ? (() => {
            const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
            return createServer((req, res) => {
              const up = request(
                {
                  hostname: target.hostname,
                  port: target.port,
                  agent,
                  method: req.method,
                  path: req.url,
                  headers: headersOf(req.rawHeaders) as unknown as Record<string, string>,
                },
                (answer) => {
                  res.writeHead(answer.statusCode ?? 502, headersOf(answer.rawHeaders));
                  answer.pipe(res);
                },
              );
              up.on('error', () => {
                res.statusCode = 502;
                res.end();
              });
              req.pipe(up);
            });
          })()
        : (() => {
            const agent = new Agent({ pipelining: 1 });
            return createServer((req, res) => {
              agent.dispatch(dispatchOptions(req), {
                // undici treats a handler without onRequestStart as one of the old API.
                onRequestStart() {},
                onResponseStart(_c, status, headers) {
                  const out: Record<string, string | string[]> = {};
                  for (const name in headers)
                    if (!HOP.has(name) && headers[name] !== undefined) out[name] = headers[name];
                  res.writeHead(status, out);
                },
                onResponseData(c, chunk) {
                  if (!res.write(chunk)) {
                    c.pause();
                    res.once('drain', () => c.resume());
                  }
                },
                onResponseEnd() {
                  res.end();
                },
                onResponseError() {
                  if (res.headersSent) res.destroy();
                  else {
                    res.statusCode = 502;
                    res.end();
                  }
                },
              });
            });
          })();

/**
 * An experiment, not a data plane (docs/decisions/0018): node:http in front, and behind it a
 * pool of plain sockets to the upstream, each answer parsed by Node's own llhttp binding (what
 * node:http uses, reached as the data plane's llhttp client reaches it), no client library. GET
 * and HEAD without a body only, and no error handling beyond a 502: enough to see what a
 * hand-made client could save against undici.
 */
function rawParserCore() {
  type Exchange = { res: ServerResponse; head: boolean };
  // The parser node:http uses, reached as the data plane's client reaches it.
  const HTTPParser =
    llhttpBinding ??
    ((): never => {
      throw new Error("this Node release does not expose node:http's parser");
    })();
  const idle: {
    socket: Socket;
    parser: InstanceType<typeof HTTPParser>;
    current: { x?: Exchange };
  }[] = [];
  const port = Number(target.port);
  const host = target.host;
  function connection() {
    const socket = connect(port, target.hostname);
    socket.setNoDelay(true);
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    const current: { x?: Exchange } = {};
    const conn = { socket, parser, current };
    let reuse = true;
    parser[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[],
      _method: unknown,
      _url: unknown,
      status: number,
      _message: unknown,
      _upgrade: unknown,
      keepAlive: boolean,
    ) => {
      reuse = keepAlive;
      current.x!.res.writeHead(status, headersOf(headers));
      return current.x!.head ? 1 : 0;
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => void current.x!.res.write(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => {
      const x = current.x!;
      current.x = undefined;
      x.res.end();
      // An upstream that says it closes (nginx after its keepalive_requests) is not reused.
      if (reuse) idle.push(conn);
      else socket.end();
    };
    socket.on('data', (data: Buffer) => {
      const result = parser.execute(data);
      if (result instanceof Error) socket.destroy(result);
    });
    socket.on('close', () => {
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      socket.emit('error', new Error('closed'));
    });
    socket.on('error', () => {
      const x = current.x;
      current.x = undefined;
      if (x && !x.res.headersSent) {
        x.res.statusCode = 502;
        x.res.end();
      } else x?.res.destroy();
    });
    return conn;
  }
  return createServer((req, res) => {
    const conn = idle.pop() ?? connection();
    conn.current.x = { res, head: req.method === 'HEAD' };
    let head = `${req.method} ${req.url} HTTP/1.1\r\nhost: ${host}\r\n`;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (name !== 'host' && !HOP.has(name)) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    conn.socket.write(`${head}\r\n`, 'latin1');
  });
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${address.port}\n`);
});
