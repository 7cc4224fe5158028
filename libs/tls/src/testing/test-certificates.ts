import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** A certificate and its key as an operator would hold them, made without the code under test. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly certificate: x509.X509Certificate;
}

export interface TestCertificateOptions {
  readonly commonName: string;
  /** Signs with this CA; self-signed without it. */
  readonly issuer?: TestCertificate;
  readonly isCa?: boolean;
  readonly names?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly algorithm?: 'ec' | 'rsa';
}

const DAY_MS = 86_400_000;

export async function testCertificate(options: TestCertificateOptions): Promise<TestCertificate> {
  const algorithm =
    options.algorithm === 'rsa'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
        }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa ?? false, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.names !== undefined) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.names.map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value })),
      ),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.commonName}`,
    issuer: options.issuer?.certificate.subject ?? `CN=${options.commonName}`,
    publicKey: keys.publicKey,
    signingKey: options.issuer?.keys.privateKey ?? keys.privateKey,
    signingAlgorithm: options.issuer?.keys.privateKey.algorithm ?? algorithm,
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + 90 * DAY_MS),
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certPem: certificate.toString('pem') + '\n',
    keyPem: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    keys,
    certificate,
  };
}
