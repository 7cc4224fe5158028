import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRoute, spawnGateway } from './support/spawn-gateway';

/** Clients of engines a gateway may never talk to; each costs megabytes of heap that every GC walks. */
const ENGINE_CLIENTS = {
  kubernetes: '/node_modules/@kubernetes/client-node/',
  kurrentdb: '/node_modules/@kurrent/kurrentdb-client/',
  docker: '/node_modules/dockerode/',
};

/**
 * The built gateway as `npm start` runs it, with two recorders: a `--require` preload that
 * writes every CommonJS module at exit, and `--import` of module hooks that log every module
 * resolved through `import()` (the Kubernetes client is an ES module, which `require.cache`
 * never lists).
 */
describe('the gateway loads an engine client only when its engine is configured', () => {
  let work: string;
  let recorders: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nekzus-footprint-'));
    const preload = join(work, 'record-cjs.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').appendFileSync(process.env.NEKZUS_MODULES_OUT, Object.keys(require.cache).join('\\n') + '\\n'));\n`,
    );
    const hooks = join(work, 'record-esm.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.NEKZUS_MODULES_OUT, resolved.url + '\\n');
  return resolved;
}
`,
    );
    const register = join(work, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    recorders = ['--require', preload, '--import', pathToFileURL(register).href];
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  let runs = 0;
  /** Starts the gateway, serves one REST write and one proxied request, stops it: the modules it loaded. */
  async function modulesOf(config: string): Promise<string[]> {
    const run = ++runs;
    const dataDir = join(work, `data-${run}`);
    const out = join(work, `modules-${run}.txt`);
    const configFile = join(work, `nekzus-${run}.yaml`);
    writeFileSync(configFile, config);
    writeFileSync(out, '');
    const gw = await spawnGateway(
      dataDir,
      { NEKZUS_CONFIG: configFile, NEKZUS_MODULES_OUT: out },
      recorders,
    );
    try {
      const created = await addRoute(gw.url, {
        routeId: 'a',
        appId: 'a',
        pathBase: '/apps/a/',
        to: 'http://127.0.0.1:9',
        publicAccess: true,
      });
      expect(created.status).toBe(201);
      expect((await fetch(`${gw.url}/apps/a/`)).status).toBe(502);
      expect(((await (await fetch(`${gw.url}/readyz`)).json()) as { status: string }).status).toBe(
        'ready',
      );
    } finally {
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toEqual({ code: 0, signal: null });
    }
    return readFileSync(out, 'utf8').split('\n');
  }

  const clientsIn = (modules: string[]) =>
    Object.entries(ENGINE_CLIENTS)
      .filter(([, path]) => modules.some((m) => m.includes(path)))
      .map(([name]) => name)
      .sort();

  it('on the embedded defaults: none of them', async () => {
    const modules = await modulesOf('{}\n');
    // The recorders work: the gateway's own modules and its SQLite driver are listed.
    expect(modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(true);
    expect(modules.some((m) => m.includes('/dist/apps/gateway/src/main.js'))).toBe(true);
    expect(clientsIn(modules)).toEqual([]);
  });

  it('with Docker and Kubernetes discovery on: their clients, and still not KurrentDB', async () => {
    const modules = await modulesOf(
      [
        'discovery:',
        '  enabled: true',
        '  docker:',
        '    enabled: true',
        `    socket_path: "unix://${join(work, 'no-docker.sock')}"`,
        '  kubernetes:',
        '    enabled: true',
        `    kubeconfig: "${join(work, 'no-kubeconfig')}"`,
        '',
      ].join('\n'),
    );
    expect(clientsIn(modules)).toEqual(['docker', 'kubernetes']);
  });
});
