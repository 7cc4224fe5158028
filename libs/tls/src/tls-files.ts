import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { subjectAltNames } from './names';
import { certificateBlocks, pemLabels } from './pem';
import { describeFsError, fsCode } from './private-files';
import { spkiPinOfCertificate } from './spki-pin';
import { TlsConfigError } from './tls-config-error';
import { type TlsMaterial } from './tls-material';

/** Serves the operator's own certificate files, after checking what a TLS handshake would trip on. */
export async function loadTlsFiles(
  certFile: string,
  keyFile: string,
  now: Date,
): Promise<TlsMaterial> {
  const chain = parseCertificates(await readTlsFile(certFile, 'tls_cert'), certFile);
  const key = parsePrivateKey(await readTlsFile(keyFile, 'tls_key'), keyFile);
  const leaf = chain[0];
  if (leaf === undefined) throw new TlsConfigError(`server.tls_cert: ${certFile} is empty`);

  if (!leaf.checkPrivateKey(key)) {
    throw new TlsConfigError(
      `server.tls_key: the private key in ${keyFile} does not belong to the certificate in ${certFile} (the first certificate of the file must be the server's own)`,
    );
  }
  const notBefore = certificateDate(leaf.validFrom);
  const notAfter = certificateDate(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new TlsConfigError(
      `server.tls_cert: the certificate in ${certFile} expired on ${notAfter.toISOString()}`,
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new TlsConfigError(
      `server.tls_cert: the certificate in ${certFile} is not valid before ${notBefore.toISOString()}`,
    );
  }

  return {
    key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: chain.map((certificate) => certificate.toString()).join(''),
    spkiPins: [...new Set(chain.map(spkiPinOfCertificate))],
    source: 'files',
    notAfter,
    names: subjectAltNames(leaf.subjectAltName),
  };
}

/** PKCS#8 and legacy OpenSSL encrypted keys; node's error for them varies between versions. */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

async function readTlsFile(path: string, setting: 'tls_cert' | 'tls_key'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const why =
      fsCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read: ${describeFsError(error)}`;
    throw new TlsConfigError(`server.${setting}: ${path} ${why}`);
  }
}

function parseCertificates(text: string, certFile: string): X509Certificate[] {
  const blocks = certificateBlocks(text);
  if (blocks.length === 0) {
    const labels = pemLabels(text);
    const found = labels.length === 0 ? 'no PEM block at all' : `only ${labels.join(', ')}`;
    const hint = labels.some((label) => label.endsWith('PRIVATE KEY'))
      ? ' (are tls_cert and tls_key swapped?)'
      : '';
    throw new TlsConfigError(
      `server.tls_cert: ${certFile} is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----", found ${found}${hint}`,
    );
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new TlsConfigError(
        `server.tls_cert: certificate ${index + 1} in ${certFile} is not a valid X.509 certificate (${(error as Error).message})`,
      );
    }
  });
}

function parsePrivateKey(text: string, keyFile: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    const why = ENCRYPTED_KEY.test(text)
      ? 'it is encrypted with a passphrase, which is not supported: decrypt it first (openssl pkey -in key.pem -out key-plain.pem)'
      : `expected a PEM private key ("-----BEGIN PRIVATE KEY-----" or similar)${describeLabels(text)}`;
    throw new TlsConfigError(`server.tls_key: ${keyFile} is not a usable private key: ${why}`);
  }
}

function describeLabels(text: string): string {
  const labels = pemLabels(text);
  return labels.length === 0 ? ', found no PEM block' : `, found ${labels.join(', ')}`;
}

/** node:crypto prints validity dates as "Nov 25 17:08:45 2027 GMT". */
function certificateDate(text: string): Date {
  return new Date(text);
}
