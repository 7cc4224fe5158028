import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, executeOnStream, uuidv7, type EventStore } from '#libs/event-store';
import { DomainError, Mutex, type CommandContext } from '#libs/kernel';
import {
  AddRouteCommand,
  PatchRouteCommand,
  RegisterAppCommand,
  RouteTable,
  withDefaults,
} from '#libs/routing';
import {
  approvedRouteOf,
  DISCOVERY_STREAM,
  proposalDecider,
  proposalStream,
  type ApprovalOverrides,
  type DiscoveredService,
  type ProposalCommand,
} from '../domain';
import type { ProposalDirectory } from './proposal-directory';

export const PROPOSAL_DIRECTORY = Symbol('PROPOSAL_DIRECTORY');

/** What sources report to: a full snapshot per scan, so whatever is missing has vanished. */
export interface DiscoverySink {
  snapshot(source: string, services: readonly DiscoveredService[]): Promise<void>;
  warning(source: string, message: string): void;
}

/** Sources that can be asked to scan again now (rediscover). */
export interface Rescanner {
  rescan(): void;
}

export const RESCANNER = Symbol('RESCANNER');

const FIELDS: (keyof DiscoveredService)[] = [
  'detectedScheme',
  'detectedHost',
  'detectedPort',
  'availablePorts',
  'suggestedApp',
  'suggestedRoute',
  'tags',
  'securityNotes',
  'confidence',
];

function fingerprintOf(service: DiscoveredService): string {
  return createHash('sha256')
    .update(JSON.stringify(FIELDS.map((f) => service[f])))
    .digest('hex');
}

/**
 * Proposals: what sources see becomes `ServiceDiscovered` / `ServiceChanged` /
 * `ServiceVanished`; an admin's approval becomes `ProposalApproved` followed by the app and
 * route, caused by it. One decision at a time.
 */
@Injectable()
export class DiscoveryService implements DiscoverySink {
  private readonly logger = new Logger('discovery');
  private readonly lock = new Mutex();
  private rescanner: Rescanner | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROPOSAL_DIRECTORY) private readonly proposals: ProposalDirectory,
    private readonly table: RouteTable,
    private readonly commands: CommandBus,
  ) {}

  useRescanner(rescanner: Rescanner): void {
    this.rescanner = rescanner;
  }

  snapshot(source: string, services: readonly DiscoveredService[]): Promise<void> {
    return this.lock.run(async () => {
      const ctx: CommandContext = {
        correlationId: uuidv7(),
        actor: { kind: 'discovery', id: source },
      };
      const seen = new Set<string>();
      for (const service of services) {
        if (seen.has(service.proposalId)) continue;
        seen.add(service.proposalId);
        await this.observe(service, ctx);
      }
      for (const gone of this.proposals.presentOf(source))
        if (!seen.has(gone.service.proposalId))
          await this.run(
            gone.service.proposalId,
            { kind: 'Vanish', proposalId: gone.service.proposalId },
            ctx,
          );
    });
  }

  warning(source: string, message: string): void {
    this.logger.warn(`${source}: ${message}`);
  }

  private async observe(service: DiscoveredService, ctx: CommandContext): Promise<void> {
    const previous = this.proposals.get(service.proposalId);
    const changed = previous
      ? FIELDS.filter((f) => JSON.stringify(previous.service[f]) !== JSON.stringify(service[f]))
      : [];
    const eventId = uuidv7();
    const events = await this.run(
      service.proposalId,
      { kind: 'Observe', service, fingerprint: fingerprintOf(service), changed },
      ctx,
      eventId,
    );
    const moved = changed.includes('detectedHost') || changed.includes('detectedPort');
    // An approved service that moved keeps its route, pointed at the new address.
    const approved =
      previous?.status === 'approved'
        ? previous
        : this.proposals.approvedWithIdentity(service.source, service.identity);
    if (events.length > 0 && approved?.routeId && (moved || approved !== previous)) {
      const route = this.table.route(approved.routeId);
      if (!route) return;
      const current = new URL(route.to);
      const port = service.availablePorts.some((p) => String(p.port) === current.port)
        ? current.port
        : String(service.detectedPort);
      const host = service.detectedHost.includes(':')
        ? `[${service.detectedHost}]`
        : service.detectedHost;
      const to = `${current.protocol}//${host}:${port}${current.pathname.replace(/\/$/, '')}`;
      if (to !== route.to)
        await this.commands.execute(
          new PatchRouteCommand(route.routeId, { to }, {}, { ...ctx, causationId: eventId }),
        );
    }
  }

  async approve(proposalId: string, overrides: ApprovalOverrides, ctx: CommandContext) {
    return this.lock.run(async () => {
      const record = this.proposals.get(proposalId);
      if (record?.status === 'pending') {
        // Refuse a conflicting path or subdomain before anything is recorded.
        const { route } = approvedRouteOf(record.service, overrides);
        const full = withDefaults(route);
        const pathBase = full.pathBase.endsWith('/') ? full.pathBase : `${full.pathBase}/`;
        const owner = this.table.pathBaseOwner(pathBase);
        if (owner !== undefined && owner !== full.routeId)
          throw new DomainError(
            'ROUTE_CONFLICT',
            'conflict',
            `path base ${pathBase} is already served by route "${owner}"`,
          );
        const subOwner = full.subdomain
          ? this.table.subdomainOwner(full.subdomain.toLowerCase())
          : undefined;
        if (subOwner !== undefined && subOwner !== full.routeId)
          throw new DomainError(
            'ROUTE_CONFLICT',
            'conflict',
            `subdomain ${full.subdomain} is already served by route "${subOwner}"`,
          );
        if (this.table.route(full.routeId))
          throw new DomainError(
            'ROUTE_CONFLICT',
            'conflict',
            `a route with id "${full.routeId}" exists; approve with another appId`,
          );
      }
      const approvalId = uuidv7();
      const [approved] = await this.run(
        proposalId,
        { kind: 'Approve', proposalId, overrides },
        ctx,
        approvalId,
      );
      if (approved?.type !== 'ProposalApproved') throw new Error('approval produced no event');
      const caused = { ...ctx, causationId: approvalId };
      try {
        if (!this.table.app(approved.data.app.id))
          await this.commands.execute(new RegisterAppCommand(approved.data.app, caused));
        await this.commands.execute(new AddRouteCommand(approved.data.route, {}, caused));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await this.run(proposalId, { kind: 'FailApproval', proposalId, reason }, caused);
        throw error;
      }
      return { app: approved.data.app, route: this.table.route(approved.data.route.routeId) };
    });
  }

  reject(proposalId: string, reason: string, ctx: CommandContext): Promise<void> {
    return this.lock.run(async () => {
      await this.run(proposalId, { kind: 'Reject', proposalId, reason }, ctx);
    });
  }

  dismiss(proposalId: string, ctx: CommandContext): Promise<void> {
    return this.lock.run(async () => {
      await this.run(proposalId, { kind: 'Dismiss', proposalId }, ctx);
    });
  }

  /** Lifts every dismissal and asks the sources to scan now. */
  rediscover(ctx: CommandContext): Promise<{ dismissedCleared: number; activeCleared: number }> {
    return this.lock.run(async () => {
      const dismissed = this.proposals.list({ status: 'dismissed' });
      for (const p of dismissed)
        await this.run(
          p.service.proposalId,
          { kind: 'Restore', proposalId: p.service.proposalId },
          ctx,
        );
      const result = { dismissedCleared: dismissed.length, activeCleared: 0 };
      const appended = await this.store.append(
        DISCOVERY_STREAM,
        [
          {
            id: uuidv7(),
            type: 'RediscoveryTriggered',
            data: result,
            metadata: {
              correlationId: ctx.correlationId,
              actor: ctx.actor,
              ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
            },
          },
        ],
        { streamState: 'any' },
      );
      await this.proposals.waitFor(appended.position, 5000);
      this.rescanner?.rescan();
      return result;
    });
  }

  private async run(
    proposalId: string,
    command: ProposalCommand,
    ctx: CommandContext,
    eventId?: string,
  ) {
    const result = await executeOnStream(
      this.store,
      proposalStream(proposalId),
      proposalDecider,
      command,
      undefined,
      ctx,
      eventId ? { newId: onceThen(eventId) } : {},
    );
    if (result.position !== undefined) await this.proposals.waitFor(result.position, 5000);
    return result.events;
  }
}

/** The first id is the given one (so callers can name it as a cause), later ones fresh. */
function onceThen(first: string): () => string {
  let used = false;
  return () => {
    if (used) return uuidv7();
    used = true;
    return first;
  };
}
