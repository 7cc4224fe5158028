import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AddressMatcher } from './address-matcher';
import { clientAddressOf, forwardedChainOf, LocalNetworkPolicy } from './client-address';

/** A request as node:http gives it: one entry per header line in headersDistinct. */
const request = (remoteAddress: string | undefined, headers: [string, string][] = []) => {
  const distinct: Record<string, string[]> = {};
  for (const [name, value] of headers) (distinct[name.toLowerCase()] ??= []).push(value);
  const joined = Object.fromEntries(Object.entries(distinct).map(([k, v]) => [k, v.join(', ')]));
  return {
    socket: { remoteAddress },
    headers: joined,
    headersDistinct: distinct,
  } as unknown as IncomingMessage;
};

const proxies = new AddressMatcher(['10.0.0.0/8', '::1']);

describe('client address', () => {
  it('is the socket peer when the peer is not a trusted proxy, whatever the headers say', () => {
    const req = request('192.168.1.20', [
      ['X-Forwarded-For', '1.2.3.4'],
      ['X-Real-IP', '5.6.7.8'],
    ]);
    expect(clientAddressOf(req, proxies)).toBe('192.168.1.20');
    expect(clientAddressOf(request('::ffff:192.168.1.20'), proxies)).toBe('192.168.1.20');
  });

  it('is the socket peer when nobody is trusted', () => {
    const req = request('10.0.0.1', [['X-Forwarded-For', '1.2.3.4']]);
    expect(clientAddressOf(req, new AddressMatcher([]))).toBe('10.0.0.1');
  });

  it('is the first untrusted hop from the right when a trusted proxy forwards', () => {
    const req = request('10.0.0.1', [['X-Forwarded-For', '6.6.6.6, 1.2.3.4, 10.0.0.9']]);
    expect(clientAddressOf(req, proxies)).toBe('1.2.3.4');
  });

  it('walks every X-Forwarded-For header line in order', () => {
    const req = request('::ffff:10.0.0.1', [
      ['X-Forwarded-For', '6.6.6.6'],
      ['X-Forwarded-For', ' 2001:DB8::7 , 10.1.1.1'],
    ]);
    expect(clientAddressOf(req, proxies)).toBe('2001:db8::7');
    expect(forwardedChainOf(req)).toEqual(['6.6.6.6', '2001:DB8::7', '10.1.1.1']);
  });

  it('reads the joined header when the request has no headersDistinct', () => {
    const req = {
      socket: { remoteAddress: '10.0.0.1' },
      headers: { 'x-forwarded-for': '6.6.6.6, 1.2.3.4' },
    } as unknown as IncomingMessage;
    expect(clientAddressOf(req, proxies)).toBe('1.2.3.4');
  });

  it('believes nothing past an entry that is not an address', () => {
    for (const garbage of ['unknown', '1.2.3.4:5678', '', '[2001:db8::1]']) {
      const req = request('10.0.0.1', [['X-Forwarded-For', `6.6.6.6, ${garbage}, 10.0.0.7`]]);
      expect(clientAddressOf(req, proxies), garbage).toBe('10.0.0.7');
    }
    const direct = request('10.0.0.1', [['X-Forwarded-For', 'evil']]);
    expect(clientAddressOf(direct, proxies)).toBe('10.0.0.1');
  });

  it('is the leftmost hop when every hop is a trusted proxy', () => {
    const req = request('10.0.0.1', [['X-Forwarded-For', '10.0.0.3, 10.0.0.2']]);
    expect(clientAddressOf(req, proxies)).toBe('10.0.0.3');
  });

  it('uses X-Real-IP only when there is no X-Forwarded-For', () => {
    expect(clientAddressOf(request('::1', [['X-Real-IP', '1.2.3.4']]), proxies)).toBe('1.2.3.4');
    const both = request('::1', [
      ['X-Real-IP', '1.2.3.4'],
      ['X-Forwarded-For', '5.6.7.8'],
    ]);
    expect(clientAddressOf(both, proxies)).toBe('5.6.7.8');
    const twice = request('::1', [
      ['X-Real-IP', '1.2.3.4'],
      ['X-Real-IP', '5.6.7.8'],
    ]);
    expect(clientAddressOf(twice, proxies)).toBe('::1');
  });

  it('is the trusted peer itself when it forwards nothing', () => {
    expect(clientAddressOf(request('10.0.0.1'), proxies)).toBe('10.0.0.1');
  });

  it('is empty when the socket has no address any more', () => {
    expect(clientAddressOf(request(undefined), proxies)).toBe('');
  });

  it('is worked out once per request for the same trusted proxies', () => {
    const req = request('10.0.0.1', [['X-Forwarded-For', '1.2.3.4']]);
    expect(clientAddressOf(req, proxies)).toBe('1.2.3.4');
    req.headers['x-forwarded-for'] = '5.6.7.8';
    req.headersDistinct['x-forwarded-for'] = ['5.6.7.8'];
    expect(clientAddressOf(req, proxies)).toBe('1.2.3.4');
    expect(clientAddressOf(req, new AddressMatcher([]))).toBe('10.0.0.1');
  });
});

describe('local network policy', () => {
  const lanRanges = ['192.168.0.0/16', 'fc00::/7'];

  it('loopback trusts this machine only', () => {
    const policy = new LocalNetworkPolicy('loopback', lanRanges);
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      expect(policy.trusts(ip), ip).toBe(true);
    for (const ip of ['192.168.1.2', 'fd00::1', '8.8.8.8', '::2', ''])
      expect(policy.trusts(ip), ip).toBe(false);
  });

  it('lan trusts loopback and the ranges', () => {
    const policy = new LocalNetworkPolicy('lan', lanRanges);
    for (const ip of ['127.0.0.1', '::1', '192.168.1.2', '::ffff:192.168.1.2', 'fd00::1'])
      expect(policy.trusts(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '8.8.8.8', '2001:db8::1'])
      expect(policy.trusts(ip), ip).toBe(false);
  });

  it('off trusts nobody, not even loopback', () => {
    const policy = new LocalNetworkPolicy('off', lanRanges);
    for (const ip of ['127.0.0.1', '::1', '192.168.1.2']) expect(policy.trusts(ip), ip).toBe(false);
  });

  it('refuses a range that is not one', () => {
    expect(() => new LocalNetworkPolicy('lan', ['192.168.0.0/40'])).toThrow('"192.168.0.0/40"');
  });
});
