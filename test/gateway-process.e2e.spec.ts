import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRoute, spawnGateway } from './support/spawn-gateway';

describe('the gateway process', () => {
  it('starts with no config, says where it listens and keeps its data, serves, and drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-proc-'));
    try {
      const gw = await spawnGateway(dataDir);
      const lines = gw
        .output()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      expect(lines[0]!.msg).toMatch(/^Nekzus gateway listening on http:\/\/127\.0\.0\.1:\d+/);
      expect(lines[1]!.msg).toContain(`data directory ${dataDir}`);
      expect(statSync(join(dataDir, 'events.db')).isFile()).toBe(true);

      const created = await addRoute(gw.url, {
        routeId: 'a',
        appId: 'a',
        pathBase: '/apps/a/',
        to: 'http://127.0.0.1:9',
      });
      expect(created.status).toBe(201);
      const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string };
      expect(ready.status).toBe('ready');

      gw.child.kill('SIGTERM');
      expect(await gw.exited).toEqual({ code: 0, signal: null });
      expect(gw.output()).toContain('"msg":"stopped"');

      // the state survives a restart: it is in the log
      const again = await spawnGateway(dataDir);
      const routes = (await (await fetch(`${again.url}/api/v1/routes`)).json()) as {
        routeId: string;
      }[];
      expect(routes.map((r) => r.routeId)).toEqual(['a']);
      again.child.kill('SIGTERM');
      await again.exited;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad listen address with a clear message and exit code 2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-proc-'));
    try {
      await expect(spawnGateway(dataDir, { NEKZUS_ADDR: 'localhost' })).rejects.toThrow(
        /NEKZUS_ADDR: server\.addr: expected host:port with a port from 0 to 65535.*found "localhost"/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an example-looking JWT secret and a broken certificate with exit code 2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-proc-'));
    try {
      await expect(
        spawnGateway(dataDir, { NEKZUS_JWT_SECRET: 'change-me-please-this-is-long-enough' }),
      ).rejects.toThrow(/exit code 2[\s\S]*hs256_secret contains "change-me"/);
      await expect(
        spawnGateway(dataDir, {
          NEKZUS_TLS_CERT: join(dataDir, 'missing.pem'),
          NEKZUS_TLS_KEY: join(dataDir, 'missing.key'),
        }),
      ).rejects.toThrow(/exit code 2[\s\S]*missing\.pem/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
