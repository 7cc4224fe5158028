import { describe, expect, it } from 'vitest';
import { mdnsAddressOf, mdnsVerdict, parseServiceType, type MdnsServiceFacts } from './mdns-rules';
import type { DiscoveredService } from './proposal';

function facts(overrides: Partial<MdnsServiceFacts> = {}): MdnsServiceFacts {
  return {
    name: 'Living Room NAS',
    fqdn: 'Living Room NAS._http._tcp.local',
    type: 'http',
    host: 'nas.local',
    port: 5000,
    addresses: ['192.168.1.20'],
    sender: '192.168.1.20',
    txt: {},
    ...overrides,
  };
}

function propose(f: MdnsServiceFacts): DiscoveredService {
  const verdict = mdnsVerdict(f);
  if (verdict.kind !== 'propose') throw new Error(`skipped: ${verdict.reason}`);
  return verdict.service;
}

describe('mdns rules', () => {
  it('reads DNS-SD type names', () => {
    expect(parseServiceType('_http._tcp')).toEqual({ type: 'http', protocol: 'tcp' });
    expect(parseServiceType('_HTTPS._tcp.local.')).toEqual({ type: 'https', protocol: 'tcp' });
    expect(parseServiceType('http')).toBeUndefined();
  });

  it('proposes a web service with the contract id, the instance as identity', () => {
    expect(propose(facts())).toMatchObject({
      proposalId: 'proposal_mdns_http_nas_local_5000',
      source: 'mdns',
      identity: 'Living Room NAS._http._tcp.local',
      detectedScheme: 'http',
      detectedHost: '192.168.1.20',
      detectedPort: 5000,
      availablePorts: [{ port: 5000, scheme: 'http' }],
      confidence: 0.7,
      tags: ['mdns', 'http'],
      securityNotes: [
        'Discovered via mDNS (announcements are not authenticated)',
        'JWT required',
        'Upstream uses HTTP (unencrypted)',
        'Private network address',
      ],
      suggestedApp: {
        id: 'living-room-nas',
        name: 'Living Room NAS',
        icon: '📡',
        endpoints: { lan: 'http://192.168.1.20:5000', mdns: 'http://nas.local:5000' },
      },
      suggestedRoute: {
        routeId: 'living-room-nas',
        pathBase: '/apps/living-room-nas/',
        to: 'http://192.168.1.20:5000',
        scopes: [],
        stripPrefix: true,
      },
    });
    expect(propose(facts({ type: 'https', host: 'service.local', port: 443 })).proposalId).toBe(
      'proposal_mdns_https_service_local_443',
    );
  });

  it('leaves other types and opted-out services alone; refuses bad TXT values as invalid', () => {
    expect(mdnsVerdict(facts({ type: 'ssh' }))).toEqual({
      kind: 'skip',
      reason: '_ssh services are not web apps',
      invalid: false,
    });
    expect(mdnsVerdict(facts({ txt: { nekzus_enable: 'false' } }))).toMatchObject({
      kind: 'skip',
      invalid: false,
    });
    expect(mdnsVerdict(facts({ txt: { app_id: 'NAS!' } }))).toMatchObject({
      kind: 'skip',
      invalid: true,
      reason: expect.stringMatching(/^TXT app_id="NAS!" is not an id/),
    });
    expect(mdnsVerdict(facts({ txt: { scheme: 'ftp' } }))).toMatchObject({ invalid: true });
    expect(mdnsVerdict(facts({ txt: { path: 'admin' } }))).toMatchObject({ invalid: true });
  });

  it('honours TXT keys: app_id, app_name, icon, tags, scopes, scheme', () => {
    const service = propose(
      facts({
        txt: {
          app_id: 'nas',
          app_name: 'Storage',
          icon: '💾',
          tags: 'storage, home,storage',
          scopes: 'read:nas, admin',
          scheme: 'https',
        },
      }),
    );
    expect(service).toMatchObject({
      proposalId: 'proposal_mdns_https_nas_local_5000',
      confidence: 0.85,
      tags: ['storage', 'home'],
      suggestedApp: { id: 'nas', name: 'Storage', icon: '💾' },
      suggestedRoute: {
        routeId: 'nas',
        pathBase: '/apps/nas/',
        to: 'https://192.168.1.20:5000',
        scopes: ['read:nas', 'admin'],
      },
    });
    expect(propose(facts({ txt: { app_id: 'nas' } })).suggestedRoute.scopes).toEqual([
      'access:nas',
    ]);
  });

  it('path= under /apps/ is the path base; another path is where the app lives on its host', () => {
    expect(propose(facts({ txt: { path: '/apps/files' } })).suggestedRoute).toMatchObject({
      pathBase: '/apps/files/',
      to: 'http://192.168.1.20:5000',
    });
    const admin = propose(facts({ txt: { path: '/admin/' } }));
    expect(admin.suggestedRoute).toMatchObject({
      pathBase: '/apps/living-room-nas/',
      to: 'http://192.168.1.20:5000/admin',
    });
    expect(admin.suggestedApp.endpoints).toMatchObject({ mdns: 'http://nas.local:5000/admin' });
  });

  it('scores 0.95 for nekzus_enable=true, and Home Assistant higher', () => {
    expect(propose(facts({ txt: { nekzus_enable: 'true' } })).confidence).toBe(0.95);
    expect(
      propose(facts({ type: 'homeassistant', txt: { nekzus_enable: 'true' } })).confidence,
    ).toBe(1);
    expect(propose(facts({ type: 'homeassistant' }))).toMatchObject({
      confidence: 0.8,
      reasons: [
        'announced as a _homeassistant._tcp service (0.70)',
        'a Home Assistant service (+0.10)',
      ],
    });
  });

  it('picks the address the answer came from when advertised, else the lowest IPv4, stably', () => {
    expect(
      mdnsAddressOf(facts({ addresses: ['192.168.1.9', '10.0.0.5'], sender: '192.168.1.9' })),
    ).toBe('192.168.1.9');
    expect(
      mdnsAddressOf(facts({ addresses: ['192.168.1.9', '10.0.0.5'], sender: '127.0.0.1' })),
    ).toBe('10.0.0.5');
    expect(mdnsAddressOf(facts({ addresses: ['fe80::1', '2001:db8::5'], sender: 'fe80::1' }))).toBe(
      '2001:db8::5',
    );
    expect(mdnsAddressOf(facts({ addresses: [], sender: '192.168.1.30' }))).toBe('192.168.1.30');
    expect(mdnsAddressOf(facts({ addresses: [], sender: undefined }))).toBe('nas.local');
    const v6 = propose(facts({ addresses: ['2001:db8::5'], sender: undefined }));
    expect(v6.suggestedRoute.to).toBe('http://[2001:db8::5]:5000');
  });
});
