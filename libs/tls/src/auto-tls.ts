import { X509Certificate, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  generateP256Key,
  issueCaCertificate,
  issueLeafCertificate,
  parseP256Key,
} from './certificate-issuer';
import { subjectAltNames } from './names';
import { ensurePrivateDir, readPrivateFile, writePrivateFile } from './private-files';
import { caCertificateNeedsRenewal, leafRenewalReason, type LeafFacts } from './renewal';
import { spkiPinOfCertificate } from './spki-pin';
import { TlsConfigError } from './tls-config-error';
import { type TlsMaterial } from './tls-material';

/** The files of `<dataDir>/tls/`. */
export function autoTlsPaths(dataDir: string) {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    caKey: join(dir, 'ca.key.pem'),
    caCert: join(dir, 'ca.cert.pem'),
    leafKey: join(dir, 'server.key.pem'),
    leafCert: join(dir, 'server.cert.pem'),
  };
}
type AutoTlsPaths = ReturnType<typeof autoTlsPaths>;

interface Issued {
  readonly key: KeyObject;
  readonly keyPem: string;
  readonly certPem: string;
  readonly certificate: X509Certificate;
}

/**
 * A local CA kept for good (apps pin its key) and a server certificate it signs, issued again
 * with the same key whenever it nears expiry or misses one of `names`.
 */
export async function loadAutoTls(
  dataDir: string,
  names: readonly string[],
  now: Date,
): Promise<TlsMaterial> {
  const paths = autoTlsPaths(dataDir);
  await ensurePrivateDir(paths.dir);
  const ca = await ensureCa(paths, now);
  const leaf = await ensureLeaf(paths, ca, names, now);
  return {
    key: leaf.keyPem,
    cert: leaf.certPem + ca.certPem,
    ca: ca.certPem,
    spkiPins: [
      ...new Set([spkiPinOfCertificate(leaf.certificate), spkiPinOfCertificate(ca.certificate)]),
    ],
    source: 'auto',
    notAfter: new Date(leaf.certificate.validTo),
    names: subjectAltNames(leaf.certificate.subjectAltName),
    caFile: paths.caCert,
  };
}

async function ensureCa(paths: AutoTlsPaths, now: Date): Promise<Issued> {
  let keyPem = await readPrivateFile(paths.caKey);
  if (keyPem === undefined) {
    keyPem = await generateP256Key();
    await writePrivateFile(paths.caKey, keyPem);
  }
  const key = parseP256Key(keyPem);
  if (key === undefined) {
    // Never replaced silently: apps that pinned this CA would stop trusting the gateway.
    throw new TlsConfigError(
      `server.tls: ${paths.caKey} is not an ECDSA P-256 private key, so the local CA cannot sign; restore it from a backup, or delete ${paths.dir} to create a new CA (paired apps must then pair again)`,
    );
  }

  const current = parseCertificate(await readPrivateFile(paths.caCert));
  if (
    current !== undefined &&
    current.certificate.ca &&
    current.certificate.checkPrivateKey(key) &&
    !caCertificateNeedsRenewal(new Date(current.certificate.validTo), now)
  ) {
    return { key, keyPem, ...current };
  }
  const certPem = await issueCaCertificate(key, `Nekzus local CA (${hostname()})`, now);
  await writePrivateFile(paths.caCert, certPem);
  return { key, keyPem, certPem, certificate: new X509Certificate(certPem) };
}

async function ensureLeaf(
  paths: AutoTlsPaths,
  ca: Issued,
  names: readonly string[],
  now: Date,
): Promise<Issued> {
  let keyPem = await readPrivateFile(paths.leafKey);
  let key = keyPem === undefined ? undefined : parseP256Key(keyPem);
  if (keyPem === undefined || key === undefined) {
    // Unlike the CA's, a lost or damaged leaf key is replaced: the CA pin still holds.
    keyPem = await generateP256Key();
    key = parseP256Key(keyPem);
    if (key === undefined) throw new Error('a generated P-256 key did not parse back');
    await writePrivateFile(paths.leafKey, keyPem);
  }

  const current = parseCertificate(await readPrivateFile(paths.leafCert));
  const facts = current && leafFacts(current.certificate, ca, key);
  if (current !== undefined && leafRenewalReason(facts, names, now) === undefined) {
    return { key, keyPem, ...current };
  }
  const certPem = await issueLeafCertificate({
    caKey: ca.key,
    caCertPem: ca.certPem,
    leafKey: key,
    names,
    now,
  });
  await writePrivateFile(paths.leafCert, certPem);
  return { key, keyPem, certPem, certificate: new X509Certificate(certPem) };
}

function leafFacts(certificate: X509Certificate, ca: Issued, key: KeyObject): LeafFacts {
  return {
    notAfter: new Date(certificate.validTo),
    names: subjectAltNames(certificate.subjectAltName),
    issuedByCa:
      certificate.checkIssued(ca.certificate) && certificate.verify(ca.certificate.publicKey),
    matchesKey: certificate.checkPrivateKey(key),
  };
}

/** A certificate file of ours that does not parse is as good as missing: it is issued again. */
function parseCertificate(
  pem: string | undefined,
): { certPem: string; certificate: X509Certificate } | undefined {
  if (pem === undefined) return undefined;
  try {
    return { certPem: pem, certificate: new X509Certificate(pem) };
  } catch {
    return undefined;
  }
}
