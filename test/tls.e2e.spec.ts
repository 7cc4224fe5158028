import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

/** GET over HTTPS trusting only `ca`; gives the body and the certificate chain the server sent. */
function get(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
) {
  return new Promise<{ status: number; body: string; chain: X509Certificate[] }>(
    (resolve, reject) => {
      const req = request(url, { ca, method, headers, servername: 'localhost' }, (res) => {
        const chain: X509Certificate[] = [];
        let cert = (res.socket as TLSSocket).getPeerCertificate(true);
        while (cert?.raw) {
          chain.push(new X509Certificate(cert.raw));
          if (cert.issuerCertificate === cert) break;
          cert = cert.issuerCertificate;
        }
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, chain }));
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

/** The pin a phone computes (contract A §2.5), independently of the gateway's code. */
const pinOf = (cert: X509Certificate) =>
  `sha256/${createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64')}`;

describe('HTTPS', () => {
  let h: Harness | undefined;
  let dir: string;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('tls: auto serves HTTPS with a local CA, and pairing hands out the pins a phone sees', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-tls-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(file, 'server:\n  tls: auto\n');
    h = await startHarness(join(dir, 'data'), { config: file });
    expect(h.url).toMatch(/^https:\/\//);
    const ca = readFileSync(h.gateway.tls!.caFile!, 'utf8');
    const url = h.url.replace('127.0.0.1', 'localhost');

    const health = await get(`${url}/livez`, ca);
    expect(health.status).toBe(200);
    const qr = JSON.parse((await get(`${url}/api/v1/auth/qr`, ca)).body);
    expect(qr.qr.u).toMatch(/^https:\/\//);
    const config = await get(
      `${url}/api/v1/pair`,
      ca,
      { 'x-pairing-request': 'true', 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ code: qr.code }),
    );
    const pins: string[] = JSON.parse(config.body).spkiPins;
    // The leaf the phone connects to and its CA are both pinned; the CA pin outlives leaf renewals.
    const [leaf] = health.chain;
    expect(pins[0]).toBe(pinOf(leaf!));
    const caPin = pinOf(new X509Certificate(ca));
    expect(pins).toContain(caPin);

    // A restart keeps the CA, so a phone's pins stay valid.
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, { config: file });
    expect(h.gateway.tls!.spkiPins).toEqual(pins);
  });
});
