import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/gateway';
import { createLogger } from '../../apps/gateway/src/logger';
import { loadSettings } from '../../apps/gateway/src/settings';

/** Both upstream clients of the data plane: every proxy suite runs on each (decision 0019). */
export const UPSTREAM_CLIENTS = ['llhttp', 'undici'] as const;

/** Starts the harness on one upstream client and checks the gateway really took it. */
export async function startProxyHarness(
  client: (typeof UPSTREAM_CLIENTS)[number],
  dataDir?: string,
  options: Parameters<typeof startHarness>[1] = {},
): Promise<Harness> {
  const h = await startHarness(dataDir, {
    ...options,
    env: { ...options.env, NEKZUS_PROXY_UPSTREAM_CLIENT: client },
  });
  if (h.gateway.dataPlane.upstreamClient !== client) {
    await h.stop();
    throw new Error(
      `the gateway runs the ${h.gateway.dataPlane.upstreamClient} client, not ${client}`,
    );
  }
  return h;
}

export interface Harness {
  gateway: RunningGateway;
  dataDir: string;
  url: string;
  /** JSON request helper: returns status, parsed body (or text) and headers. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  head(): Promise<bigint>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** The whole gateway in this process, on a free port of 127.0.0.1, over a fresh data dir. */
export async function startHarness(
  dataDir = mkdtempSync(join(tmpdir(), 'nekzus-e2e-')),
  options: {
    config?: string;
    env?: Record<string, string>;
    clock?: () => number;
    websocket?: { authTimeoutMs?: number; pingIntervalMs?: number };
    webhooks?: { baseBackoffMs?: number; maxBackoffMs?: number; pauseAfterMs?: number };
  } = {},
): Promise<Harness> {
  const settings = loadSettings(options.env ?? {}, {
    addr: '127.0.0.1:0',
    dataDir,
    logLevel: 'error',
    ...(options.config ? { config: options.config } : {}),
  });
  const gateway = await startGateway(settings, createLogger('error'), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.websocket ? { websocket: options.websocket } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  await gateway.configApplied;
  return {
    gateway,
    dataDir,
    url: gateway.url,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${gateway.url}${path}`, { ...init, redirect: 'manual' });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON; the text is in `text`
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
    head: () => gateway.infra.store.headPosition(),
    async stop(options = {}) {
      await gateway.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
