import type { DomainEvent } from '#libs/kernel';
import type { AppInput, RouteInput } from '#libs/routing';
import type { ApprovalOverrides, DiscoveredService } from './proposal';

export type ServiceDiscovered = DomainEvent<
  'ServiceDiscovered',
  { proposalId: string; service: DiscoveredService; fingerprint: string }
>;
/** Labels, ports or address changed; a rejection is lifted by it. */
export type ServiceChanged = DomainEvent<
  'ServiceChanged',
  { proposalId: string; service: DiscoveredService; fingerprint: string; changed: string[] }
>;
export type ServiceVanished = DomainEvent<'ServiceVanished', { proposalId: string }>;
export type ProposalApproved = DomainEvent<
  'ProposalApproved',
  { proposalId: string; overrides: ApprovalOverrides; app: AppInput; route: RouteInput }
>;
/** The route the approval asked for could not be added (a conflict that raced in): back to pending. */
export type ProposalApprovalFailed = DomainEvent<
  'ProposalApprovalFailed',
  { proposalId: string; reason: string }
>;
export type ProposalRejected = DomainEvent<
  'ProposalRejected',
  { proposalId: string; reason: string }
>;
export type ProposalDismissed = DomainEvent<'ProposalDismissed', { proposalId: string }>;
/** A rediscover lifted a dismissal: the proposal is pending again. */
export type ProposalRestored = DomainEvent<'ProposalRestored', { proposalId: string }>;

export type ProposalEvent =
  | ServiceDiscovered
  | ServiceChanged
  | ServiceVanished
  | ProposalApproved
  | ProposalApprovalFailed
  | ProposalRejected
  | ProposalDismissed
  | ProposalRestored;

export type RediscoveryTriggered = DomainEvent<
  'RediscoveryTriggered',
  { dismissedCleared: number; activeCleared: number }
>;

export const PROPOSAL_EVENT_TYPES = [
  'ServiceDiscovered',
  'ServiceChanged',
  'ServiceVanished',
  'ProposalApproved',
  'ProposalApprovalFailed',
  'ProposalRejected',
  'ProposalDismissed',
  'ProposalRestored',
] as const;
export const DISCOVERY_EVENT_TYPES = [...PROPOSAL_EVENT_TYPES, 'RediscoveryTriggered'] as const;

export const proposalStream = (proposalId: string) => `proposal-${proposalId}`;
export const DISCOVERY_STREAM = 'discovery';
