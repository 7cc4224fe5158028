import { Inject, Injectable, Logger } from '@nestjs/common';
import { Mutex, type CommandContext } from '#libs/kernel';
import { DiscoveryService, PROPOSAL_DIRECTORY, type ProposalDirectory } from '#libs/discovery';
import type { DeploymentDirectory } from './deployment-directory';
import { DEPLOYMENT_DIRECTORY, TOOLBOX_SETTINGS, type ToolboxSettings } from './toolbox.service';
import { messageOf } from './toolbox.service';

const WATCHED = new Set([
  'ServiceDiscovered',
  'ServiceChanged',
  'DeploymentSucceeded',
  'DeploymentResumed',
]);

/**
 * `toolbox.auto_route`: the discovery proposal of a deployed service's container is approved
 * with actor `system:toolbox`, correlated with the deployment and caused by its success, so
 * the audit trail says why an app appeared. With the setting off, proposals wait for an admin.
 */
@Injectable()
export class ToolboxAutoRouter {
  private readonly logger = new Logger('toolbox');
  private readonly lock = new Mutex();
  private readonly attempted = new Set<string>();
  private live = false;
  private scheduled = false;

  constructor(
    @Inject(DEPLOYMENT_DIRECTORY) private readonly deployments: DeploymentDirectory,
    @Inject(PROPOSAL_DIRECTORY) private readonly proposals: ProposalDirectory,
    @Inject(TOOLBOX_SETTINGS) private readonly settings: ToolboxSettings,
    private readonly discovery: DiscoveryService,
  ) {
    deployments.onEvent((event) => {
      if (WATCHED.has(event.type)) this.schedule();
    });
  }

  /** From now on (the log is replayed), new proposals and deployments are acted upon. */
  start(): void {
    this.live = true;
    this.schedule();
  }

  /** Resolves once the approvals scheduled so far are done (tests). */
  settled(): Promise<void> {
    return this.lock.run(async () => undefined);
  }

  private schedule(): void {
    if (!this.live || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.lock.run(() => this.reconcile());
    });
  }

  private async reconcile(): Promise<void> {
    if (!this.settings.enabled() || !this.settings.autoRoute()) return;
    const owners = new Map<string, { id: string; causation: string }>();
    for (const d of this.deployments.list('deployed'))
      for (const c of d.containers) owners.set(c.name, { id: d.id, causation: d.lastEventId });
    if (owners.size === 0) return;
    for (const p of this.proposals.list({ source: 'docker', status: 'pending' })) {
      const owner = owners.get(p.service.identity);
      if (!owner || this.attempted.has(p.service.proposalId)) continue;
      this.attempted.add(p.service.proposalId);
      const ctx: CommandContext = {
        correlationId: owner.id,
        causationId: owner.causation,
        actor: { kind: 'system', id: 'toolbox' },
      };
      try {
        await this.discovery.approve(p.service.proposalId, {}, ctx);
        this.logger.log(
          `approved ${p.service.proposalId} for deployment ${owner.id} (toolbox.auto_route)`,
        );
      } catch (error) {
        this.logger.warn(
          `could not approve ${p.service.proposalId} for deployment ${owner.id}: ${messageOf(error)}`,
        );
      }
    }
  }
}
