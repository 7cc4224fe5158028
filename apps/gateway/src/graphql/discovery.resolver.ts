import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DiscoveryService, PROPOSAL_DIRECTORY, type ProposalDirectory } from '#libs/discovery';
import { RequireScope } from '#libs/http';
import { appWithDefaults } from '#libs/routing';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import { GqlCommandContext } from './graphql-context';
import {
  ApprovalOverridesInput,
  Proposal,
  ProposalApproval,
  ProposalDecision,
  ProposalFilter,
  Rediscovery,
} from './graphql.types';
import { appOf, defined, proposalOf } from './views';

const SOURCES = ['docker', 'kubernetes', 'kubernetes-ingress', 'mdns'];

/** Discovery proposals and the decisions on them, through the same service REST calls. */
@Resolver(() => Proposal)
export class DiscoveryResolver {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(PROPOSAL_DIRECTORY) private readonly directory: ProposalDirectory,
  ) {}

  @Query(() => [Proposal], { description: 'Proposals, newest sighting first.' })
  @RequireScope('read:catalog')
  proposals(
    @Args('filter', { type: () => ProposalFilter, nullable: true }) filter?: ProposalFilter | null,
  ): Proposal[] {
    const { source, state } = defined(filter ?? {});
    if (source !== undefined && !SOURCES.includes(source))
      throw new ValidationFailed([{ field: 'source', message: `one of ${SOURCES.join(', ')}` }]);
    return this.directory
      .list({ ...(source ? { source } : {}), ...(state ? { status: state } : {}) })
      .map(proposalOf);
  }

  @Mutation(() => ProposalApproval, {
    description:
      'Approves with optional overrides; the app (when new) and the route follow. PROPOSAL_NOT_FOUND, PROPOSAL_ALREADY_DECIDED, ROUTE_EXISTS, ROUTE_CONFLICT.',
  })
  async approveProposal(
    @Args('id', { type: () => ID }) id: string,
    @Args('overrides', { type: () => ApprovalOverridesInput, nullable: true })
    overrides: ApprovalOverridesInput | null | undefined,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<ProposalApproval> {
    const { app, route } = await this.discovery.approve(id, defined(overrides ?? {}), ctx);
    if (!route) throw new Error(`approved proposal ${id}, but its route is not in the table`);
    return { id, app: appOf({ app: appWithDefaults(app) }), route };
  }

  @Mutation(() => ProposalDecision, {
    description: 'Rejects a proposal. PROPOSAL_NOT_FOUND, PROPOSAL_ALREADY_DECIDED.',
  })
  async rejectProposal(
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason: string | null | undefined,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<ProposalDecision> {
    await this.discovery.reject(id, reason ?? '', ctx);
    return { id, status: 'rejected' };
  }

  @Mutation(() => ProposalDecision, {
    description: 'Hides a proposal until the next rediscover. PROPOSAL_NOT_FOUND.',
  })
  async dismissProposal(
    @Args('id', { type: () => ID }) id: string,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<ProposalDecision> {
    await this.discovery.dismiss(id, ctx);
    return { id, status: 'dismissed' };
  }

  @Mutation(() => Rediscovery, {
    description: 'Shows dismissed proposals again and asks the discovery sources to scan now.',
  })
  rediscover(@GqlCommandContext() ctx: CommandContext): Promise<Rediscovery> {
    return this.discovery.rediscover(ctx);
  }
}
