import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressMatcher, canonicalIp, normalizeIp, rateLimitKeyOf } from './address-matcher';

describe('address matcher', () => {
  const lan = new AddressMatcher(['10.0.0.0/8', '172.16.0.0/12', '192.168.1.5', 'fc00::/7', '::1']);

  it('matches IPv4 addresses inside the ranges and nothing next to them', () => {
    expect(lan.matches('10.0.0.0')).toBe(true);
    expect(lan.matches('10.255.255.255')).toBe(true);
    expect(lan.matches('11.0.0.0')).toBe(false);
    expect(lan.matches('172.31.0.1')).toBe(true);
    expect(lan.matches('172.32.0.1')).toBe(false);
    expect(lan.matches('192.168.1.5')).toBe(true);
    expect(lan.matches('192.168.1.6')).toBe(false);
  });

  it('matches IPv6 addresses inside the ranges, in any spelling', () => {
    expect(lan.matches('fd12:3456::1')).toBe(true);
    expect(lan.matches('FC00::')).toBe(true);
    expect(lan.matches('fe00::1')).toBe(false);
    expect(lan.matches('::1')).toBe(true);
    expect(lan.matches('0:0:0:0:0:0:0:1')).toBe(true);
    expect(lan.matches('::2')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    expect(lan.matches('::ffff:192.168.1.5')).toBe(true);
    expect(lan.matches('::FFFF:10.1.2.3')).toBe(true);
    expect(lan.matches('::ffff:c0a8:105')).toBe(true);
    expect(lan.matches('0:0:0:0:0:ffff:10.9.9.9')).toBe(true);
    expect(lan.matches('::ffff:192.168.1.6')).toBe(false);
    expect(lan.matches('::ffff:8.8.8.8')).toBe(false);

    const mappedRange = new AddressMatcher(['::ffff:192.168.0.0/112']);
    expect(mappedRange.matches('192.168.44.1')).toBe(true);
    expect(mappedRange.matches('::ffff:192.168.44.1')).toBe(true);
    expect(mappedRange.matches('192.169.0.1')).toBe(false);
  });

  it('lets an IPv6 range that covers the mapped space cover every IPv4 address', () => {
    const everyone = new AddressMatcher(['::/0']);
    expect(everyone.matches('8.8.8.8')).toBe(true);
    expect(everyone.matches('2001:db8::1')).toBe(true);
    expect(new AddressMatcher(['fc00::/7']).matches('8.8.8.8')).toBe(false);
    expect(new AddressMatcher(['0.0.0.0/0']).matches('2001:db8::1')).toBe(false);
  });

  it('handles prefix lengths that do not fall on a word boundary', () => {
    const m = new AddressMatcher(['2001:db8:abcd:12f0::/60', '100.64.0.0/10']);
    expect(m.matches('2001:db8:abcd:12ff:ffff::1')).toBe(true);
    expect(m.matches('2001:db8:abcd:1300::1')).toBe(false);
    expect(m.matches('100.127.255.255')).toBe(true);
    expect(m.matches('100.128.0.0')).toBe(false);
  });

  it('masks host bits written into a range and ignores zones', () => {
    expect(new AddressMatcher(['10.1.2.3/8']).matches('10.200.0.1')).toBe(true);
    expect(new AddressMatcher(['fe80::/10']).matches('fe80::1%eth0')).toBe(true);
  });

  it('matches nothing when empty, and never text that is not an address', () => {
    expect(new AddressMatcher([]).matches('127.0.0.1')).toBe(false);
    expect(new AddressMatcher(['0.0.0.0/0']).matches('not-an-ip')).toBe(false);
    expect(new AddressMatcher(['0.0.0.0/0']).matches('')).toBe(false);
  });

  it('agrees with node:net BlockList on random ranges and addresses', () => {
    let seed = 42;
    const random = (bits: number): bigint => {
      let value = 0n;
      for (let i = 0; i < bits; i++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        value = (value << 1n) | BigInt((seed >> 16) & 1);
      }
      return value;
    };
    const format = (value: bigint, family: 4 | 6) =>
      family === 4
        ? [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 255n).join('.')
        : [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n]
            .map((shift) => ((value >> shift) & 0xffffn).toString(16))
            .join(':');
    const seen = { inside: 0, outside: 0 };
    for (let round = 0; round < 300; round++) {
      const family = round % 2 === 0 ? 4 : 6;
      const width = family === 4 ? 32 : 128;
      // IPv6 bases start with 2 (global unicast), away from the mapped space BlockList treats alike.
      const base = family === 4 ? random(32) : (2n << 124n) | random(124);
      const prefix = Number(random(8)) % (width + 1);
      const matcher = new AddressMatcher([`${format(base, family)}/${prefix}`]);
      const reference = new BlockList();
      reference.addSubnet(format(base, family), prefix, family === 4 ? 'ipv4' : 'ipv6');
      for (let probe = 0; probe < 20; probe++) {
        // Randomise the last k bits: inside the range when k fits in the host part, often not otherwise.
        const k = BigInt(Number(random(8)) % (width + 1));
        const ip = format(((base >> k) << k) | random(Number(k)), family);
        const expected = reference.check(ip, family === 4 ? 'ipv4' : 'ipv6');
        expect(matcher.matches(ip), `${ip} in ${format(base, family)}/${prefix}`).toBe(expected);
        seen[expected ? 'inside' : 'outside']++;
      }
    }
    expect(seen.inside).toBeGreaterThan(1000);
    expect(seen.outside).toBeGreaterThan(1000);
  });

  it('refuses invalid entries, naming them', () => {
    for (const entry of ['10.0.0.0/33', 'fc00::/129', 'localhost', '10.0.0.0/', '1.2.3/8', '']) {
      expect(() => new AddressMatcher([entry])).toThrow(`"${entry}"`);
    }
    expect(() => new AddressMatcher(['10.0.0.0/8', '300.1.1.1'])).toThrow('"300.1.1.1"');
  });
});

describe('normalizeIp', () => {
  it('turns IPv4-mapped IPv6 into IPv4', () => {
    expect(normalizeIp('::ffff:192.168.1.5')).toBe('192.168.1.5');
    expect(normalizeIp('::FFFF:7f00:1')).toBe('127.0.0.1');
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
  });

  it('writes IPv6 lower-case and compressed, so one address is one key', () => {
    expect(normalizeIp('2001:DB8::A')).toBe('2001:db8::a');
    expect(normalizeIp('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('2001:db8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(normalizeIp('FE80::1%ETH0')).toBe('fe80::1%eth0');
  });

  it('leaves text that is not an address alone, and canonicalIp says so', () => {
    expect(normalizeIp('unknown')).toBe('unknown');
    expect(canonicalIp('unknown')).toBeUndefined();
    expect(canonicalIp('1.2.3.4:80')).toBeUndefined();
    expect(canonicalIp(' 1.2.3.4')).toBeUndefined();
  });
});

describe('rateLimitKeyOf', () => {
  it('counts IPv4 addresses one by one and IPv6 ones by /64', () => {
    expect(rateLimitKeyOf('192.168.1.5')).toBe('192.168.1.5');
    expect(rateLimitKeyOf('::ffff:192.168.1.5')).toBe('192.168.1.5');
    expect(rateLimitKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyOf('2001:db8:1:3::1')).not.toBe(rateLimitKeyOf('2001:db8:1:2::1'));
  });
});
