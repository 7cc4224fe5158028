import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './error-body';

const CODE_OF_STATUS: Record<number, string> = {
  404: 'NOT_FOUND',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  504: 'GATEWAY_TIMEOUT',
};

/**
 * Answers an upgrade that is not going through with a real HTTP response in the contract's
 * JSON body — never a hanging or silently dropped socket. For every owner of upgrades: the
 * dispatcher, the proxy's tunnels and the WebSocket gate.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  code: string = CODE_OF_STATUS[status] ?? 'INTERNAL_ERROR',
  options: { requestId?: string; headers?: Record<string, string> } = {},
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(
    errorBody(code, message, options.requestId ? { requestId: options.requestId } : {}),
  );
  const extra = Object.entries(options.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}
