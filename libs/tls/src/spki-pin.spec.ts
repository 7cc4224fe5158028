import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { spkiPinOf } from './spki-pin';
import { testCertificate, type TestCertificate } from './testing/test-certificates';

/** The pin as a mobile app computes it, written out independently of the code under test. */
function independentPin(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return 'sha256/' + createHash('sha256').update(spki).digest('base64');
}

describe('spkiPinOf', () => {
  let ca: TestCertificate;
  let leaf: TestCertificate;
  beforeAll(async () => {
    ca = await testCertificate({ commonName: 'Pin CA', isCa: true });
    leaf = await testCertificate({ commonName: 'pinned.test', issuer: ca, names: ['pinned.test'] });
  });

  it('is "sha256/" and the padded base64 SHA-256 of the DER SubjectPublicKeyInfo', () => {
    const pin = spkiPinOf(leaf.certPem);

    expect(pin).toBe(independentPin(leaf.certPem));
    expect(pin).toMatch(/^sha256\/[A-Za-z0-9+/]{43}=$/);
  });

  it('differs between certificates with different keys', () => {
    expect(spkiPinOf(leaf.certPem)).not.toBe(spkiPinOf(ca.certPem));
  });

  it('pins the first certificate of a chain', () => {
    expect(spkiPinOf(leaf.certPem + ca.certPem)).toBe(independentPin(leaf.certPem));
  });
});
