import { DomainError, ValidationFailed, type Decider, type ErrorDetail } from '#libs/kernel';
import { ID_PATTERN, type AppInput, type RouteInput } from '#libs/routing';
import type { ProposalEvent } from './discovery.events';
import type { ApprovalOverrides, DiscoveredService, ProposalStatus } from './proposal';

export type ProposalState =
  | { status: 'none' }
  | {
      status: ProposalStatus;
      service: DiscoveredService;
      fingerprint: string;
      present: boolean;
      approved?: { app: AppInput; route: RouteInput };
    };

export type ProposalCommand =
  | { kind: 'Observe'; service: DiscoveredService; fingerprint: string; changed: string[] }
  | { kind: 'Vanish'; proposalId: string }
  | { kind: 'Approve'; proposalId: string; overrides: ApprovalOverrides }
  | { kind: 'FailApproval'; proposalId: string; reason: string }
  | { kind: 'Reject'; proposalId: string; reason: string }
  | { kind: 'Dismiss'; proposalId: string }
  | { kind: 'Restore'; proposalId: string };

export class ProposalNotFound extends DomainError {
  constructor(id: string) {
    super('PROPOSAL_NOT_FOUND', 'not_found', `no proposal with id "${id}"`);
  }
}

export class ProposalAlreadyDecided extends DomainError {
  constructor(id: string, status: string) {
    super('PROPOSAL_ALREADY_DECIDED', 'conflict', `proposal "${id}" is already ${status}`, [
      { field: 'status', message: status },
    ]);
  }
}

export const proposalDecider: Decider<ProposalCommand, ProposalEvent, ProposalState, void> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'ServiceDiscovered':
        return state.status === 'none'
          ? {
              status: 'pending',
              service: event.data.service,
              fingerprint: event.data.fingerprint,
              present: true,
            }
          : {
              ...state,
              service: event.data.service,
              fingerprint: event.data.fingerprint,
              present: true,
            };
      case 'ServiceChanged':
        if (state.status === 'none') return state;
        return {
          ...state,
          status: state.status === 'rejected' ? 'pending' : state.status,
          service: event.data.service,
          fingerprint: event.data.fingerprint,
          present: true,
        };
      case 'ServiceVanished':
        return state.status === 'none' ? state : { ...state, present: false };
      case 'ProposalApproved':
        return state.status === 'none'
          ? state
          : {
              ...state,
              status: 'approved',
              approved: { app: event.data.app, route: event.data.route },
            };
      case 'ProposalApprovalFailed':
        return state.status === 'none'
          ? state
          : { ...state, status: 'pending', approved: undefined };
      case 'ProposalRejected':
        return state.status === 'none' ? state : { ...state, status: 'rejected' };
      case 'ProposalDismissed':
        return state.status === 'none' ? state : { ...state, status: 'dismissed' };
      case 'ProposalRestored':
        return state.status === 'none' ? state : { ...state, status: 'pending' };
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'Observe': {
        const { service, fingerprint } = command;
        if (state.status === 'none' || (!state.present && state.fingerprint === fingerprint))
          return [
            {
              type: 'ServiceDiscovered',
              data: { proposalId: service.proposalId, service, fingerprint },
            },
          ];
        if (state.fingerprint === fingerprint) return [];
        return [
          {
            type: 'ServiceChanged',
            data: {
              proposalId: service.proposalId,
              service,
              fingerprint,
              changed: command.changed,
            },
          },
        ];
      }
      case 'Vanish':
        if (state.status === 'none' || !state.present) return [];
        return [{ type: 'ServiceVanished', data: { proposalId: command.proposalId } }];
      case 'Approve': {
        const pending = requirePending(state, command.proposalId);
        const { app, route } = approvedRouteOf(pending.service, command.overrides);
        return [
          {
            type: 'ProposalApproved',
            data: { proposalId: command.proposalId, overrides: command.overrides, app, route },
          },
        ];
      }
      case 'FailApproval':
        if (state.status !== 'approved') return [];
        return [
          {
            type: 'ProposalApprovalFailed',
            data: { proposalId: command.proposalId, reason: command.reason },
          },
        ];
      case 'Reject':
        requirePending(state, command.proposalId);
        return [
          {
            type: 'ProposalRejected',
            data: { proposalId: command.proposalId, reason: command.reason },
          },
        ];
      case 'Dismiss':
        requirePending(state, command.proposalId);
        return [{ type: 'ProposalDismissed', data: { proposalId: command.proposalId } }];
      case 'Restore':
        if (state.status !== 'dismissed') return [];
        return [{ type: 'ProposalRestored', data: { proposalId: command.proposalId } }];
    }
  },
};

function requirePending(state: ProposalState, id: string) {
  if (state.status === 'none') throw new ProposalNotFound(id);
  if (state.status !== 'pending') throw new ProposalAlreadyDecided(id, state.status);
  if (!state.present)
    throw new DomainError(
      'SERVICE_GONE',
      'conflict',
      `the service behind proposal "${id}" is no longer there`,
    );
  return state;
}

/** The app and route an approval creates: the suggestion with the admin's overrides applied. */
export function approvedRouteOf(
  service: DiscoveredService,
  overrides: ApprovalOverrides,
): { app: AppInput; route: RouteInput } {
  const problems: ErrorDetail[] = [];
  let { detectedScheme: scheme, detectedPort: port } = service;
  if (overrides.port !== undefined) {
    const available = service.availablePorts.find((p) => p.port === overrides.port);
    if (!available)
      problems.push({
        field: 'port',
        message: `port ${overrides.port} is not in the available ports list (${service.availablePorts.map((p) => p.port).join(', ') || 'none'})`,
      });
    else {
      port = available.port;
      scheme = available.scheme;
    }
  }
  const appId = overrides.appId ?? service.suggestedApp.id;
  if (!ID_PATTERN.test(appId))
    problems.push({
      field: 'appId',
      message: 'lower-case letters, digits, "-" and "_", at most 63',
    });
  if (problems.length > 0) throw new ValidationFailed(problems);
  // The path a source put on the target (an mDNS path=, an ingress path) survives approval.
  const targetPath = new URL(service.suggestedRoute.to).pathname.replace(/\/$/, '');
  const to = `${scheme}://${hostForUrl(service.detectedHost)}:${port}${targetPath}`;
  const suggested = service.suggestedRoute;
  const pathBase =
    overrides.pathBase !== undefined
      ? overrides.pathBase
      : overrides.appId !== undefined
        ? `/apps/${appId}/`
        : suggested.pathBase;
  const app: AppInput = {
    ...service.suggestedApp,
    id: appId,
    name: overrides.name ?? service.suggestedApp.name,
    ...(overrides.icon !== undefined ? { icon: overrides.icon } : {}),
    endpoints: { ...(service.suggestedApp.endpoints ?? {}), lan: to },
  };
  const route: RouteInput = {
    ...suggested,
    routeId: appId,
    appId,
    pathBase,
    to,
    ...(overrides.subdomain !== undefined ? { subdomain: overrides.subdomain } : {}),
    ...(overrides.scopes !== undefined ? { scopes: overrides.scopes } : {}),
    ...(overrides.stripPrefix !== undefined ? { stripPrefix: overrides.stripPrefix } : {}),
    ...(overrides.websockets !== undefined ? { websockets: overrides.websockets } : {}),
  };
  return { app, route };
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
