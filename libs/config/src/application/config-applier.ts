import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  executeOnStream,
  loadStream,
  StreamStateCache,
  uuidv7,
  type EventStore,
} from '#libs/event-store';
import type { CommandContext } from '#libs/kernel';
import {
  PutRouteCommand,
  RegisterAppCommand,
  RemoveAppCommand,
  RemoveRouteCommand,
  RouteTable,
  UpdateAppCommand,
} from '#libs/routing';
import type { NekzusConfig } from '../config.schema';
import {
  CONFIG_STREAM,
  configDecider,
  type ConfigState,
  type ConfigSummary,
} from '../domain/config.decider';
import { desiredState, liveChanges, pendingRestart } from './config-routes';

export type ApplyOutcome =
  | { status: 'applied'; summary: ConfigSummary; pendingRestart: string[]; changed: string[] }
  | { status: 'unchanged' }
  | { status: 'rejected'; errors: string[] };

/**
 * Makes the routes and apps a config declares true, through the routing commands with actor
 * `config`: a `ConfigApplied` event with the summary first, then only the differences. Routes
 * and apps that came from the API or discovery are never touched; a config that is invalid
 * (or breaks a routing rule) changes nothing and is recorded as `ConfigRejected`.
 */
@Injectable()
export class ConfigApplier {
  private readonly logger = new Logger('config');
  /** The config stream's folded state: each apply reads only what was appended since. */
  private readonly state = new StreamStateCache<ConfigState>(1);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commands: CommandBus,
    private readonly table: RouteTable,
  ) {}

  async reject(source: string, errors: string[]): Promise<ApplyOutcome> {
    const ctx = this.context(source, uuidv7());
    await executeOnStream(
      this.store,
      CONFIG_STREAM,
      configDecider,
      { kind: 'RejectConfig', source, errors },
      undefined,
      ctx,
      { cache: this.state },
    );
    for (const error of errors) this.logger.error(`config rejected: ${error}`);
    return { status: 'rejected', errors };
  }

  async apply(config: NekzusConfig, source: string, running?: NekzusConfig): Promise<ApplyOutcome> {
    const { state } = await loadStream(this.store, CONFIG_STREAM, configDecider, this.state);
    const owned = new Set(state.routeIds);
    const desired = desiredState(config, this.table, owned);
    if (desired.errors.length > 0) return this.reject(source, desired.errors);

    const wanted = new Set(desired.routes.map((r) => r.routeId));
    const wantedApps = new Set(desired.apps.map((a) => a.id));
    const summary: ConfigSummary = {
      routesPut: desired.routes
        .filter((r) => JSON.stringify(this.table.route(r.routeId)) !== JSON.stringify(r))
        .map((r) => r.routeId),
      routesRemoved: state.routeIds.filter((id) => !wanted.has(id) && this.table.route(id)),
      appsPut: desired.apps
        .filter((a) => JSON.stringify(this.table.app(a.id)) !== JSON.stringify(a))
        .map((a) => a.id),
      appsRemoved: state.appIds.filter((id) => !wantedApps.has(id) && this.table.app(id)),
    };
    const restart = running ? pendingRestart(running, config) : [];
    const changed = running ? liveChanges(running, config) : [];
    const appliedId = uuidv7();
    const correlationId = uuidv7();
    const result = await executeOnStream(
      this.store,
      CONFIG_STREAM,
      configDecider,
      {
        kind: 'ApplyConfig',
        applied: {
          source,
          digest: desired.digest,
          routeIds: [...wanted],
          appIds: [...wantedApps],
          summary,
          pendingRestart: restart,
          changed,
        },
      },
      undefined,
      this.context(source, correlationId),
      { newId: () => appliedId, cache: this.state },
    );
    if (result.events.length === 0) return { status: 'unchanged' };

    // Every routing change carries the ConfigApplied event as its cause.
    const ctx = this.context(source, correlationId, appliedId);
    for (const routeId of summary.routesRemoved)
      await this.commands.execute(new RemoveRouteCommand(routeId, ctx));
    for (const app of desired.apps.filter((a) => summary.appsPut.includes(a.id))) {
      const { id, ...patch } = app;
      if (this.table.app(id)) await this.commands.execute(new UpdateAppCommand(id, patch, ctx));
      else await this.commands.execute(new RegisterAppCommand(app, ctx));
    }
    for (const route of desired.routes.filter((r) => summary.routesPut.includes(r.routeId)))
      await this.commands.execute(new PutRouteCommand(route, {}, ctx));
    for (const appId of summary.appsRemoved)
      if (this.table.app(appId)) await this.commands.execute(new RemoveAppCommand(appId, ctx));
    for (const key of restart) this.logger.warn(`${key} changed; it takes effect after a restart`);
    return { status: 'applied', summary, pendingRestart: restart, changed };
  }

  private context(source: string, correlationId: string, causationId?: string): CommandContext {
    return {
      correlationId,
      ...(causationId ? { causationId } : {}),
      actor: { kind: 'config', id: source.slice(-256) },
    };
  }
}
