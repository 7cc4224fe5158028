import { describe, expect, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import type { ProposalEvent } from './discovery.events';
import type { DiscoveredService } from './proposal';
import { approvedRouteOf, proposalDecider } from './proposal.decider';

const id = 'proposal_docker_http_web_8080';

const service: DiscoveredService = {
  proposalId: id,
  source: 'docker',
  identity: 'web',
  detectedScheme: 'http',
  detectedHost: '172.17.0.5',
  detectedPort: 8080,
  availablePorts: [
    { port: 8080, scheme: 'http' },
    { port: 8443, scheme: 'https' },
  ],
  confidence: 0.95,
  reasons: ['labelled nekzus.enable=true (0.95)'],
  securityNotes: ['Discovered via Docker API'],
  tags: ['docker'],
  suggestedApp: {
    id: 'web',
    name: 'Web',
    icon: '📦',
    endpoints: { lan: 'http://172.17.0.5:8080' },
  },
  suggestedRoute: {
    routeId: 'web',
    appId: 'web',
    pathBase: '/apps/web/',
    to: 'http://172.17.0.5:8080',
    scopes: ['access:web'],
    stripPrefix: true,
  },
};
const moved: DiscoveredService = {
  ...service,
  detectedHost: '172.17.0.9',
  suggestedRoute: { ...service.suggestedRoute, to: 'http://172.17.0.9:8080' },
};

const discovered: ProposalEvent = {
  type: 'ServiceDiscovered',
  data: { proposalId: id, service, fingerprint: 'f1' },
};
const changed: ProposalEvent = {
  type: 'ServiceChanged',
  data: { proposalId: id, service: moved, fingerprint: 'f2', changed: ['detectedHost'] },
};
const vanished: ProposalEvent = { type: 'ServiceVanished', data: { proposalId: id } };
const rejected: ProposalEvent = {
  type: 'ProposalRejected',
  data: { proposalId: id, reason: 'not this one' },
};
const dismissed: ProposalEvent = { type: 'ProposalDismissed', data: { proposalId: id } };
const approvedDefault = (): ProposalEvent => ({
  type: 'ProposalApproved',
  data: { proposalId: id, overrides: {}, ...approvedRouteOf(service, {}) },
});

describe('proposal decider', () => {
  const spec = deciderSpecification(proposalDecider, undefined);
  const observe = (s: DiscoveredService, fingerprint: string, fields: string[] = []) => ({
    kind: 'Observe' as const,
    service: s,
    fingerprint,
    changed: fields,
  });

  describe('observing services', () => {
    it('a first sighting is a discovery', () => {
      spec.given([]).when(observe(service, 'f1')).then([discovered]);
    });

    it('seeing the same service again records nothing', () => {
      spec.given([discovered]).when(observe(service, 'f1')).then([]);
    });

    it('a different fingerprint is a change, naming what changed', () => {
      spec
        .given([discovered])
        .when(observe(moved, 'f2', ['detectedHost']))
        .then([changed]);
    });

    it('a service no longer reported vanishes, once', () => {
      spec.given([discovered]).when({ kind: 'Vanish', proposalId: id }).then([vanished]);
      spec.given([discovered, vanished]).when({ kind: 'Vanish', proposalId: id }).then([]);
      spec.given([]).when({ kind: 'Vanish', proposalId: id }).then([]);
    });

    it('a vanished service that comes back unchanged is discovered again; changed, it is a change', () => {
      spec.given([discovered, vanished]).when(observe(service, 'f1')).then([discovered]);
      spec
        .given([discovered, vanished])
        .when(observe(moved, 'f2', ['detectedHost']))
        .then([changed]);
    });
  });

  describe('approving', () => {
    it('approves with the suggested app and route', () => {
      spec
        .given([discovered])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .then([approvedDefault()]);
    });

    it('an override port from the available ones changes the scheme and target with it', () => {
      const { app, route } = approvedRouteOf(service, { port: 8443 });
      expect(route.to).toBe('https://172.17.0.5:8443');
      expect(app.endpoints).toEqual({ lan: 'https://172.17.0.5:8443' });
      spec
        .given([discovered])
        .when({ kind: 'Approve', proposalId: id, overrides: { port: 8443 } })
        .then([
          {
            type: 'ProposalApproved',
            data: { proposalId: id, overrides: { port: 8443 }, app, route },
          },
        ]);
    });

    it('a port that is not available is refused as invalid (400), naming the port', () => {
      spec
        .given([discovered])
        .when({ kind: 'Approve', proposalId: id, overrides: { port: 9999 } })
        .thenThrows(
          'VALIDATION_FAILED',
          /port: port 9999 is not in the available ports list \(8080, 8443\)/,
        );
    });

    it('an override app id must be one our routing accepts, and moves the default path base', () => {
      spec
        .given([discovered])
        .when({ kind: 'Approve', proposalId: id, overrides: { appId: 'Not Valid' } })
        .thenThrows('VALIDATION_FAILED', /appId/);
      const { route } = approvedRouteOf(service, { appId: 'wiki', websockets: true });
      expect(route).toMatchObject({
        routeId: 'wiki',
        appId: 'wiki',
        pathBase: '/apps/wiki/',
        websockets: true,
        stripPrefix: true,
      });
    });

    it('approving twice is refused with the state it is in', () => {
      spec
        .given([discovered, approvedDefault()])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .thenThrows('PROPOSAL_ALREADY_DECIDED', /already approved/);
    });

    it('an unknown proposal is not found', () => {
      spec
        .given([])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .thenThrows('PROPOSAL_NOT_FOUND');
    });

    it('a service that has vanished cannot be approved', () => {
      spec
        .given([discovered, vanished])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .thenThrows('SERVICE_GONE');
    });

    it('a failed approval returns the proposal to pending', () => {
      const failed: ProposalEvent = {
        type: 'ProposalApprovalFailed',
        data: { proposalId: id, reason: 'path taken' },
      };
      spec
        .given([discovered, approvedDefault()])
        .when({ kind: 'FailApproval', proposalId: id, reason: 'path taken' })
        .then([failed]);
      spec
        .given([discovered, approvedDefault(), failed])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .then([approvedDefault()]);
    });
  });

  describe('rejecting and dismissing', () => {
    it('a rejection holds while the service stays the same', () => {
      spec
        .given([discovered])
        .when({ kind: 'Reject', proposalId: id, reason: 'not this one' })
        .then([rejected]);
      spec
        .given([discovered, rejected])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .thenThrows('PROPOSAL_ALREADY_DECIDED', /rejected/);
      spec.given([discovered, rejected]).when(observe(service, 'f1')).then([]);
    });

    it('a change of the service lifts a rejection', () => {
      spec
        .given([discovered, rejected, changed])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .then([
          {
            type: 'ProposalApproved',
            data: { proposalId: id, overrides: {}, ...approvedRouteOf(moved, {}) },
          },
        ]);
    });

    it('a dismissed proposal stays hidden until restored by a rediscover', () => {
      spec.given([discovered]).when({ kind: 'Dismiss', proposalId: id }).then([dismissed]);
      spec
        .given([discovered, dismissed])
        .when({ kind: 'Dismiss', proposalId: id })
        .thenThrows('PROPOSAL_ALREADY_DECIDED', /dismissed/);
      spec
        .given([discovered, dismissed])
        .when({ kind: 'Restore', proposalId: id })
        .then([{ type: 'ProposalRestored', data: { proposalId: id } }]);
      spec.given([discovered]).when({ kind: 'Restore', proposalId: id }).then([]);
      spec
        .given([discovered, dismissed, { type: 'ProposalRestored', data: { proposalId: id } }])
        .when({ kind: 'Approve', proposalId: id, overrides: {} })
        .then([approvedDefault()]);
    });
  });
});
