import WebSocket from 'ws';
import type { Harness } from './gateway-harness';

export interface Frame {
  type: string;
  data: any;
  timestamp: string;
  expiresAt: string;
  topic?: string;
}

/** A protocol client: collects frames, and waits for one or for the close. */
export function connect(h: Harness, options: WebSocket.ClientOptions = {}) {
  const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/ws`, options);
  const frames: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  socket.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString()) as Frame;
    frames.push(frame);
    for (const w of [...waiters])
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    opened,
    send: (type: string, data?: unknown) => socket.send(JSON.stringify({ type, data })),
    next(type: string, where: (f: Frame) => boolean = () => true): Promise<Frame> {
      const seen = frames.find((f) => f.type === type && where(f));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) =>
        waiters.push({ match: (f) => f.type === type && where(f), resolve }),
      );
    },
  };
}
