import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RemoveAppCommand, RemoveRouteCommand, RouteTable } from '#libs/routing';
import { EVENT_STORE, executeOnStream, type EventStore } from '#libs/event-store';
import {
  DomainError,
  fold,
  Mutex,
  ValidationFailed,
  type CommandContext,
  type ErrorDetail,
} from '#libs/kernel';
import {
  DeploymentNotFound,
  deploymentDecider,
  deploymentStream,
  planDeployment,
  type BrokenTemplate,
  type DeploymentCommand,
  type DeploymentEvent,
  type DeploymentPlan,
  type ServiceTemplate,
} from '../domain';
import { TOOLBOX_CATALOG, type Catalog } from './catalog';
import type { DeploymentDirectory, DeploymentRecord } from './deployment-directory';
import { DeployFailure, type ComposeEngine, type DeployProgress, type SecretBox } from './ports';

export const DEPLOYMENT_DIRECTORY = Symbol('DEPLOYMENT_DIRECTORY');
export const COMPOSE_ENGINE = Symbol('COMPOSE_ENGINE');
export const SECRET_BOX = Symbol('SECRET_BOX');
export const TOOLBOX_SETTINGS = Symbol('TOOLBOX_SETTINGS');
export const PROGRESS_SINK = Symbol('PROGRESS_SINK');

/** What the toolbox reads from the running config (functions: a reload is seen at once). */
export interface ToolboxSettings {
  enabled(): boolean;
  bindAddress(): string;
  autoRoute(): boolean;
  deployTimeoutMs(): number;
  baseUrl(): string;
}

/** Where live progress goes (the WebSocket hub in the gateway). */
export type ProgressSink = (type: string, data: unknown, topic: string) => void;

export interface DeployBody {
  service_id?: unknown;
  service_name?: unknown;
  env_vars?: unknown;
  auto_start?: unknown;
  custom_port?: unknown;
  custom_image?: unknown;
}

export class ServiceNotFound extends DomainError {
  constructor(id: string) {
    super('SERVICE_NOT_FOUND', 'not_found', `no toolbox service with id "${id}"`);
  }
}

export class ToolboxDisabled extends DomainError {
  constructor() {
    super('TOOLBOX_DISABLED', 'unavailable', 'the toolbox is off (toolbox.enabled)');
  }
}

export class EngineFailed extends DomainError {
  constructor(what: string, message: string) {
    super('ENGINE_FAILED', 'unavailable', `the Docker engine refused to ${what}: ${message}`);
  }
}

const ID = /^deploy_[0-9a-f]{24}$/;
const MASK = '********';

/**
 * Deployments: each is a stream `deployment-<id>`; the engine work runs in the background
 * with its progress kept in memory and pushed live, and every outcome is an event. A
 * deployment that fails, times out or is interrupted by a shutdown is cleaned up before it
 * is recorded as failed; one interrupted by a crash is cleaned up at the next start.
 */
@Injectable()
export class ToolboxService implements OnApplicationShutdown {
  private readonly logger = new Logger('toolbox');
  private readonly lock = new Mutex();
  private readonly inFlight = new Map<
    string,
    { progress: DeployProgress; controller: AbortController; done: Promise<void> }
  >();
  private closing = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DEPLOYMENT_DIRECTORY) private readonly directory: DeploymentDirectory,
    @Inject(TOOLBOX_CATALOG) private readonly catalog: Catalog,
    @Inject(COMPOSE_ENGINE) private readonly engine: ComposeEngine,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(TOOLBOX_SETTINGS) private readonly settings: ToolboxSettings,
    private readonly commands: CommandBus,
    private readonly routes: RouteTable,
    @Inject(PROGRESS_SINK) private readonly sink: ProgressSink,
  ) {
    directory.onChange((record) =>
      this.sink(
        'toolbox.deployment.status',
        {
          deploymentId: record.id,
          status: record.status,
          ...(record.errorMessage ? { errorMessage: record.errorMessage } : {}),
        },
        `toolbox.deployment.${record.id}`,
      ),
    );
  }

  get enabled(): boolean {
    return this.settings.enabled();
  }

  // --- catalogue ---------------------------------------------------------------------------

  templates(): { templates: ServiceTemplate[]; broken: BrokenTemplate[] } {
    const templates: ServiceTemplate[] = [];
    const broken: BrokenTemplate[] = [];
    for (const e of this.catalog.entries())
      if (e.kind === 'template') templates.push(e.template);
      else broken.push(e.broken);
    return { templates, broken };
  }

  template(id: string): ServiceTemplate {
    this.requireEnabled();
    const entry = this.catalog
      .entries()
      .find((e) => (e.kind === 'template' ? e.template.id === id : e.broken.id === id));
    if (!entry) throw new ServiceNotFound(id);
    if (entry.kind === 'broken')
      throw new DomainError(
        'TEMPLATE_BROKEN',
        'conflict',
        `toolbox service "${id}" cannot be used: ${entry.broken.reason}`,
      );
    return entry.template;
  }

  // --- deployments -------------------------------------------------------------------------

  async deploy(body: DeployBody, ctx: CommandContext): Promise<DeploymentRecord> {
    this.requireEnabled();
    const problems: ErrorDetail[] = [];
    if (typeof body.service_id !== 'string' || body.service_id === '')
      problems.push({ field: 'service_id', message: 'is required' });
    if (body.auto_start !== undefined && typeof body.auto_start !== 'boolean')
      problems.push({ field: 'auto_start', message: 'true or false' });
    if (body.custom_image !== undefined && body.custom_image !== '')
      problems.push({
        field: 'custom_image',
        message: 'is not supported; the template names its images',
      });
    let template: ServiceTemplate | undefined;
    let plan: DeploymentPlan | undefined;
    if (typeof body.service_id === 'string' && body.service_id !== '') {
      try {
        template = this.template(body.service_id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        problems.push({ field: 'service_id', message: error.message });
      }
      const planned = template
        ? this.tryPlan(template, body.service_name, body.env_vars, body.custom_port)
        : undefined;
      if (planned && 'problems' in planned) problems.push(...planned.problems);
      else if (planned) plan = planned.plan;
    }
    // Every missing or bad field at once, not the first one only.
    if (problems.length > 0 || !template || !plan) throw new ValidationFailed(problems);
    const autoStart = body.auto_start !== false;
    const id = `deploy_${randomBytes(12).toString('hex')}`;
    const secretNames = template.envVars.filter((v) => v.secret).map((v) => v.name);
    const clear: Record<string, string> = {};
    const secret: Record<string, string> = {};
    for (const [k, v] of Object.entries(plan.userVars))
      (secretNames.includes(k) ? secret : clear)[k] = v;
    await this.lock.run(async () => {
      const existing = this.directory.byProject(plan.projectName);
      if (existing)
        throw new DomainError(
          'DEPLOYMENT_EXISTS',
          'conflict',
          `a deployment named "${existing.serviceName}" exists (${existing.id}, ${existing.status}); remove it first`,
        );
      await this.run(
        id,
        {
          kind: 'Request',
          request: {
            deploymentId: id,
            serviceId: template.id,
            serviceName: plan.serviceName,
            projectName: plan.projectName,
            envVars: clear,
            secretNames: secretNames.filter((n) => n in secret),
            ...(Object.keys(secret).length > 0
              ? { sealedSecrets: this.secrets.seal(secret, id) }
              : {}),
            autoStart,
            ...(plan.customPort ? { customPort: plan.customPort } : {}),
          },
        },
        ctx,
      );
      if (autoStart) await this.launch(id, plan, ctx);
    });
    return this.get(id);
  }

  list(status?: string): DeploymentRecord[] {
    return this.directory.list(status);
  }

  get(id: string): DeploymentRecord {
    const record = ID.test(id) ? this.directory.get(id) : undefined;
    if (!record) throw new DeploymentNotFound(id);
    return record;
  }

  progressOf(id: string): DeployProgress | undefined {
    return this.inFlight.get(id)?.progress;
  }

  /** The record as the API shows it: secrets masked, never in clear. */
  masked(record: DeploymentRecord): Record<string, string> {
    return {
      ...record.envVars,
      ...Object.fromEntries(record.secretNames.map((n) => [n, MASK])),
    };
  }

  async stop(id: string, ctx: CommandContext): Promise<DeploymentRecord> {
    this.requireEnabled();
    await this.lock.run(async () => {
      const record = this.get(id);
      if (record.status === 'stopped') return;
      await this.run(id, { kind: 'Stop', deploymentId: id }, ctx, true);
      try {
        await this.engine.stop(record.projectName);
      } catch (error) {
        throw new EngineFailed('stop the containers', messageOf(error));
      }
      await this.run(id, { kind: 'Stop', deploymentId: id }, ctx);
    });
    return this.get(id);
  }

  /** Starts a stopped deployment's containers, or deploys a pending or failed one. */
  async start(id: string, ctx: CommandContext): Promise<DeploymentRecord> {
    this.requireEnabled();
    await this.lock.run(async () => {
      const record = this.get(id);
      if (record.status === 'stopped') {
        try {
          await this.engine.start(record.projectName);
        } catch (error) {
          throw new EngineFailed('start the containers', messageOf(error));
        }
        await this.run(id, { kind: 'Resume', deploymentId: id }, ctx);
        return;
      }
      if (record.status !== 'pending' && record.status !== 'failed') return;
      const secret = record.sealedSecrets ? this.secrets.open(record.sealedSecrets, id) : {};
      const plan = this.plan(
        this.template(record.serviceId),
        record.serviceName,
        { ...record.envVars, ...secret },
        record.customPort,
      );
      await this.launch(id, plan, ctx);
    });
    return this.get(id);
  }

  async remove(id: string, removeVolumes: boolean, ctx: CommandContext): Promise<void> {
    this.requireEnabled();
    await this.lock.run(async () => {
      const record = this.get(id);
      // Refused before the engine is touched when it is mid-deployment.
      await this.run(
        id,
        { kind: 'Remove', deploymentId: id, volumesRemoved: removeVolumes },
        ctx,
        true,
      );
      try {
        await this.engine.remove(record.projectName, removeVolumes);
      } catch (error) {
        throw new EngineFailed('remove the deployment', messageOf(error));
      }
      await this.run(id, { kind: 'Remove', deploymentId: id, volumesRemoved: removeVolumes }, ctx);
      await this.unroute(record, ctx);
    });
  }

  /**
   * The routes that pointed at the removed containers go with them (an approval, by the
   * auto-router or an admin, made them), and so does an app left without routes.
   */
  private async unroute(record: DeploymentRecord, ctx: CommandContext): Promise<void> {
    const gone = new Set(record.containers.map((c) => c.containerId.slice(0, 12)));
    const apps = new Set<string>();
    for (const route of this.routes.allRoutes()) {
      if (!route.containerId || !gone.has(route.containerId.slice(0, 12))) continue;
      await this.commands.execute(new RemoveRouteCommand(route.routeId, ctx));
      apps.add(route.appId);
    }
    for (const appId of apps)
      if (this.routes.routesOfApp(appId).length === 0 && this.routes.app(appId))
        await this.commands.execute(new RemoveAppCommand(appId, ctx));
  }

  /**
   * After the projections caught up: a deployment still "deploying" was cut short by a
   * crash; what it created is removed and it is recorded as failed.
   */
  async recover(): Promise<void> {
    if (!this.enabled) return;
    for (const record of this.directory.list('deploying')) {
      if (this.inFlight.has(record.id)) continue;
      const ctx: CommandContext = {
        correlationId: record.id,
        actor: { kind: 'system', id: 'toolbox' },
      };
      try {
        await this.engine.cleanup(record.projectName, record.id);
      } catch (error) {
        this.logger.warn(`cleaning up interrupted deployment ${record.id}: ${messageOf(error)}`);
      }
      await this.run(
        record.id,
        {
          kind: 'Fail',
          deploymentId: record.id,
          phase: 'interrupted',
          message: 'the gateway stopped during the deployment; what it had created was removed',
        },
        ctx,
      );
    }
  }

  /** Waits for running deployments to finish cleaning up after an abort. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const flight of this.inFlight.values())
      flight.controller.abort('the gateway shut down during the deployment');
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  private plan(
    template: ServiceTemplate,
    serviceName: unknown,
    envVars: unknown,
    customPort: unknown,
  ): DeploymentPlan {
    const result = this.tryPlan(template, serviceName, envVars, customPort);
    if ('problems' in result) throw new ValidationFailed(result.problems);
    return result.plan;
  }

  private tryPlan(
    template: ServiceTemplate,
    serviceName: unknown,
    envVars: unknown,
    customPort: unknown,
  ) {
    return planDeployment(
      template,
      { serviceName, envVars, customPort },
      { baseUrl: this.settings.baseUrl(), bindAddress: this.settings.bindAddress() },
    );
  }

  /** Records the start, then runs the engine in the background. Called under the lock. */
  private async launch(id: string, plan: DeploymentPlan, ctx: CommandContext): Promise<void> {
    if (this.closing)
      throw new DomainError('SHUTTING_DOWN', 'unavailable', 'the gateway is stopping');
    const services = plan.project.services.map((s) => s.name);
    await this.run(id, { kind: 'Start', deploymentId: id, services }, ctx);
    const controller = new AbortController();
    const timeoutMs = this.settings.deployTimeoutMs();
    const timer = setTimeout(
      () => controller.abort(`the deployment timed out after ${Math.round(timeoutMs / 1000)} s`),
      timeoutMs,
    );
    timer.unref();
    const progress: DeployProgress = {
      phase: 'images',
      services: Object.fromEntries(services.map((s) => [s, 'waiting' as const])),
    };
    const flight = { progress, controller, done: Promise.resolve() };
    this.inFlight.set(id, flight);
    const system: CommandContext = { ...ctx, actor: { kind: 'system', id: 'toolbox' } };
    flight.done = (async () => {
      try {
        const outcome = await this.engine.deploy(id, plan.projectName, plan.project, {
          signal: controller.signal,
          progress: (p) => {
            flight.progress = p;
            this.sink(
              'toolbox.deployment.progress',
              { deploymentId: id, ...p },
              `toolbox.deployment.${id}`,
            );
          },
        });
        await this.run(id, { kind: 'Succeed', deploymentId: id, ...outcome }, system);
      } catch (error) {
        const phase = error instanceof DeployFailure ? error.phase : flight.progress.phase;
        const message = controller.signal.aborted
          ? `${String(controller.signal.reason)} (${messageOf(error)})`
          : messageOf(error);
        try {
          await this.engine.cleanup(plan.projectName, id);
        } catch (cleanup) {
          this.logger.warn(`cleaning up failed deployment ${id}: ${messageOf(cleanup)}`);
        }
        await this.run(id, { kind: 'Fail', deploymentId: id, phase, message }, system).catch(
          (e: unknown) => this.logger.error(`recording the failure of ${id}: ${messageOf(e)}`),
        );
      } finally {
        clearTimeout(timer);
        this.inFlight.delete(id);
      }
    })();
  }

  /** Runs a command on the deployment's stream; `dryRun` only checks that it is allowed. */
  private async run(
    id: string,
    command: DeploymentCommand,
    ctx: CommandContext,
    dryRun = false,
  ): Promise<void> {
    if (dryRun) {
      const history: DeploymentEvent[] = [];
      for await (const e of this.store.readStream(deploymentStream(id)))
        history.push({ type: e.type, data: e.data } as DeploymentEvent);
      deploymentDecider.decide(command, fold(deploymentDecider, history));
      return;
    }
    const result = await executeOnStream(
      this.store,
      deploymentStream(id),
      deploymentDecider,
      command,
      undefined,
      ctx,
    );
    if (result.position !== undefined) await this.directory.waitFor(result.position, 5000);
  }

  private requireEnabled(): void {
    if (!this.enabled) throw new ToolboxDisabled();
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
