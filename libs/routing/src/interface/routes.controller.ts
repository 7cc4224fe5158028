import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Ctx, JsonBodyPipe, RequireScope } from '#libs/http';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import {
  AddRouteCommand,
  PatchRouteCommand,
  PutRouteCommand,
  RemoveRouteCommand,
} from '../application/routing.commands';
import { GetRouteQuery, ListRoutesQuery } from '../application/routing.queries';
import type { RouteSpec } from '../domain';
import { CREATE_ROUTE_SCHEMA, PATCH_ROUTE_SCHEMA, PUT_ROUTE_SCHEMA } from './routing.schemas';
import { routeView, splitRouteBody, type RouteBody, type RouteView } from './routing.views';

@Controller('api/v1/routes')
export class RoutesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequireScope('read:catalog')
  async list(@Query('appId') appId?: string): Promise<RouteView[]> {
    return (await this.queries.execute(new ListRoutesQuery(appId))).map(routeView);
  }

  @Get(':routeId')
  @RequireScope('read:catalog')
  async get(@Param('routeId') routeId: string): Promise<RouteView> {
    return routeView(await this.queries.execute(new GetRouteQuery(routeId)));
  }

  @Post()
  @RequireScope('write:routes')
  @HttpCode(201)
  async create(
    @Body(new JsonBodyPipe(CREATE_ROUTE_SCHEMA)) body: RouteBody,
    @Ctx() ctx: CommandContext,
  ): Promise<RouteView> {
    const { route, app } = splitRouteBody(body);
    await this.commands.execute(new AddRouteCommand(route, app, ctx));
    return this.get(route.routeId);
  }

  /** Creates the route or replaces it whole; fields left out take their defaults. */
  @Put(':routeId')
  @RequireScope('write:routes')
  async replace(
    @Param('routeId') routeId: string,
    @Body(new JsonBodyPipe(PUT_ROUTE_SCHEMA))
    body: Omit<RouteBody, 'routeId'> & { routeId?: string },
    @Ctx() ctx: CommandContext,
  ): Promise<RouteView> {
    assertSameId(routeId, body.routeId);
    const { route, app } = splitRouteBody(body);
    await this.commands.execute(new PutRouteCommand({ ...route, routeId }, app, ctx));
    return this.get(routeId);
  }

  /** Changes only the fields given. */
  @Patch(':routeId')
  @RequireScope('write:routes')
  async update(
    @Param('routeId') routeId: string,
    @Body(new JsonBodyPipe(PATCH_ROUTE_SCHEMA)) body: Partial<RouteBody>,
    @Ctx() ctx: CommandContext,
  ): Promise<RouteView> {
    assertSameId(routeId, body.routeId);
    const { route, app } = splitRouteBody(body);
    const { routeId: _ignored, ...patch } = route as Partial<RouteSpec>;
    await this.commands.execute(new PatchRouteCommand(routeId, patch, app, ctx));
    return this.get(routeId);
  }

  /** 204 whether or not the route existed: deleting is idempotent. */
  @Delete(':routeId')
  @RequireScope('write:routes')
  @HttpCode(204)
  async remove(@Param('routeId') routeId: string, @Ctx() ctx: CommandContext): Promise<void> {
    await this.commands.execute(new RemoveRouteCommand(routeId, ctx));
  }
}

function assertSameId(fromUrl: string, fromBody: string | undefined): void {
  if (fromBody !== undefined && fromBody !== fromUrl)
    throw new ValidationFailed([
      {
        field: 'routeId',
        message: `"${fromBody}" differs from the route id in the URL ("${fromUrl}")`,
      },
    ]);
}
