import { describe, expect, it } from 'vitest';
import { canonicalName, canonicalNames, subjectAltNames } from './names';

describe('canonicalName', () => {
  it.each([
    ['Gateway.LAN', 'gateway.lan'],
    ['gateway.lan.', 'gateway.lan'],
    ['my_host', 'my_host'],
    ['192.168.1.20', '192.168.1.20'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FE80:0:0:0:0:0:1:2', 'fe80::1:2'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('writes %s as %s', (name, expected) => {
    expect(canonicalName(name)).toBe(expected);
  });

  it.each(['', 'two words', 'bad..dots', '-leading.dash', 'ünïcode'])(
    'refuses %j, which is neither a DNS name nor an IP address',
    (name) => {
      expect(canonicalName(name)).toBeUndefined();
    },
  );
});

describe('canonicalNames', () => {
  it('keeps the first of names that are the same once canonical, and reports the unusable', () => {
    const rejected: string[] = [];

    const names = canonicalNames(['Host', 'host', '::1', '0:0:0:0:0:0:0:1', 'x y'], (name) =>
      rejected.push(name),
    );

    expect(names).toEqual(['host', '::1']);
    expect(rejected).toEqual(['x y']);
  });
});

describe('subjectAltNames', () => {
  it('reads DNS names and IP addresses as node:crypto prints them', () => {
    const printed =
      'DNS:Gateway.lan, IP Address:192.168.1.20, IP Address:0:0:0:0:0:0:0:1, email:a@b.test, URI:https://x.test';

    expect(subjectAltNames(printed)).toEqual(['gateway.lan', '192.168.1.20', '::1']);
  });

  it('is empty for a certificate without subjectAltName', () => {
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});
