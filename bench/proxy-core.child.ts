import { Agent as HttpAgent, createServer, request } from 'node:http';
import { Agent } from 'undici';
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
  core: 'node-http' | 'undici-dispatch' | 'undici-raw';
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

const server =
  task.core === 'undici-raw'
    ? (() => {
        const agent = new Agent({ pipelining: 1 });
        return createServer((req, res) => {
          let resume: (() => void) | undefined;
          const onDrain = () => resume?.();
          agent.dispatch(
            {
              origin: target.origin,
              path: req.url ?? '/',
              method: req.method ?? 'GET',
              headers: headersOf(req.rawHeaders),
              body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
            },
            {
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
            },
          );
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
            agent.dispatch(
              {
                origin: target.origin,
                path: req.url ?? '/',
                method: req.method ?? 'GET',
                headers: headersOf(req.rawHeaders),
                body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
              },
              {
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
              },
            );
          });
        })();

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${address.port}\n`);
});
