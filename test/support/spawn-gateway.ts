import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'gateway', 'src', 'main.js');

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The built gateway as its own process (what `npm start` runs), on a free port of 127.0.0.1. */
export async function spawnGateway(
  dataDir: string,
  env: Record<string, string> = {},
  /** Options for node itself, before the script (`--require`, `--import`). */
  nodeOptions: string[] = [],
): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, [...nodeOptions, MAIN], {
    env: {
      ...process.env,
      NEKZUS_DATA_DIR: dataDir,
      NEKZUS_ADDR: '127.0.0.1:0',
      NEKZUS_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match && out.includes('data directory')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited during start (exit code ${code}):\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** `POST /api/v1/routes` on a spawned gateway, as a caller on loopback. */
export function addRoute(gatewayUrl: string, route: Record<string, unknown>): Promise<Response> {
  return fetch(`${gatewayUrl}/api/v1/routes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(route),
  });
}
