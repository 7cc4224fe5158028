import { describe, expect, it } from 'vitest';
import {
  addDays,
  caCertificateNeedsRenewal,
  LEAF_LIFETIME_DAYS,
  leafRenewalReason,
  type LeafFacts,
} from './renewal';

const issuedAt = new Date('2026-03-01T12:00:00Z');
const wanted = ['gateway', 'localhost', '192.168.1.20', '127.0.0.1', '::1'];
const goodLeaf: LeafFacts = {
  notAfter: addDays(issuedAt, LEAF_LIFETIME_DAYS),
  names: wanted,
  issuedByCa: true,
  matchesKey: true,
};

describe('when the server certificate is issued again', () => {
  it('given no certificate, when loading, then it is issued', () => {
    expect(leafRenewalReason(undefined, wanted, issuedAt)).toBe('missing');
  });

  it('given a fresh certificate for every wanted name, when loading, then it is kept', () => {
    expect(leafRenewalReason(goodLeaf, wanted, issuedAt)).toBeUndefined();
  });

  it('given a certificate for more names than wanted, when loading, then it is kept', () => {
    expect(leafRenewalReason(goodLeaf, ['localhost'], issuedAt)).toBeUndefined();
  });

  it('given a certificate with 31 days left, when loading, then it is kept', () => {
    expect(leafRenewalReason(goodLeaf, wanted, addDays(goodLeaf.notAfter, -31))).toBeUndefined();
  });

  it('given a certificate with 29 days left, when loading, then it is issued again', () => {
    expect(leafRenewalReason(goodLeaf, wanted, addDays(goodLeaf.notAfter, -29))).toBe('expiring');
  });

  it('given an expired certificate, when loading, then it is issued again', () => {
    expect(leafRenewalReason(goodLeaf, wanted, addDays(goodLeaf.notAfter, 1))).toBe('expiring');
  });

  it('given a new LAN address, when loading, then it is issued again', () => {
    expect(leafRenewalReason(goodLeaf, [...wanted, '10.0.0.7'], issuedAt)).toBe('names');
  });

  it('given a certificate another CA signed, when loading, then it is issued again', () => {
    expect(leafRenewalReason({ ...goodLeaf, issuedByCa: false }, wanted, issuedAt)).toBe(
      'other-ca',
    );
  });

  it('given a certificate for another key, when loading, then it is issued again', () => {
    expect(leafRenewalReason({ ...goodLeaf, matchesKey: false }, wanted, issuedAt)).toBe(
      'other-key',
    );
  });
});

describe('when the CA certificate is issued again', () => {
  const caNotAfter = new Date('2036-03-01T12:00:00Z');

  it('is kept while a whole leaf lifetime and the renewal margin fit before it expires', () => {
    expect(caCertificateNeedsRenewal(caNotAfter, addDays(caNotAfter, -500))).toBe(false);
  });

  it('is issued again (same key) before a leaf could outlive it', () => {
    expect(caCertificateNeedsRenewal(caNotAfter, addDays(caNotAfter, -400))).toBe(true);
  });
});
