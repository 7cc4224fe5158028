import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe, RequireScope } from '#libs/http';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import { withDefaults } from '#libs/routing';
import { ProposalNotFound, type ApprovalOverrides } from '../domain';
import { DiscoveryService, PROPOSAL_DIRECTORY } from '../application/discovery.service';
import type { ProposalDirectory, ProposalRecord } from '../application/proposal-directory';
import {
  APPROVED_SCHEMA,
  DECIDED_SCHEMA,
  PROPOSAL_SCHEMA,
  REDISCOVERED_SCHEMA,
  requestSchema,
} from './proposals.openapi';

const APPROVE_SCHEMA = {
  type: 'object',
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    appId: { type: 'string', maxLength: 63 },
    name: { type: 'string', minLength: 1, maxLength: 128 },
    icon: { type: 'string', maxLength: 2048 },
    pathBase: { type: 'string', minLength: 1, maxLength: 512 },
    subdomain: { type: 'string', maxLength: 253 },
    scopes: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 32 },
    stripPrefix: { type: 'boolean' },
    websockets: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

const REJECT_SCHEMA = {
  type: 'object',
  properties: { reason: { type: 'string', maxLength: 1024 } },
  additionalProperties: false,
} as const;

const STATES = ['pending', 'approved', 'rejected', 'dismissed'];
const SOURCES = ['docker', 'kubernetes', 'kubernetes-ingress', 'mdns'];

/** Nekzus's proposal object, plus our state, presence, the confidence's reasons and who decided. */
function view(p: ProposalRecord) {
  const s = p.service;
  return {
    id: s.proposalId,
    source: s.source,
    detectedScheme: s.detectedScheme,
    detectedHost: s.detectedHost,
    detectedPort: s.detectedPort,
    availablePorts: s.availablePorts,
    confidence: s.confidence,
    suggestedApp: s.suggestedApp,
    suggestedRoute: withDefaults(s.suggestedRoute),
    tags: s.tags,
    lastSeen: p.lastSeen.toISOString(),
    securityNotes: s.securityNotes,
    state: p.status,
    present: p.present,
    reasons: s.reasons,
    firstSeen: p.firstSeen.toISOString(),
    ...(p.decidedBy ? { decidedBy: p.decidedBy } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  };
}

@ApiTags('discovery')
@Controller('api/v1/discovery')
export class ProposalsController {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(PROPOSAL_DIRECTORY) private readonly proposals: ProposalDirectory,
  ) {}

  /** Newest sighting first; `[]` when empty (Nekzus answers null). */
  @Get('proposals')
  @RequireScope('read:catalog')
  @ApiOperation({
    summary: 'List discovery proposals',
    description: 'Newest sighting first; `[]` when empty (Nekzus answers `null`).',
  })
  @ApiQuery({ name: 'source', required: false, enum: SOURCES })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiOkResponse({
    description: 'The proposals.',
    schema: { type: 'array', items: PROPOSAL_SCHEMA },
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: an unknown `source` or `state`.' })
  list(@Query('source') source?: string, @Query('state') state?: string) {
    const problems = [
      ...(source !== undefined && !SOURCES.includes(source)
        ? [{ field: 'source', message: `one of ${SOURCES.join(', ')}` }]
        : []),
      ...(state !== undefined && !STATES.includes(state)
        ? [{ field: 'state', message: `one of ${STATES.join(', ')}` }]
        : []),
    ];
    if (problems.length > 0) throw new ValidationFailed(problems);
    return this.proposals
      .list({ ...(source ? { source } : {}), ...(state ? { status: state } : {}) })
      .map(view);
  }

  @Get('proposals/:id')
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'Get a proposal' })
  @ApiOkResponse({ description: 'The proposal.', schema: PROPOSAL_SCHEMA })
  @ApiNotFoundResponse({ description: 'PROPOSAL_NOT_FOUND: no proposal with this id.' })
  get(@Param('id') id: string) {
    const p = this.proposals.get(id);
    if (!p) throw new ProposalNotFound(id);
    return view(p);
  }

  /** Approves with optional overrides; the app and route follow, caused by the approval. */
  @Post('proposals/:id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a proposal',
    description:
      'Approves with optional overrides; the app (when new) and the route follow, caused by the approval.',
  })
  @ApiBody({ schema: requestSchema('ApproveProposal', APPROVE_SCHEMA) })
  @ApiOkResponse({ description: 'Approved; the app and route created.', schema: APPROVED_SCHEMA })
  @ApiNotFoundResponse({ description: 'PROPOSAL_NOT_FOUND: no proposal with this id.' })
  @ApiConflictResponse({
    description:
      'PROPOSAL_ALREADY_DECIDED: approved or rejected before; ROUTE_EXISTS, ROUTE_CONFLICT: the route cannot be added.',
  })
  async approve(
    @Param('id') id: string,
    @Body(new JsonBodyPipe(APPROVE_SCHEMA)) overrides: ApprovalOverrides,
    @Ctx() ctx: CommandContext,
  ) {
    const { app, route } = await this.discovery.approve(id, overrides, ctx);
    return { status: 'approved', id, app, route };
  }

  @Post('proposals/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a proposal' })
  @ApiBody({ schema: requestSchema('RejectProposal', REJECT_SCHEMA) })
  @ApiOkResponse({ description: 'Rejected.', schema: DECIDED_SCHEMA })
  @ApiNotFoundResponse({ description: 'PROPOSAL_NOT_FOUND: no proposal with this id.' })
  @ApiConflictResponse({ description: 'PROPOSAL_ALREADY_DECIDED: approved or rejected before.' })
  async reject(
    @Param('id') id: string,
    @Body(new JsonBodyPipe(REJECT_SCHEMA)) body: { reason?: string },
    @Ctx() ctx: CommandContext,
  ) {
    await this.discovery.reject(id, body.reason ?? '', ctx);
    return { status: 'rejected', id };
  }

  /** Hidden until a rediscover (Nekzus's action). */
  @Post('proposals/:id/dismiss')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Dismiss a proposal',
    description: "Hidden until the next rediscover (Nekzus's action).",
  })
  @ApiOkResponse({ description: 'Dismissed.', schema: DECIDED_SCHEMA })
  @ApiNotFoundResponse({ description: 'PROPOSAL_NOT_FOUND: no proposal with this id.' })
  @ApiConflictResponse({ description: 'PROPOSAL_ALREADY_DECIDED: approved or rejected before.' })
  async dismiss(@Param('id') id: string, @Ctx() ctx: CommandContext) {
    await this.discovery.dismiss(id, ctx);
    return { status: 'dismissed', id };
  }

  @Post('rediscover')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rediscover',
    description: 'Shows every dismissed proposal again and asks the discovery sources to scan now.',
  })
  @ApiOkResponse({ description: 'Triggered.', schema: REDISCOVERED_SCHEMA })
  async rediscover(@Ctx() ctx: CommandContext) {
    const result = await this.discovery.rediscover(ctx);
    return {
      status: 'success',
      message: 'Rediscovery triggered. Discovery workers will scan for new services.',
      ...result,
    };
  }
}
