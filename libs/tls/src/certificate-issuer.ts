import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { isIpAddress } from './names';
import { addDays, CA_LIFETIME_DAYS, LEAF_LIFETIME_DAYS } from './renewal';

x509.cryptoProvider.set(webcrypto);

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Certificates start an hour back, for a phone whose clock runs a little behind. */
const BACKDATE_MS = 3_600_000;

/** A new ECDSA P-256 private key as PKCS#8 PEM. */
export async function generateP256Key(): Promise<string> {
  const pair = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', pair.privateKey);
  return toPem(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
}

/** The key parsed, when it is an ECDSA P-256 private key; `undefined` otherwise. */
export function parseP256Key(pem: string): KeyObject | undefined {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? key
      : undefined;
  } catch {
    return undefined;
  }
}

/** A self-signed CA certificate for `caKey`; issuing it again with the same key keeps its pin. */
export async function issueCaCertificate(
  caKey: KeyObject,
  commonName: string,
  now: Date,
): Promise<string> {
  const publicKey = spkiDer(caKey);
  const name = [{ CN: [commonName] }];
  const certificate = await x509.X509CertificateGenerator.create({
    subject: name,
    issuer: name,
    publicKey,
    signingKey: await signingKey(caKey),
    signingAlgorithm: ECDSA_SHA256,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: addDays(now, CA_LIFETIME_DAYS),
    extensions: [
      // pathLength 0: this CA signs server certificates, never another CA
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return certificate.toString('pem') + '\n';
}

export interface LeafRequest {
  readonly caKey: KeyObject;
  readonly caCertPem: string;
  readonly leafKey: KeyObject;
  /** Canonical DNS names and IP addresses, the first DNS name becoming the subject's CN. */
  readonly names: readonly string[];
  readonly now: Date;
}

/** A server certificate for `names`, signed by the CA. */
export async function issueLeafCertificate(request: LeafRequest): Promise<string> {
  const { caKey, leafKey, names, now } = request;
  const ca = new x509.X509Certificate(request.caCertPem);
  const caKeyId =
    ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
    (await x509.SubjectKeyIdentifierExtension.create(spkiDer(caKey))).keyId;
  const publicKey = spkiDer(leafKey);
  const commonName = names.find((name) => !isIpAddress(name)) ?? names[0] ?? 'localhost';
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [commonName] }],
    issuer: ca.subjectName,
    publicKey,
    signingKey: await signingKey(caKey),
    signingAlgorithm: ECDSA_SHA256,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: addDays(now, LEAF_LIFETIME_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: isIpAddress(value) ? 'ip' : 'dns', value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      new x509.AuthorityKeyIdentifierExtension(caKeyId),
    ],
  });
  return certificate.toString('pem') + '\n';
}

export function toPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function spkiDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

async function signingKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, P256, false, ['sign']);
}
