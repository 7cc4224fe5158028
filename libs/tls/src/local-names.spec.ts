import { hostname, type NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { canonicalName } from './names';
import { localNames, localNamesFrom } from './local-names';

const nic = (address: string, internal = false): NetworkInterfaceInfo =>
  address.includes(':')
    ? { address, internal, family: 'IPv6', netmask: 'ffff::', mac: '', cidr: null, scopeid: 0 }
    : { address, internal, family: 'IPv4', netmask: '255.255.255.0', mac: '', cidr: null };

describe('localNamesFrom', () => {
  it('lists the host name, localhost, the LAN addresses and the loopback addresses', () => {
    const names = localNamesFrom('NAS-Box', {
      lo: [nic('127.0.0.1', true), nic('::1', true)],
      eth0: [nic('192.168.1.20'), nic('fe80::1c2:3ff:fe04:506')],
      wg0: [nic('10.8.0.1')],
    });

    expect(names).toEqual([
      'nas-box',
      'localhost',
      '192.168.1.20',
      'fe80::1c2:3ff:fe04:506',
      '10.8.0.1',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('leaves out other internal addresses and a host name that cannot be a DNS name', () => {
    const names = localNamesFrom('my laptop', { lo: [nic('127.0.0.2', true)] });

    expect(names).toEqual(['localhost', '127.0.0.1', '::1']);
  });
});

describe('localNames', () => {
  it('names this machine', () => {
    const names = localNames();

    expect(names).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '::1']));
    const host = canonicalName(hostname());
    if (host !== undefined) expect(names[0]).toBe(host);
  });
});
