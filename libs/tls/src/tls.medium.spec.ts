import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loadTlsMaterial,
  localNames,
  spkiPinOf,
  TlsConfigError,
  tlsServerOptions,
  type TlsMaterial,
  type TlsSettings,
} from '#libs/tls';
import { testCertificate, type TestCertificate } from './testing/test-certificates';

const DAY_MS = 86_400_000;
const NAMES = ['gateway.test', 'localhost', '127.0.0.1', '::1'];

/**
 * A pin computed from the certificate the TLS client received, as a phone app does. (The peer's
 * `pubkey` is not the SPKI for every key type: for EC keys node gives the bare curve point.)
 */
const pinOfPeer = (peer: { raw: Buffer }) => {
  const spki = new X509Certificate(peer.raw).publicKey.export({ type: 'spki', format: 'der' });
  return 'sha256/' + createHash('sha256').update(spki).digest('base64');
};

let servers: https.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.map(async (server) => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }),
  );
  servers = [];
});

async function serve(options: https.ServerOptions): Promise<number> {
  const server = https.createServer(options, (_request, response) => response.end('hello'));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

interface Answer {
  status: number | undefined;
  body: string;
  protocol: string | null;
  peer: DetailedPeerCertificate;
}

function get(port: number, options: https.RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: '127.0.0.1', port, servername: 'localhost', agent: false, ...options },
      (response) => {
        const socket = response.socket as TLSSocket;
        const answer = { peer: socket.getPeerCertificate(true), protocol: socket.getProtocol() };
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body, ...answer }));
      },
    );
    request.on('error', reject);
  });
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('server.tls: auto', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nekzus-tls-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const auto = (names: string[] | 'local names' = NAMES): TlsSettings => ({
    mode: 'auto',
    certFile: '',
    keyFile: '',
    dataDir,
    names: names === 'local names' ? undefined : names,
  });
  const load = async (settings: TlsSettings, now?: Date): Promise<TlsMaterial> => {
    const material = await loadTlsMaterial(settings, now);
    if (material === undefined) throw new Error('expected TLS material');
    return material;
  };

  it('serves HTTPS that a client trusting only the generated CA accepts, pinned by leaf and CA', async () => {
    const material = await load(auto());
    const port = await serve(tlsServerOptions(material));

    const answer = await get(port, { ca: material.ca });

    expect(answer).toMatchObject({ status: 200, body: 'hello' });
    expect(material.spkiPins).toEqual([
      pinOfPeer(answer.peer),
      pinOfPeer(answer.peer.issuerCertificate),
    ]);
    expect(answer.peer.issuerCertificate.subject.CN).toMatch(/^Nekzus local CA \(.+\)$/);
    expect(material).toMatchObject({ source: 'auto', caFile: join(dataDir, 'tls', 'ca.cert.pem') });
    expect(await readFile(material.caFile!, 'utf8')).toBe(material.ca);
    expect(material.names).toEqual(NAMES);
  });

  it('is not trusted by a client that does not trust the generated CA', async () => {
    const material = await load(auto());
    const port = await serve(tlsServerOptions(material));

    await expect(get(port, {})).rejects.toThrow(/certificate/);
  });

  it('passes the check of a client that asks for 127.0.0.1 rather than a name', async () => {
    const material = await load(auto());
    const port = await serve(tlsServerOptions(material));

    await expect(get(port, { ca: material.ca, servername: undefined })).resolves.toMatchObject({
      status: 200,
    });
  });

  it('refuses TLS 1.1, even where node itself would allow it', async () => {
    const material = await load(auto());
    const legacyClient = {
      ca: material.ca,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    } as const;
    const nodeDefault = tls.DEFAULT_MIN_VERSION;
    tls.DEFAULT_MIN_VERSION = 'TLSv1'; // as `node --tls-min-v1.0` does
    try {
      const { key, cert } = tlsServerOptions(material);
      // the same client reaches a server without the gateway's minimum, so the refusal is its doing
      const lenientPort = await serve({ key, cert, ciphers: 'DEFAULT@SECLEVEL=0' });
      await expect(get(lenientPort, legacyClient)).resolves.toMatchObject({
        status: 200,
        protocol: 'TLSv1.1',
      });
      const port = await serve({ ...tlsServerOptions(material), ciphers: 'DEFAULT@SECLEVEL=0' });

      await expect(get(port, legacyClient)).rejects.toThrow(/protocol version/);
    } finally {
      tls.DEFAULT_MIN_VERSION = nodeDefault;
    }
  });

  it('keeps the CA and the server certificate from one start to the next', async () => {
    const first = await load(auto());

    const second = await load(auto());

    expect(second).toEqual(first);
  });

  it('issues the server certificate again near its expiry, with the same CA and key', async () => {
    const issuedAt = new Date();
    const first = await load(auto(), issuedAt);
    const later = new Date(issuedAt.getTime() + 380 * DAY_MS);

    const renewed = await load(auto(), later);

    expect(renewed.cert).not.toBe(first.cert);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(later.getTime() + 390 * DAY_MS);
    expect(renewed.ca).toBe(first.ca);
    expect(renewed.key).toBe(first.key);
    expect(renewed.spkiPins).toEqual(first.spkiPins);
    const leaf = new X509Certificate(renewed.cert);
    const ca = new X509Certificate(renewed.ca!);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
  });

  it('keeps the server certificate while more than 30 days are left', async () => {
    const issuedAt = new Date();
    const first = await load(auto(), issuedAt);

    const later = await load(auto(), new Date(issuedAt.getTime() + 360 * DAY_MS));

    expect(later.cert).toBe(first.cert);
  });

  it('issues the server certificate again when it must cover a new address', async () => {
    const first = await load(auto());

    const second = await load(auto([...NAMES, '192.0.2.44']));

    expect(second.cert).not.toBe(first.cert);
    expect(second.names).toContain('192.0.2.44');
    expect(second.spkiPins).toEqual(first.spkiPins);
    expect(new X509Certificate(second.cert).checkIP('192.0.2.44')).toBe('192.0.2.44');
  });

  it('covers the local names when none are given', async () => {
    const material = await load(auto('local names'));

    expect(material.names).toEqual(expect.arrayContaining(localNames()));
  });

  it('keeps its keys in a directory and files only this user can read', async () => {
    const tlsDir = join(dataDir, 'tls');
    await mkdir(tlsDir, { mode: 0o755 });

    await load(auto());

    expect(await modeOf(tlsDir)).toBe(0o700);
    const files = (await readdir(tlsDir)).sort();
    expect(files).toEqual(['ca.cert.pem', 'ca.key.pem', 'server.cert.pem', 'server.key.pem']);
    for (const file of files) expect(await modeOf(join(tlsDir, file))).toBe(0o600);
  });

  it('issues a lost CA certificate again with the same key, so the CA pin holds', async () => {
    const first = await load(auto());
    await rm(join(dataDir, 'tls', 'ca.cert.pem'));

    const second = await load(auto());

    expect(second.spkiPins).toEqual(first.spkiPins);
    const port = await serve(tlsServerOptions(second));
    await expect(get(port, { ca: second.ca })).resolves.toMatchObject({ status: 200 });
  });

  it('refuses a damaged CA key rather than replacing it, as apps pinned the CA', async () => {
    await load(auto());
    const caKey = join(dataDir, 'tls', 'ca.key.pem');
    await writeFile(caKey, 'garbage');

    const loading = load(auto());

    await expect(loading).rejects.toThrow(TlsConfigError);
    await expect(loading).rejects.toThrow(`${caKey} is not an ECDSA P-256 private key`);
    expect(await readFile(caKey, 'utf8')).toBe('garbage');
  });

  it('replaces a damaged server key and certificate, keeping the CA', async () => {
    const first = await load(auto());
    await writeFile(join(dataDir, 'tls', 'server.key.pem'), 'garbage');

    const second = await load(auto());

    expect(second.spkiPins[1]).toBe(first.spkiPins[1]);
    expect(second.spkiPins[0]).not.toBe(first.spkiPins[0]);
    const port = await serve(tlsServerOptions(second));
    await expect(get(port, { ca: second.ca })).resolves.toMatchObject({ status: 200 });
  });

  it('serves plain HTTP when off, even with certificate files set', async () => {
    const settings = { ...auto(), mode: 'off' as const, certFile: '/c.pem', keyFile: '/k.pem' };

    expect(await loadTlsMaterial(settings)).toBeUndefined();
    expect(existsSync(join(dataDir, 'tls'))).toBe(false);
  });

  it('serves plain HTTP when server.tls is absent and no file is set', async () => {
    expect(await loadTlsMaterial({ ...auto(), mode: undefined })).toBeUndefined();
  });
});

describe('server.tls_cert and server.tls_key', () => {
  let ca: TestCertificate;
  let leaf: TestCertificate;
  let dir: string;
  let certFile: string;
  let keyFile: string;
  beforeAll(async () => {
    ca = await testCertificate({ commonName: 'Operator CA', isCa: true });
    leaf = await testCertificate({
      commonName: 'gateway.home.test',
      issuer: ca,
      names: ['gateway.home.test', 'localhost', '127.0.0.1'],
    });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nekzus-tls-files-'));
    certFile = join(dir, 'cert.pem');
    keyFile = join(dir, 'key.pem');
    await writeFile(certFile, leaf.certPem + ca.certPem);
    await writeFile(keyFile, leaf.keyPem);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = (): TlsSettings => ({ mode: undefined, certFile, keyFile, dataDir: dir });

  it('serves the certificate and chain of the files, pinned by each certificate', async () => {
    const material = await loadTlsMaterial(files());

    expect(material).toMatchObject({
      source: 'files',
      spkiPins: [spkiPinOf(leaf.certPem), spkiPinOf(ca.certPem)],
      names: ['gateway.home.test', 'localhost', '127.0.0.1'],
      notAfter: leaf.certificate.notAfter,
    });
    expect(material?.ca).toBeUndefined();
    const port = await serve(tlsServerOptions(material!));
    const answer = await get(port, { ca: ca.certPem });
    expect(answer.status).toBe(200);
    expect(pinOfPeer(answer.peer)).toBe(material?.spkiPins[0]);
  });

  it('uses the files rather than generating a certificate in auto mode', async () => {
    const material = await loadTlsMaterial({ ...files(), mode: 'auto' });

    expect(material?.source).toBe('files');
    expect(existsSync(join(dir, 'tls'))).toBe(false);
  });

  it('lists each pin once when the file repeats a certificate', async () => {
    await writeFile(certFile, leaf.certPem + ca.certPem + ca.certPem);

    const material = await loadTlsMaterial(files());

    expect(material?.spkiPins).toEqual([spkiPinOf(leaf.certPem), spkiPinOf(ca.certPem)]);
  });

  it('serves an RSA certificate too', async () => {
    const rsa = await testCertificate({
      commonName: 'localhost',
      names: ['localhost'],
      algorithm: 'rsa',
    });
    await writeFile(certFile, rsa.certPem);
    await writeFile(keyFile, rsa.keyPem);

    const material = await loadTlsMaterial(files());

    const port = await serve(tlsServerOptions(material!));
    await expect(get(port, { ca: rsa.certPem })).resolves.toMatchObject({ status: 200 });
  });

  const refusals: [string, () => Promise<Partial<TlsSettings>>, string | RegExp][] = [
    [
      'a certificate without its key',
      async () => ({ keyFile: '' }),
      'server.tls_cert is set but server.tls_key is not',
    ],
    [
      'a key without its certificate',
      async () => ({ certFile: '' }),
      'server.tls_key is set but server.tls_cert is not',
    ],
    [
      'a missing certificate file',
      async () => ({ certFile: join(dir, 'nope.pem') }),
      /^server\.tls_cert: \S+nope\.pem does not exist$/,
    ],
    [
      'a missing key file',
      async () => ({ keyFile: join(dir, 'nope.key') }),
      /^server\.tls_key: \S+nope\.key does not exist$/,
    ],
    [
      'a key path that is a directory',
      async () => ({ keyFile: dir }),
      /^server\.tls_key: \S+ cannot be read: it is a directory, not a file$/,
    ],
    [
      'a certificate file that is not PEM',
      async () => {
        await writeFile(certFile, 'hello');
        return {};
      },
      /^server\.tls_cert: .*cert\.pem is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----", found no PEM block at all$/,
    ],
    [
      'certificate and key swapped',
      async () => ({ certFile: keyFile, keyFile: certFile }),
      'key.pem is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----", found only PRIVATE KEY (are tls_cert and tls_key swapped?)',
    ],
    [
      'a certificate block that is not a certificate',
      async () => {
        await writeFile(
          certFile,
          '-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n',
        );
        return {};
      },
      /certificate 1 in .*cert\.pem is not a valid X\.509 certificate/,
    ],
    [
      'a key file that holds no key',
      async () => {
        await writeFile(keyFile, ca.certPem);
        return {};
      },
      /^server\.tls_key: .*key\.pem is not a usable private key: expected a PEM private key .*, found CERTIFICATE$/,
    ],
    [
      'a key encrypted with a passphrase',
      async () => {
        const encrypted = createPrivateKey(leaf.keyPem).export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'secret',
        });
        await writeFile(keyFile, encrypted);
        return {};
      },
      'it is encrypted with a passphrase, which is not supported',
    ],
    [
      'a key that belongs to another certificate',
      async () => {
        await writeFile(keyFile, ca.keyPem);
        return {};
      },
      /^server\.tls_key: the private key in .*key\.pem does not belong to the certificate in .*cert\.pem/,
    ],
    [
      'an expired certificate',
      async () => {
        const expired = await testCertificate({
          commonName: 'localhost',
          notBefore: new Date('2024-01-01T00:00:00Z'),
          notAfter: new Date('2025-01-01T00:00:00Z'),
        });
        await writeFile(certFile, expired.certPem);
        await writeFile(keyFile, expired.keyPem);
        return {};
      },
      /^server\.tls_cert: the certificate in .*cert\.pem expired on 2025-01-01T00:00:00\.000Z$/,
    ],
    [
      'a certificate not valid yet',
      async () => {
        const early = await testCertificate({
          commonName: 'localhost',
          notBefore: new Date(Date.now() + 10 * DAY_MS),
        });
        await writeFile(certFile, early.certPem);
        await writeFile(keyFile, early.keyPem);
        return {};
      },
      /^server\.tls_cert: the certificate in .*cert\.pem is not valid before /,
    ],
  ];

  it.each(refusals)('refuses %s, saying so', async (_case, arrange, message) => {
    const settings = { ...files(), ...(await arrange()) };

    const loading = loadTlsMaterial(settings);

    await expect(loading).rejects.toThrow(TlsConfigError);
    await expect(loading).rejects.toThrow(message);
  });
});
