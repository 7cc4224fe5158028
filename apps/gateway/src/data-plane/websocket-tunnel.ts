import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '#libs/http';
import { failureOf } from './http-forwarder';
import type { RouteTraffic } from './proxy-metrics';
import type { Upstream } from './upstream';

export { refuseUpgrade };

/** An open tunnel: the client's socket and the upstream's, closed together. */
export interface Tunnel {
  client: Duplex;
  upstream: Duplex;
  /** Set for tunnels opened with a device token: revocation closes them. */
  device?: { deviceId: string; tokenId: string };
}

export interface TunnelRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  upstream: Upstream;
  path: string;
  headers: string[];
  timeoutMs: number;
  traffic: RouteTraffic;
  requestId: string;
  onOpen(tunnel: Tunnel): void;
  onClose(tunnel: Tunnel): void;
}

/**
 * Opens the upgrade at the upstream with the client's own headers (Origin, Host, subprotocols,
 * extensions, cookies) and, on its 101, joins the two sockets byte for byte, so frames, close
 * codes and extensions pass untouched. Any other answer of the upstream is relayed as it is;
 * a failure to reach it is a JSON 502/504. Nothing here can throw past the sockets' handlers.
 */
export function openTunnel(t: TunnelRequest): void {
  const { socket, upstream } = t;
  const send = upstream.tls ? httpsRequest : httpRequest;
  let settled = false;
  const outgoing = send({
    host: upstream.hostname,
    port: upstream.port,
    method: t.req.method ?? 'GET',
    path: t.path,
    headers: t.headers as unknown as Record<string, string>,
    agent: false,
    ...(upstream.tls ? { rejectUnauthorized: upstream.verifyTls, servername: sni(upstream) } : {}),
  });
  const abandon = () => {
    if (!settled) outgoing.destroy();
  };
  socket.once('close', abandon);
  outgoing.setTimeout(t.timeoutMs, () =>
    outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
  );

  outgoing.on('upgrade', (response: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    settled = true;
    socket.off('close', abandon);
    upSocket.setTimeout(0);
    upSocket.setNoDelay(true);
    if (socket.destroyed) {
      upSocket.destroy();
      return;
    }
    (socket as Partial<Socket>).setNoDelay?.(true);
    socket.write(responseHead(response));
    if (upHead.length > 0) socket.write(upHead);
    if (t.head.length > 0) upSocket.write(t.head);
    const tunnel: Tunnel = { client: socket, upstream: upSocket };
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      socket.destroy();
      upSocket.destroy();
      t.traffic.websockets.open--;
      t.traffic.bytesIn += (socket as Partial<Socket>).bytesRead ?? 0;
      t.traffic.bytesOut += upSocket.bytesRead;
      t.onClose(tunnel);
    };
    upSocket.on('error', close);
    upSocket.on('close', close);
    socket.on('error', close);
    socket.on('close', close);
    // A clean end on one side is passed on as an end, after what is still in flight.
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    t.traffic.websockets.opened++;
    t.traffic.websockets.open++;
    t.onOpen(tunnel);
  });

  outgoing.on('response', (response: IncomingMessage) => {
    // The upstream said no (401, 403, 404, …): the client hears exactly that.
    settled = true;
    socket.off('close', abandon);
    t.traffic.websockets.refused++;
    if (socket.destroyed) {
      response.destroy();
      return;
    }
    socket.write(responseHead(response, true));
    response.pipe(socket);
    response.on('error', () => socket.destroy());
  });

  outgoing.on('error', (error) => {
    if (settled) return;
    settled = true;
    socket.off('close', abandon);
    t.traffic.websockets.refused++;
    const failure = failureOf(error);
    t.traffic.failures[failure.kind]++;
    refuseUpgrade(socket, failure.status, failure.message, failure.code, {
      ...(t.requestId ? { requestId: t.requestId } : {}),
    });
  });
  outgoing.end();
}

function sni(upstream: Upstream): string | undefined {
  return /^[0-9.]+$|:/.test(upstream.hostname) ? undefined : upstream.hostname;
}

/** The upstream's status line and headers as it sent them; `close` for a refused upgrade. */
function responseHead(response: IncomingMessage, close = false): string {
  let head = `HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\n`;
  const raw = response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (close && /^(connection|keep-alive|transfer-encoding)$/i.test(name)) continue;
    head += `${name}: ${raw[i + 1]!}\r\n`;
  }
  if (close) head += 'Connection: close\r\n';
  return `${head}\r\n`;
}
