import { createHash, X509Certificate } from 'node:crypto';

/** The pin a mobile app keeps for a public key: SHA-256 of the DER SubjectPublicKeyInfo. */
export function spkiPinOfDer(spkiDer: Uint8Array): string {
  return `sha256/${createHash('sha256').update(spkiDer).digest('base64')}`;
}

export function spkiPinOfCertificate(certificate: X509Certificate): string {
  return spkiPinOfDer(certificate.publicKey.export({ type: 'spki', format: 'der' }));
}

/** The SPKI pin of a PEM certificate (of the first one, when given a chain). */
export function spkiPinOf(certPem: string): string {
  return spkiPinOfCertificate(new X509Certificate(certPem));
}
