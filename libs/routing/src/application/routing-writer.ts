import { Inject, Injectable } from '@nestjs/common';
import {
  EVENT_STORE,
  executeOnStream,
  loadStream,
  StreamStateCache,
  type EventStore,
} from '#libs/event-store';
import { Mutex, type CommandContext } from '#libs/kernel';
import {
  appDecider,
  appStream,
  routeDecider,
  routeStream,
  type AppCommand,
  type AppState,
  type RouteCommand,
  type RouteContext,
  type RouteState,
} from '../domain';
import type { RouteAppOptions, RoutingCommandResult } from './routing.commands';
import { CONSISTENCY, type ConsistencyPort } from './routing-read.port';
import { RouteTable } from './route-table';

/**
 * The write side of routing. Path bases and subdomains must be unique across streams, so
 * routing commands run one at a time and decide against a route table that has caught up
 * with the log; each stream append still carries its expected revision.
 */
@Injectable()
export class RoutingWriter {
  private readonly lock = new Mutex();
  private readonly routeStates = new StreamStateCache<RouteState>();
  private readonly appStates = new StreamStateCache<AppState>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly table: RouteTable,
    @Inject(CONSISTENCY) private readonly consistency: ConsistencyPort,
  ) {}

  /** Runs a route command, registering (or re-iconing) the app it names first when asked. */
  route(
    command: RouteCommand,
    app: RouteAppOptions | undefined,
    ctx: CommandContext,
  ): Promise<RoutingCommandResult> {
    return this.exclusive(async () => {
      const context = this.routeContext();
      const routeId =
        command.kind === 'AddRoute' || command.kind === 'PutRoute'
          ? command.route.routeId
          : command.routeId;
      // Decide once without writing: an invalid route must not leave a freshly registered app behind.
      const preview = routeDecider.decide(command, await this.routeState(routeId), context);
      let position: bigint | undefined;
      const touched = preview.find((e) => e.type !== 'RouteRemoved');
      if (app && touched) {
        const appId = touched.data.route.appId;
        position = max(
          position,
          await this.app(
            {
              kind: 'EnsureApp',
              app: {
                id: appId,
                name: app.appName ?? appId,
                ...(app.icon ? { icon: app.icon } : {}),
              },
            },
            ctx,
          ),
        );
        if (app.icon && this.table.app(appId)?.icon !== app.icon)
          position = max(
            position,
            await this.app({ kind: 'UpdateApp', appId, patch: { icon: app.icon } }, ctx),
          );
      }
      const result = await executeOnStream(
        this.store,
        routeStream(routeId),
        routeDecider,
        command,
        context,
        ctx,
        { cache: this.routeStates },
      );
      position = max(position, result.position);
      const removed = result.events.find((e) => e.type === 'RouteRemoved');
      if (removed?.type === 'RouteRemoved') {
        await this.settle(position);
        if (this.table.routesOfApp(removed.data.appId).length === 0)
          position = max(
            position,
            await this.app(
              {
                kind: 'RemoveApp',
                appId: removed.data.appId,
                reason: 'its last route was removed',
              },
              ctx,
            ),
          );
      }
      return this.finish(position);
    });
  }

  /** Runs an app command; removing an app removes its routes first. */
  appCommand(command: AppCommand, ctx: CommandContext): Promise<RoutingCommandResult> {
    return this.exclusive(async () => {
      let position: bigint | undefined;
      if (command.kind === 'RemoveApp') {
        for (const route of this.table.routesOfApp(command.appId)) {
          const r = await executeOnStream(
            this.store,
            routeStream(route.routeId),
            routeDecider,
            { kind: 'RemoveRoute', routeId: route.routeId },
            this.routeContext(),
            ctx,
            { cache: this.routeStates },
          );
          position = max(position, r.position);
        }
      }
      position = max(position, await this.app(command, ctx));
      return this.finish(position);
    });
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      await this.settle(await this.store.headPosition());
      return work();
    });
  }

  private async app(command: AppCommand, ctx: CommandContext): Promise<bigint | undefined> {
    const id =
      command.kind === 'RegisterApp' || command.kind === 'EnsureApp'
        ? command.app.id
        : command.appId;
    const result = await executeOnStream(
      this.store,
      appStream(id),
      appDecider,
      command,
      undefined,
      ctx,
      {
        cache: this.appStates,
      },
    );
    if (result.position !== undefined) await this.settle(result.position);
    return result.position;
  }

  private async routeState(routeId: string): Promise<RouteState> {
    return (await loadStream(this.store, routeStream(routeId), routeDecider, this.routeStates))
      .state;
  }

  private routeContext(): RouteContext {
    return {
      pathBaseOwner: (p) => this.table.pathBaseOwner(p),
      subdomainOwner: (s) => this.table.subdomainOwner(s),
    };
  }

  /** Waits until the route table has applied `position`, so the next decision sees it. */
  private async settle(position: bigint | undefined): Promise<void> {
    if (position !== undefined) await this.table.waitFor(position, 5000);
  }

  private async finish(position: bigint | undefined): Promise<RoutingCommandResult> {
    if (position !== undefined) await this.consistency.waitFor(position);
    return { position };
  }
}

function max(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
