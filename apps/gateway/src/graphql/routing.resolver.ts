import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  Args,
  Context,
  ID,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { RequireScope } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import {
  AddRouteCommand,
  GetAppQuery,
  GetRouteQuery,
  ListAppsQuery,
  ListRoutesQuery,
  PatchRouteCommand,
  RegisterAppCommand,
  RemoveAppCommand,
  RemoveRouteCommand,
  UpdateAppCommand,
  type RouteInput as DomainRouteInput,
  type RouteSpec,
} from '#libs/routing';
import { GqlCommandContext, type GraphqlContext } from './graphql-context';
import { App, AppInput, AppPatch, Route, RouteInput, RoutePatch } from './graphql.types';
import { createLoaders, type Loaders } from './loaders';
import {
  appOf,
  baseUrlOf,
  defined,
  endpointsRecord,
  linkRoute,
  routeOf,
  type AppNode,
} from './views';

function loadersOf(queries: QueryBus, context: GraphqlContext): Loaders {
  return (context.loaders ??= createLoaders(queries));
}

/** Splits a route input into the route's fields and the app options that ride along (as REST). */
function splitRoute<T extends { icon?: string | null; appName?: string | null }>(input: T) {
  const { icon, appName, ...route } = defined(input);
  return {
    route,
    app: { ...(icon !== undefined ? { icon } : {}), ...(appName !== undefined ? { appName } : {}) },
  };
}

/** Routes: the queries and commands of `/api/v1/routes`, and each route's app (batched). */
@Resolver(() => Route)
export class RoutesResolver {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Query(() => [Route], { description: 'Every route (of one app when `appId` is given).' })
  @RequireScope('read:catalog')
  async routes(
    @Args('appId', { type: () => String, nullable: true }) appId?: string | null,
  ): Promise<Route[]> {
    return (await this.queries.execute(new ListRoutesQuery(appId ?? undefined))).map(routeOf);
  }

  @Query(() => Route, { description: 'One route; ROUTE_NOT_FOUND when there is none.' })
  @RequireScope('read:catalog')
  async route(@Args('id', { type: () => ID }) id: string): Promise<Route> {
    return routeOf(await this.queries.execute(new GetRouteQuery(id)));
  }

  @ResolveField(() => App, { nullable: true, description: 'The app the route serves.' })
  async app(
    @Parent() route: Route,
    @Context() context: GraphqlContext,
  ): Promise<AppNode | undefined> {
    const app = await loadersOf(this.queries, context).app.load(route.appId);
    return app ? appOf(app) : undefined;
  }

  @Mutation(() => Route, {
    description:
      'Adds a route (POST /api/v1/routes); its app is registered too when missing. ROUTE_EXISTS, ROUTE_CONFLICT, VALIDATION_FAILED.',
  })
  @RequireScope('write:routes')
  async addRoute(
    @Args('input') input: RouteInput,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<Route> {
    const { route, app } = splitRoute(input);
    await this.commands.execute(new AddRouteCommand(route as DomainRouteInput, app, ctx));
    return this.route(input.routeId);
  }

  @Mutation(() => Route, {
    description:
      'Changes the fields given (PATCH /api/v1/routes/{routeId}). ROUTE_NOT_FOUND, ROUTE_CONFLICT, VALIDATION_FAILED.',
  })
  @RequireScope('write:routes')
  async changeRoute(
    @Args('id', { type: () => ID }) id: string,
    @Args('patch') patch: RoutePatch,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<Route> {
    const { route, app } = splitRoute(patch);
    await this.commands.execute(new PatchRouteCommand(id, route as Partial<RouteSpec>, app, ctx));
    return this.route(id);
  }

  @Mutation(() => Boolean, {
    description: 'Removes a route; true whether or not it existed (deleting is idempotent).',
  })
  @RequireScope('write:routes')
  async removeRoute(
    @Args('id', { type: () => ID }) id: string,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<boolean> {
    await this.commands.execute(new RemoveRouteCommand(id, ctx));
    return true;
  }
}

/** Apps: the queries and commands of `/api/v1/apps`, and each app's routes (batched). */
@Resolver(() => App)
export class AppsResolver {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Query(() => [App], { description: 'Every app.' })
  @RequireScope('read:catalog')
  async apps(): Promise<AppNode[]> {
    const [apps, routes] = await Promise.all([
      this.queries.execute(new ListAppsQuery()),
      this.queries.execute(new ListRoutesQuery()),
    ]);
    return apps.map((a) =>
      appOf(
        a,
        routes.filter((r) => r.route.appId === a.app.id).map((r) => r.route),
      ),
    );
  }

  @ResolveField(() => [Route], { description: 'The routes that serve the app.' })
  async routes(@Parent() app: AppNode, @Context() context: GraphqlContext): Promise<Route[]> {
    return (await loadersOf(this.queries, context).routesOfApp.load(app.id)).map(routeOf);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'The path base of its first route (by path base).',
  })
  async proxyPath(
    @Parent() app: AppNode,
    @Context() context: GraphqlContext,
  ): Promise<string | undefined> {
    return linkRoute(await this.routeSpecsOf(app, context))?.pathBase;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Where the app is reached through the gateway, as the caller reached it.',
  })
  async url(
    @Parent() app: AppNode,
    @Context() context: GraphqlContext,
  ): Promise<string | undefined> {
    const route = linkRoute(await this.routeSpecsOf(app, context));
    return route ? `${baseUrlOf(context.req)}${route.pathBase}` : undefined;
  }

  private async routeSpecsOf(app: AppNode, context: GraphqlContext) {
    return (
      app.knownRoutes ??
      (await loadersOf(this.queries, context).routesOfApp.load(app.id)).map((r) => r.route)
    );
  }

  @Mutation(() => App, { description: 'Registers an app (POST /api/v1/apps). APP_EXISTS.' })
  @RequireScope('write:routes')
  async registerApp(
    @Args('input') input: AppInput,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<AppNode> {
    const { endpoints, ...rest } = defined(input);
    await this.commands.execute(
      new RegisterAppCommand(
        { ...rest, id: input.id, ...(endpoints ? { endpoints: endpointsRecord(endpoints) } : {}) },
        ctx,
      ),
    );
    return this.app(input.id);
  }

  @Mutation(() => App, {
    description: 'Changes the fields given (PATCH /api/v1/apps/{appId}). APP_NOT_FOUND.',
  })
  @RequireScope('write:routes')
  async updateApp(
    @Args('id', { type: () => ID }) id: string,
    @Args('patch') patch: AppPatch,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<AppNode> {
    const { endpoints, ...rest } = defined(patch);
    await this.commands.execute(
      new UpdateAppCommand(
        id,
        { ...rest, ...(endpoints ? { endpoints: endpointsRecord(endpoints) } : {}) },
        ctx,
      ),
    );
    return this.app(id);
  }

  @Mutation(() => Boolean, {
    description: 'Removes an app and its routes; true whether or not it existed.',
  })
  @RequireScope('write:routes')
  async removeApp(
    @Args('id', { type: () => ID }) id: string,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<boolean> {
    await this.commands.execute(new RemoveAppCommand(id, ctx));
    return true;
  }

  private async app(id: string): Promise<AppNode> {
    const [app, routes] = await Promise.all([
      this.queries.execute(new GetAppQuery(id)),
      this.queries.execute(new ListRoutesQuery(id)),
    ]);
    return appOf(
      app,
      routes.map((r) => r.route),
    );
  }
}
