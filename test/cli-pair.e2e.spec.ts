import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

const BIN = join(__dirname, '..', 'bin', 'nekzus.js');

interface PairRun {
  /** What the CLI has printed so far. */
  stdout(): string;
  /** Resolves once `condition` holds for stdout; rejects if the CLI ends first. */
  printed(condition: (stdout: string) => boolean): Promise<string>;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `nekzus pair …` as a user runs it, output piped; no NEKZUS_* variable of this shell leaks in. */
function nekzusPair(args: string[], env: Record<string, string> = {}): PairRun {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('NEKZUS_')),
  );
  const child = spawn(process.execPath, [BIN, 'pair', ...args], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const timer = setTimeout(() => child.kill(), 25_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      ended = true;
      resolve({ code, stdout, stderr });
    });
  });
  return {
    stdout: () => stdout,
    exit,
    async printed(condition) {
      while (!condition(stdout)) {
        if (ended) throw new Error(`nekzus pair ended first:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return stdout;
    },
  };
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);

/** What the Nekzus app does after scanning the QR code. */
async function pairPhone(h: Harness, code: string, deviceId: string): Promise<void> {
  const config = await h.call('POST', '/api/v1/pair', { code }, { 'X-Pairing-Request': 'true' });
  expect(config.status).toBe(200);
  const token = await h.call(
    'POST',
    '/api/v1/auth/pair',
    { device: { id: deviceId, model: 'iPhone 15', platform: 'ios' } },
    { Authorization: `Bearer ${config.body.bootstrapToken}` },
  );
  expect(token.status).toBe(200);
  expect(token.body.deviceId).toBe(deviceId);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('nekzus pair', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('--json prints the QR payload, then each status change, and ends 0 once a phone has paired', async () => {
    h = await startHarness();
    const run = nekzusPair(['--url', h.url, '--json']);
    const [payload] = jsonLines(await run.printed((out) => out.includes('"status":"issued"')));
    expect(payload).toMatchObject({
      code: expect.stringMatching(/^[A-Z2-9]{8}$/),
      qr: { c: payload!.code, u: expect.stringMatching(/^http:\/\//) },
      expiresAt: expect.any(Number),
    });

    await pairPhone(h, payload!.code as string, 'iphone-of-ada');

    const { code, stdout, stderr } = await run.exit;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines[1]).toMatchObject({ status: 'issued', valid: true });
    expect(lines.at(-1)).toMatchObject({ status: 'used', deviceId: 'iphone-of-ada' });
    const status = await h.call('GET', `/api/v1/auth/qr/status?code=${payload!.code}`);
    expect(status.body).toMatchObject({ status: 'used', deviceId: 'iphone-of-ada' });
  });

  it('for people, piped: the code, the URL, a waiting line and "Paired: <id>", without control characters', async () => {
    h = await startHarness();
    const run = nekzusPair(['--url', h.url]);
    const shown = await run.printed((out) => out.includes('Waiting for a device'));
    const code = /^ {2}Code {5}([A-Z2-9]{8})$/m.exec(shown)?.[1];
    expect(code).toBeDefined();
    expect(shown).toMatch(/^ {2}Gateway {2}http:\/\//m);
    expect(shown).toContain(`QR code text: {"c":"${code}",`);

    await pairPhone(h, code!, 'pixel-of-grace');

    const result = await run.exit;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Waiting for a device… \(expires in \d+ s\)\n/);
    expect(result.stdout.endsWith('Paired: pixel-of-grace\n')).toBe(true);
    // eslint-disable-next-line no-control-regex
    expect(result.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('checks no faster than a tight rate limit allows, and still sees a slow phone pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const config = join(dir, 'nekzus.yaml');
    writeFileSync(config, 'rate_limits:\n  api:\n    per_minute: 30\n    burst: 3\n');
    h = await startHarness(undefined, { config });
    const run = nekzusPair(['--url', h.url, '--json']);
    const [payload] = jsonLines(await run.printed((out) => out.includes('"status":"issued"')));
    // Checking once a second would have spent this burst and been refused by now.
    await new Promise((r) => setTimeout(r, 8_000));

    await pairPhone(h, payload!.code as string, 'slow-phone');

    const { code, stdout, stderr } = await run.exit;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ status: 'used', deviceId: 'slow-phone' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the gateway from NEKZUS_ADDR without --url, and gives up after --timeout seconds, exit 1', async () => {
    h = await startHarness();
    const { port } = new URL(h.url);
    const { code, stdout, stderr } = await nekzusPair(['--timeout', '1', '--json'], {
      NEKZUS_ADDR: `:${port}`,
    }).exit;
    expect(code).toBe(1);
    expect(jsonLines(stdout)[0]).toHaveProperty('code');
    expect(stderr).toBe('nekzus: timed out after 1 s with no device paired\n');
  });

  it('says the code expired when nobody paired in time, exit 1', async () => {
    let offset = 0;
    h = await startHarness(undefined, { clock: () => Date.now() + offset });
    const run = nekzusPair(['--url', h.url, '--json']);
    await run.printed((out) => out.includes('"status":"issued"'));
    offset = 6 * 60_000;
    const { code, stdout, stderr } = await run.exit;
    expect(code).toBe(1);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ status: 'expired' });
    expect(stderr).toMatch(/expired/);
  });

  it('says so when no gateway answers at the URL, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stdout, stderr } = await nekzusPair(['--url', url]).exit;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(`^nekzus: no gateway answers at ${url.replace(/\./g, '\\.')}; is it running\\?`),
    );
  });

  it('asks for an API key when the gateway does not trust this machine, and pairs with one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-e2e-'));
    h = await startHarness(dataDir);
    const createKey = async (scopes: string[]) =>
      (await h!.call('POST', '/api/v1/apikeys', { name: `cli ${scopes[0]}`, scopes })).body
        .key as string;
    const pairingKey = await createKey(['write:devices']);
    const readOnlyKey = await createKey(['read:catalog']);
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, { env: { NEKZUS_LOCAL_NETWORK_TRUST: 'off' } });

    const without = await nekzusPair(['--url', h.url]).exit;
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^nekzus: the gateway at .* lets only an administrator/);
    expect(without.stderr).toContain('pass an API key with the write:devices scope');

    const weak = await nekzusPair(['--url', h.url, '--api-key', readOnlyKey]).exit;
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('refused the API key');

    const run = nekzusPair(['--url', h.url, '--json'], { NEKZUS_API_KEY: pairingKey });
    const [payload] = jsonLines(await run.printed((out) => out.includes('"status":"issued"')));
    await pairPhone(h, payload!.code as string, 'keyed-phone');
    const paired = await run.exit;
    expect(paired.code).toBe(0);
    expect(jsonLines(paired.stdout).at(-1)).toMatchObject({ deviceId: 'keyed-phone' });
  });

  it('over HTTPS with the generated certificate: refuses it until told to trust it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const config = join(dir, 'nekzus.yaml');
    writeFileSync(config, 'server:\n  tls: auto\n');
    h = await startHarness(undefined, { config });
    expect(h.url).toMatch(/^https:\/\//);

    const untrusted = await nekzusPair(['--url', h.url]).exit;
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('has a certificate this machine does not trust');
    expect(untrusted.stderr).toContain('--insecure');

    for (const [args, env] of [
      [['--insecure'], {}],
      [[], { NODE_EXTRA_CA_CERTS: join(h.dataDir, 'tls', 'ca.cert.pem') }],
    ] as const) {
      const run = await nekzusPair(['--url', h.url, '--json', '--timeout', '1', ...args], env).exit;
      expect(run.stderr).toBe('nekzus: timed out after 1 s with no device paired\n');
      expect(jsonLines(run.stdout)[0]).toMatchObject({
        qr: { u: expect.stringMatching(/^https:/) },
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
