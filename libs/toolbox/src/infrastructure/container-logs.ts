import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { WsSession } from '#libs/live';

/** `container.logs.subscribe` as Nekzus's contract A §6.5 describes it. */
interface Subscribe {
  containerId?: unknown;
  tail?: unknown;
  follow?: unknown;
  timestamps?: unknown;
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** Streams one WebSocket may follow at once. */
const MAX_STREAMS = 8;

function mayControl(session: WsSession): boolean {
  const p = session.principal;
  if (p.kind === 'admin' || p.kind === 'local') return true;
  return (p.kind === 'device' || p.kind === 'apikey') && p.scopes.includes('access:admin');
}

/** Splits a byte stream into lines, keeping a partial line until its end arrives. */
function lines(stream: Readable, each: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) each(part.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (rest) each(rest);
    rest = '';
  });
}

/**
 * Container logs over the event WebSocket: `container.logs.subscribe` starts a stream
 * (`container.logs.started`, then one `container.logs` message per line, on stdout or
 * stderr), `container.logs.unsubscribe` ends it (`container.logs.ended`, reason `stopped`);
 * a container that stops ends it with `container_stopped`, an engine error with `error`.
 * Administrators only; every stream ends with its connection.
 */
export class ContainerLogStreams {
  private readonly bySession = new Map<WsSession, Map<string, Readable>>();

  /** The engine client the container controls use too (`DockerContainerRuntime.engine`). */
  constructor(private readonly engine: () => Docker) {}

  subscribe(session: WsSession, data: unknown): void {
    const request = (data ?? {}) as Subscribe;
    const containerId = typeof request.containerId === 'string' ? request.containerId : '';
    const fail = (error: string, message: string) =>
      session.send('container.logs.error', { containerId, error, message });
    if (!ID.test(containerId)) return fail('INVALID_REQUEST', 'containerId is required');
    if (!mayControl(session))
      return fail('PERMISSION_DENIED', 'container logs are for administrators');
    let streams = this.bySession.get(session);
    if (!streams) {
      this.bySession.set(session, (streams = new Map<string, Readable>()));
      session.onClose(() => this.endAll(session));
    }
    if (streams.has(containerId)) return;
    if (streams.size >= MAX_STREAMS)
      return fail('TOO_MANY_STREAMS', `at most ${MAX_STREAMS} log streams per connection`);
    const tail = Math.min(
      1000,
      Math.max(0, Number.isInteger(request.tail) ? (request.tail as number) : 100),
    );
    const follow = request.follow !== false;
    const timestamps = request.timestamps === true;
    const docker = this.engine();
    const container = docker.getContainer(containerId);
    const placeholder = new PassThrough();
    streams.set(containerId, placeholder);
    const opened = follow
      ? container.logs({ follow: true, stdout: true, stderr: true, tail, timestamps })
      : container.logs({ follow: false, stdout: true, stderr: true, tail, timestamps });
    void (opened as Promise<Readable | Buffer>).then(
      (result) => {
        const raw: Readable = Buffer.isBuffer(result) ? streamOf(result) : result;
        if (streams.get(containerId) !== placeholder) {
          raw.destroy();
          return;
        }
        streams.set(containerId, raw);
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        docker.modem.demuxStream(raw, stdout, stderr);
        const send = (stream: 'stdout' | 'stderr') => (message: string) =>
          session.send('container.logs', {
            containerId,
            stream,
            message,
            timestamp: Math.floor(Date.now() / 1000),
          });
        lines(stdout, send('stdout'));
        lines(stderr, send('stderr'));
        session.send('container.logs.started', { containerId, tail, follow });
        raw.on('end', () => {
          stdout.end();
          stderr.end();
          if (streams.get(containerId) !== raw) return;
          streams.delete(containerId);
          setImmediate(() =>
            session.send('container.logs.ended', { containerId, reason: 'container_stopped' }),
          );
        });
        raw.on('error', (error: Error) => {
          if (streams.get(containerId) !== raw) return;
          streams.delete(containerId);
          session.send('container.logs.ended', {
            containerId,
            reason: 'error',
            message: error.message,
          });
        });
      },
      (error: { statusCode?: number; message?: string }) => {
        if (streams.get(containerId) === placeholder) streams.delete(containerId);
        fail(
          error.statusCode === 404 ? 'CONTAINER_NOT_FOUND' : 'LOGS_FAILED',
          error.statusCode === 404
            ? `no container "${containerId}" on the engine`
            : `the engine refused the logs: ${error.message ?? 'unknown error'}`,
        );
      },
    );
  }

  unsubscribe(session: WsSession, data: unknown): void {
    const containerId = (data as Subscribe | undefined)?.containerId;
    if (typeof containerId !== 'string') return;
    const stream = this.bySession.get(session)?.get(containerId);
    if (!stream) return;
    this.bySession.get(session)!.delete(containerId);
    stream.destroy();
    session.send('container.logs.ended', { containerId, reason: 'stopped' });
  }

  private endAll(session: WsSession): void {
    for (const stream of this.bySession.get(session)?.values() ?? []) stream.destroy();
    this.bySession.delete(session);
  }
}

/** A non-follow answer arrives as one buffer in the engine's multiplexed format. */
function streamOf(buffer: Buffer): Readable {
  const stream = new PassThrough();
  stream.end(buffer);
  return stream;
}
