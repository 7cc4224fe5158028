import type { Schemas } from '../../api/client';
import { approveFormOf, approveOverrides } from './approve.model';

const proposal: Schemas['Proposal'] = {
  id: 'proposal_docker_http_10_0_0_5_8080',
  source: 'docker',
  detectedScheme: 'http',
  detectedHost: '10.0.0.5',
  detectedPort: 8080,
  availablePorts: [
    { port: 8080, scheme: 'http' },
    { port: 9090, scheme: 'http' },
  ],
  confidence: 0.9,
  suggestedApp: { id: 'web', name: 'Web' },
  suggestedRoute: { pathBase: '/apps/web/', scopes: ['access:web'], stripPrefix: true },
  tags: [],
  lastSeen: '2026-01-01T00:00:00Z',
  securityNotes: [],
  state: 'pending',
  present: true,
  reasons: [],
  firstSeen: '2026-01-01T00:00:00Z',
};

describe('approve overrides', () => {
  it('approving as suggested sends no overrides', () => {
    expect(approveOverrides(proposal, approveFormOf(proposal))).toEqual({});
  });

  it('sends exactly what the admin changed', () => {
    const form = { ...approveFormOf(proposal), port: 9090, name: 'My web', websockets: true };
    expect(approveOverrides(proposal, form)).toEqual({
      port: 9090,
      name: 'My web',
      websockets: true,
    });
  });

  it('a subdomain replaces the path', () => {
    const form = { ...approveFormOf(proposal), exposeAs: 'subdomain' as const, subdomain: 'web' };
    expect(approveOverrides(proposal, form)).toEqual({ subdomain: 'web' });
  });
});
