import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import type { CodeStatus, QrPayload } from '#libs/pairing';
import { CliError, jsonLine } from './output';

interface PairOptions {
  url?: string;
  config?: string;
  apiKey?: string;
  timeout: string;
  insecure?: boolean;
  json?: boolean;
}

const QR_PATH = '/api/v1/auth/qr';
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests of the gateway's rate limit left to other clients at this address (a browser, a script). */
const HEADROOM = 2;
/** Node's codes for a certificate chain this machine does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function registerPairCommand(program: Command): void {
  program
    .command('pair')
    .description('show a pairing QR code and wait until a device pairs (or the code times out)')
    .addOption(
      new Option(
        '--url <url>',
        "the gateway (default: from the config's server.addr, http://127.0.0.1:<port>)",
      ).env('NEKZUS_URL'),
    )
    .addOption(
      new Option('-c, --config <file>', 'config file the default URL is read from').env(
        'NEKZUS_CONFIG',
      ),
    )
    .addOption(
      new Option(
        '--api-key <key>',
        'API key (scope write:devices) for a gateway that does not trust this machine; the variable keeps it out of ps',
      ).env('NEKZUS_API_KEY'),
    )
    .option('--timeout <seconds>', 'how long to wait for a device', '300')
    .option(
      '--insecure',
      "accept the gateway's HTTPS certificate unchecked (or trust its CA: NODE_EXTRA_CA_CERTS=<data dir>/tls/ca.cert.pem)",
    )
    .option('--json', 'the QR payload, then one JSON line per status change; no drawing')
    .action((options: PairOptions) => pair(options));
}

async function pair(options: PairOptions): Promise<void> {
  const timeout = Number(options.timeout);
  if (!Number.isInteger(timeout) || timeout < 1)
    throw new CliError(`--timeout must be a whole number of seconds, got "${options.timeout}"`);
  const url = await gatewayUrl(options);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const client = gatewayClient(url, { insecure: options.insecure === true, signal: cancel.signal });
  const view = options.json ? jsonView() : humanView(process.stdout);
  try {
    const payload = await issueCode(client, options.apiKey);
    await view.issued(payload);
    view.paired(await waitForDevice(client, payload.code, timeout, view, cancel.signal));
  } catch (error) {
    view.stopped();
    if (cancel.signal.aborted)
      throw new CliError(
        'cancelled; no device paired (the code stays valid until it expires)',
        130,
      );
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The gateway's URL and a small HTTP client for it

async function gatewayUrl(options: PairOptions): Promise<string> {
  const url = options.url ?? (await urlFromConfig(options.config));
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new CliError(`--url must be an http:// or https:// URL, got "${url}"`);
  return url.replace(/\/+$/, '');
}

/** Where a gateway started with the same config and environment listens, seen from this machine. */
async function urlFromConfig(file: string | undefined): Promise<string> {
  // Loaded only when there is no --url.
  const { formatIssue, loadEffectiveConfig } = await import('./config-tools.js');
  const { parseAddr } = await import('../../gateway/src/settings.js');
  const result = loadEffectiveConfig({ env: process.env, flags: file ? { config: file } : {} });
  const listen = result.config ? parseAddr(result.config.server.addr) : undefined;
  if (!result.config || !listen)
    throw new CliError(
      `cannot tell where the gateway listens (${result.errors.map(formatIssue).join('; ') || 'server.addr is not host:port'}); pass --url`,
    );
  const host = listen.host;
  const local = host === undefined || host === '0.0.0.0' || host === '::';
  const { tls, tls_cert } = result.config.server;
  const scheme = tls !== 'off' && (tls === 'auto' || tls_cert !== '') ? 'https' : 'http';
  return `${scheme}://${local ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${listen.port}`;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; `undefined` when the body is not JSON. */
  body: unknown;
}

interface GatewayClient {
  readonly url: string;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): void;
}

/** GET requests over one kept-alive connection; a failed connection is a `CliError` saying why. */
function gatewayClient(
  url: string,
  options: { insecure: boolean; signal: AbortSignal },
): GatewayClient {
  const https = url.startsWith('https:');
  const agent = https
    ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: !options.insecure })
    : new HttpAgent({ keepAlive: true });
  const request = https ? httpsRequest : httpRequest;
  const requestOptions = (headers: Record<string, string>): RequestOptions => ({
    agent,
    headers: { accept: 'application/json', ...headers },
    signal: options.signal,
    timeout: REQUEST_TIMEOUT_MS,
  });
  return {
    url,
    get: (path, headers = {}) =>
      new Promise<Reply>((resolve, reject) => {
        const req = request(`${url}${path}`, requestOptions(headers), (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parseJson(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        });
        req.on('timeout', () =>
          req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
        );
        req.on('error', (error) => reject(connectionError(url, error, options.signal)));
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function connectionError(url: string, error: Error, signal: AbortSignal): Error {
  if (signal.aborted) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED_CERTIFICATE.has(code))
    return new CliError(
      `the gateway at ${url} has a certificate this machine does not trust (${error.message}): set NODE_EXTRA_CA_CERTS to its CA, <data dir>/tls/ca.cert.pem, or pass --insecure`,
    );
  return new CliError(`no gateway answers at ${url}; is it running? (${error.message})`);
}

function messageOf(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function unexpected(client: GatewayClient, path: string, reply: Reply): CliError {
  const message = messageOf(reply.body);
  return new CliError(
    message
      ? `${client.url}${path} answered ${reply.status}: ${message}`
      : `${client.url}${path} answered ${reply.status}, not as a Nekzus gateway does; is --url right?`,
  );
}

// ---------------------------------------------------------------------------------------------
// Issuing the code and waiting for a device

async function issueCode(client: GatewayClient, apiKey: string | undefined): Promise<QrPayload> {
  const reply = await client.get(QR_PATH, apiKey ? { 'x-api-key': apiKey } : {});
  if (reply.status === 401 || reply.status === 403) {
    const why = messageOf(reply.body) ?? `HTTP ${reply.status}`;
    throw new CliError(
      apiKey
        ? `the gateway at ${client.url} refused the API key: ${why}; a key needs the write:devices (or access:admin) scope`
        : `the gateway at ${client.url} lets only an administrator issue pairing codes (${why}); pass an API key with the write:devices scope: --api-key or $NEKZUS_API_KEY`,
    );
  }
  const payload = reply.body as Partial<QrPayload> | undefined;
  if (reply.status !== 200 || typeof payload?.code !== 'string' || typeof payload.qr !== 'object')
    throw unexpected(client, QR_PATH, reply);
  return payload as QrPayload;
}

/** Checks the code's status until a device has used it; returns the device's id. */
async function waitForDevice(
  client: GatewayClient,
  code: string,
  timeoutSeconds: number,
  view: PairingView,
  signal: AbortSignal,
): Promise<string> {
  const path = `${QR_PATH}/status?code=${encodeURIComponent(code)}`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let current: CodeStatus | undefined;
  let checkedAt = 0;
  let nextCheck = 0;
  for (;;) {
    if (Date.now() >= nextCheck) {
      const reply = await client.get(path);
      const at = Date.now();
      if (reply.status === 429)
        nextCheck = at + secondsHeader(reply.headers['retry-after'], 1) * 1000;
      else {
        const status = reply.body as CodeStatus | undefined;
        if (reply.status !== 200 || typeof status?.status !== 'string')
          throw unexpected(client, path, reply);
        if (status.status !== current?.status) view.changed(status);
        current = status;
        checkedAt = at;
        if (status.status === 'used') return status.deviceId ?? 'a device (the gateway named none)';
        if (status.status === 'expired')
          throw new CliError(
            'the pairing code expired before a device paired; run "nekzus pair" for a new one',
          );
        if (status.status === 'unknown')
          throw new CliError(`the gateway at ${client.url} no longer knows this pairing code`);
        nextCheck = at + checkDelayMs(reply.headers);
      }
    }
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) throw new CliError(`timed out after ${timeoutSeconds} s with no device paired`);
    const ttl = current ? current.ttl - Math.floor((Date.now() - checkedAt) / 1000) : left;
    view.waiting(Math.max(0, Math.min(left, ttl)));
    await sleep(1000, undefined, { signal });
  }
}

/**
 * Once a second while the gateway's rate limit (`rate_limits.api`) has room; then no faster
 * than it refills, so that the check is never refused and other clients here are not starved.
 */
function checkDelayMs(headers: IncomingHttpHeaders): number {
  const limit = secondsHeader(headers['ratelimit-limit'], NaN);
  const remaining = secondsHeader(headers['ratelimit-remaining'], NaN);
  const reset = secondsHeader(headers['ratelimit-reset'], NaN);
  if (Number.isNaN(limit + remaining + reset) || remaining > HEADROOM) return 1000;
  return Math.max(1000, Math.ceil((reset * 1000) / Math.max(1, limit - remaining)));
}

function secondsHeader(value: string | string[] | undefined, fallback: number): number {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value === undefined || !Number.isFinite(n) || n < 0 ? fallback : n;
}

// ---------------------------------------------------------------------------------------------
// Output: for people (a QR drawing and a countdown) or for scripts (JSON lines)

interface PairingView {
  issued(payload: QrPayload): Promise<void>;
  changed(status: CodeStatus): void;
  waiting(secondsLeft: number): void;
  paired(deviceId: string): void;
  /** Leaves the terminal tidy for the error message that follows. */
  stopped(): void;
}

function jsonView(): PairingView {
  const print = (value: unknown) => process.stdout.write(`${jsonLine(value)}\n`);
  return {
    issued: async (payload) => {
      print(payload);
    },
    changed: print,
    waiting: () => undefined,
    paired: () => undefined,
    stopped: () => undefined,
  };
}

/** On a terminal the countdown is rewritten in place; piped, every line is plain text. */
function humanView(out: NodeJS.WriteStream): PairingView {
  const tty = out.isTTY === true;
  let label = 'Waiting for a device…';
  let labelShown = false;
  let statusLine = false;
  const clearStatus = () => {
    if (statusLine) out.write('\r\x1b[2K');
    statusLine = false;
  };
  return {
    async issued(payload) {
      const { qrTerminal, qrText } =
        await import('../../../libs/pairing/src/infrastructure/qr-image.js');
      const text = qrText(payload.qr);
      // The drawing is made of colour codes, which have no place in a file or a pipe.
      out.write(tty ? await qrTerminal(text) : `QR code text: ${text}\n`);
      const local = /^https?:\/\/(localhost|127\.|\[::1\])/.test(payload.qr.u);
      out.write(
        `\nScan the QR code with the Nekzus app, or type the code into it.\n\n` +
          `  Code     ${tty ? `\x1b[1m${payload.code}\x1b[22m` : payload.code}\n` +
          `  Gateway  ${payload.qr.u}${local ? '  (a phone cannot reach this; set server.base_url)' : ''}\n\n`,
      );
    },
    changed(status) {
      if (status.status !== 'redeemed') return;
      label = 'A device has read the code; waiting for it to finish pairing…';
      labelShown = false;
    },
    waiting(secondsLeft) {
      const text = `${label} (expires in ${secondsLeft} s)`;
      if (tty) {
        out.write(`\r\x1b[2K${text}`);
        statusLine = true;
      } else if (!labelShown) out.write(`${text}\n`);
      labelShown = true;
    },
    paired(deviceId) {
      clearStatus();
      out.write(`Paired: ${deviceId}\n`);
    },
    stopped() {
      if (statusLine) out.write('\n');
      statusLine = false;
    },
  };
}
