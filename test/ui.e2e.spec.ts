import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../apps/gateway/src/static-ui';
import {
  buildHttpdImage,
  buildToolboxImage,
  dockerAvailable,
  removeContainer,
  runContainer,
  TOOLBOX_CATALOG,
} from './support/docker';
import { startHarness, type Harness } from './support/gateway-harness';
import { eventually } from './support/eventually';

/**
 * The portal in a real Chromium (Debian's /usr/bin/chromium through playwright-core) against
 * a real gateway on 127.0.0.1 with local-network trust off, so every call needs the session.
 * Screenshots of every page at two sizes go to test-results/ui/.
 */
const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..');
const shots = join(root, 'test-results', 'ui');
const docker = dockerAvailable();
const suffix = randomBytes(3).toString('hex');
const container = `e2e-ui-${suffix}`;
const USER = 'admin';
const PASSWORD = 'correct horse battery staple';

function buildUi(): void {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-ui.js')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('building the portal failed');
}

describe.skipIf(!existsSync(CHROMIUM))('the portal, in a real browser', () => {
  let dir: string;
  let h: Harness;
  let upstream: Server;
  let upstreamUrl: string;
  let context: BrowserContext;
  let page: Page;

  const screenshot = async (name: string) => {
    for (const [w, hgt] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.screenshot({ path: join(shots, `${name}-${w}x${hgt}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  /** The API as the signed-in browser sees it (its cookies, its CSRF token). */
  const api = (method: string, path: string) =>
    page.evaluate(
      async ([m, p]) => {
        // Runs in the page: its cookie jar, not Node's.
        const jar = (globalThis as unknown as { document: { cookie: string } }).document.cookie;
        const csrf = /nekzus_csrf=([^;]+)/.exec(jar)?.[1] ?? '';
        const r = await fetch(p!, { method: m, headers: { 'x-csrf-token': csrf } });
        return { status: r.status, body: (await r.json().catch(() => null)) as any };
      },
      [method, path],
    );

  beforeAll(async () => {
    buildUi();
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'nekzus-ui-'));
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>upstream</title><h1>hello from upstream ${req.url}</h1>`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const config = join(dir, 'nekzus.yaml');
    const lines = ['auth:', '  local_network_trust: "off"'];
    if (docker) {
      buildHttpdImage();
      lines.push(
        'discovery:',
        '  enabled: true',
        '  docker:',
        '    enabled: true',
        '    mode: opt-in',
        '    poll_interval: 1s',
        'toolbox:',
        '  enabled: true',
        `  catalog_dir: ${TOOLBOX_CATALOG}`,
        `  data_dir: ${join(dir, 'toolbox-data')}`,
        '  bind_address: 127.0.0.1',
      );
      buildToolboxImage();
    }
    writeFileSync(config, lines.join('\n') + '\n');
    h = await startHarness(join(dir, 'data'), { config });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('dialog', (d) => void d.accept());
  }, 180_000);

  afterAll(async () => {
    if (docker) removeContainer(container);
    await context?.close();
    await h?.stop({ keepData: true });
    await new Promise((r) => upstream?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the portal at / with an SPA fallback that leaves the API, the proxy and the probes alone', async () => {
    const index = await h.call('GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.text).toContain('<app-root>');

    // A client-side route gets the same page; a hashed asset is cached for a year.
    const deep = await h.call('GET', '/devices?x=1');
    expect(deep.status).toBe(200);
    expect(deep.text).toBe(index.text);
    const main = /src="(main-[A-Z0-9]{8}\.js)"/.exec(index.text)?.[1];
    expect(main).toBeDefined();
    const asset = await h.call('GET', `/${main}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe(IMMUTABLE);
    const css = /href="(styles-[A-Z0-9]{8}\.css)"/.exec(index.text)?.[1];
    expect((await h.call('GET', `/${css}`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const again = await h.call('GET', `/${main}`, undefined, {
      'if-none-match': asset.headers.get('etag')!,
    });
    expect(again.status).toBe(304);

    // Never the fallback: the API, the proxy, GraphQL, metrics, probes keep their answers.
    for (const path of ['/api/v1/nothing-here', '/apps/nothing-here/', '/graphql/x', '/api']) {
      const r = await h.call('GET', path);
      // GraphQL, when mounted, answers its own 4xx for a path under it.
      if (path.startsWith('/graphql')) expect(r.status, path).toBeGreaterThanOrEqual(400);
      else expect(r.status, path).toBe(404);
      expect(r.text, path).not.toContain('<app-root>');
    }
    expect((await h.call('GET', '/livez')).headers.get('content-type')).not.toContain('text/html');
    expect((await h.call('GET', '/metrics')).text).not.toContain('<app-root>');
    // A missing file is a 404, not the page; a climb out of the folder finds nothing.
    expect((await h.call('GET', '/main-AAAAAAAA.js')).status).toBe(404);
    for (const path of ['/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/package.json']) {
      const r = await h.call('GET', path);
      expect(r.text, path).not.toMatch(/root:|"name": "nekzus"/);
    }
    // Only reads: a POST to a portal path is not the page.
    expect((await h.call('POST', '/devices', {})).status).toBe(404);
  });

  it('first run → sign in → add and edit a route by hand, open its app through the gateway', async () => {
    await page.goto(`${h.url}/`);
    await page.waitForURL('**/setup');
    await screenshot('setup');
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/overview');
    await expect.poll(() => page.locator('.live').getAttribute('data-status')).toBe('online');
    await screenshot('overview');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await screenshot('sign-in');
    expect((await h.call('GET', '/api/v1/apps')).status).toBe(401);
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/overview');

    await page.getByRole('link', { name: 'Apps & routes' }).click();
    await page.getByRole('button', { name: 'Add a route' }).click();
    await page.getByLabel('Route id').fill('handmade');
    await page.getByLabel('App id').fill('handmade');
    await page.getByLabel('App name').fill('Handmade');
    await page.getByLabel('Path on the gateway').fill('/apps/handmade/');
    await page.getByLabel('Upstream URL').fill(upstreamUrl);
    await page.getByLabel('Strip prefix').check();
    await page.getByLabel('Scopes (comma-separated)').fill('access:handmade');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByText('Route handmade added').waitFor();
    await page.getByRole('heading', { name: /Handmade/ }).waitFor();

    // Edit one field: the others keep their values (no reset on save).
    await page.getByRole('button', { name: 'Edit route handmade' }).click();
    await page.getByLabel('Health check path').fill('/healthz');
    await screenshot('apps');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Route handmade saved (healthCheckPath)').waitFor();
    const route = await api('GET', '/api/v1/routes/handmade');
    expect(route.body).toMatchObject({
      healthCheckPath: '/healthz',
      stripPrefix: true,
      scopes: ['access:handmade'],
      to: upstreamUrl,
    });

    // Opened through the gateway with the session cookie.
    const href = await page.getByRole('link', { name: 'Open Handmade' }).getAttribute('href');
    expect(href).toBe('/apps/handmade/');
    const app = await context.newPage();
    await app.goto(`${h.url}${href}`);
    await expect.poll(() => app.locator('h1').textContent()).toBe('hello from upstream /');
    await app.close();
  });

  it.skipIf(!docker)(
    'a service found by Docker discovery appears live and is approved with overrides',
    async () => {
      await page.getByRole('link', { name: 'Discovery' }).click();
      await page.getByText(/No proposals/).waitFor();
      runContainer(container, {
        'nekzus.enable': 'true',
        'nekzus.app.id': `web${suffix}`,
        'nekzus.app.name': 'Web Test',
      });
      // No reload: the proposal arrives over the WebSocket.
      await page.getByRole('heading', { name: /Web Test/ }).waitFor({ timeout: 30_000 });
      await screenshot('discovery');
      await page.getByRole('button', { name: 'Approve…' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Web Renamed');
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await page.getByText(/Approved: app/).waitFor();
      const apps = await api('GET', '/api/v1/apps');
      expect(apps.body.find((a: any) => a.id === `web${suffix}`)?.name).toBe('Web Renamed');
      await page.getByRole('link', { name: 'Apps & routes' }).click();
      await page.getByRole('heading', { name: /Web Renamed/ }).waitFor();
    },
  );

  it.skipIf(!docker)(
    'the containers page stops and starts a container and follows its logs',
    async () => {
      await page.getByRole('link', { name: 'Containers' }).click();
      const row = page.getByRole('row', { name: new RegExp(container) });
      await row.getByText('running').waitFor();
      await row.getByRole('button', { name: /^Logs/ }).click();
      await page.getByRole('heading', { name: `Logs of ${container}` }).waitFor();
      await page.getByText('Following…').waitFor();
      await screenshot('containers');
      await row.getByRole('button', { name: /^Stop/ }).click();
      await row.getByRole('button', { name: /^Start/ }).waitFor();
      await page.getByText('The container stopped.').waitFor();
      const stopped = await api('GET', '/api/v1/containers');
      expect(stopped.body.find((c: any) => c.name === container)?.state).toBe('stopped');
      await row.getByRole('button', { name: /^Start/ }).click();
      await row.getByText('running').waitFor();
    },
  );

  it.skipIf(!docker)(
    'the toolbox page deploys a template from its form, follows it live and removes it',
    async () => {
      await page.getByRole('link', { name: 'Toolbox' }).click();
      await page.getByRole('heading', { name: /Test Notes/ }).waitFor();
      await page.getByRole('button', { name: /Deploy… Test Notes/ }).click();
      const form = page.getByRole('form', { name: 'Deploy Test Notes' });
      await form.getByLabel('Service name').fill(`notes${suffix}`);
      await form.getByRole('button', { name: 'Deploy', exact: true }).click();
      // A required variable left empty: the API's message, nothing deployed.
      await form.getByRole('alert').waitFor();
      await form.locator('input[type=password]').fill('a-notes-password');
      await form.getByRole('button', { name: 'Deploy', exact: true }).click();
      const deployment = page.getByRole('region', { name: new RegExp(`notes${suffix}`) });
      // No reload: status messages arrive over the WebSocket.
      await deployment.getByText('deployed', { exact: true }).waitFor({ timeout: 90_000 });
      await screenshot('toolbox');
      await deployment.getByRole('button', { name: /^Remove/ }).click();
      await page.getByText('Nothing deployed yet.').waitFor({ timeout: 60_000 });
    },
  );

  it('pairs a device through the QR dialog live, then revokes it', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByText(/No devices paired/).waitFor();
    await page.getByRole('button', { name: 'Pair a device' }).click();
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    await expect
      .poll(() =>
        qr.evaluate((img) => {
          const i = img as unknown as { complete: boolean; naturalWidth: number };
          return i.complete ? i.naturalWidth : 0;
        }),
      )
      .toBeGreaterThan(100);
    const code = (await page.locator('dialog .code').textContent())!.trim();
    await screenshot('devices-pair');

    // The test acts as the mobile app: redeem the code, then pair with the bootstrap token.
    const config = await h.call('POST', '/api/v1/pair', { code }, { 'x-pairing-request': 'true' });
    expect(config.status).toBe(200);
    const paired = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { platform: 'android', model: 'Pixel Test' } },
      { authorization: `Bearer ${config.body.bootstrapToken}` },
    );
    expect(paired.status).toBe(200);
    const deviceToken = paired.body.accessToken as string;
    await page.getByText(`Paired: ${paired.body.deviceId}`).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Revoke Pixel Test' }).waitFor();
    await screenshot('devices');
    const asDevice = () =>
      h.call('GET', '/api/v1/apps', undefined, { authorization: `Bearer ${deviceToken}` });
    expect((await asDevice()).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke Pixel Test' }).click();
    await page
      .getByText(/revoked/i)
      .first()
      .waitFor();
    await eventually(
      async () => ((await asDevice()).status === 401 ? true : undefined),
      'revocation',
    );
  });

  it('the audit page shows the chain verified and the events, and the time slider goes back', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('.chain[data-intact="true"]').waitFor();
    await page.locator('table.audit-log').getByText('DeviceRevoked').waitFor();
    await page.locator('table.audit-log').getByText('DevicePaired').waitFor();
    await screenshot('audit');
    // The first events are on a later page now; the action filter finds them.
    await page.getByLabel('Action').fill('admin.created');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('table.audit-log').getByText('AdminAccountCreated').waitFor();
    // At the far right the handmade route exists; at the far left (the first event) it does not.
    const routesNow = page.getByRole('list', { name: 'Routes at that time' });
    await routesNow.getByText('/apps/handmade/').waitFor();
    const slider = page.getByRole('slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => routesNow.getByText('/apps/handmade/').count()).toBe(0);
  });

  it('the other pages render, and a chosen theme survives a reload', async () => {
    for (const [link, name] of [
      ['API keys', 'api-keys'],
      ['Webhooks', 'webhooks'],
    ] as const) {
      await page.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: link, level: 1 }).waitFor();
      await screenshot(name);
    }
    // API key: shown once, then only its prefix.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByLabel('The new API key').inputValue();
    expect(key).toMatch(/^nkz_/);
    expect((await h.call('GET', '/api/v1/apps', undefined, { 'x-api-key': key })).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(key);

    await page.getByRole('link', { name: 'Settings' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('terminal');
    await screenshot('settings');
    await page.getByLabel(/Daylight/).check();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('daylight');
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('daylight');
    expect(await page.getByLabel(/Daylight/).isChecked()).toBe(true);
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await screenshot('overview-daylight');
    expect(readFileSync(join(shots, 'overview-390x844.png')).length).toBeGreaterThan(1000);
  });
});
