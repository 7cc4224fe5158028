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
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
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
import { requestSchema, ROUTE_VIEW_SCHEMA } from './routing.openapi';
import { routeView, splitRouteBody, type RouteBody, type RouteView } from './routing.views';

@ApiTags('routing')
@Controller('api/v1/routes')
export class RoutesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'List routes', description: 'Every route, `[]` when there are none.' })
  @ApiQuery({ name: 'appId', required: false, description: 'Only the routes of this app.' })
  @ApiOkResponse({
    description: 'The routes.',
    schema: { type: 'array', items: ROUTE_VIEW_SCHEMA },
  })
  async list(@Query('appId') appId?: string): Promise<RouteView[]> {
    return (await this.queries.execute(new ListRoutesQuery(appId))).map(routeView);
  }

  @Get(':routeId')
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'Get a route' })
  @ApiOkResponse({ description: 'The route.', schema: ROUTE_VIEW_SCHEMA })
  @ApiNotFoundResponse({ description: 'ROUTE_NOT_FOUND: no route with this id.' })
  async get(@Param('routeId') routeId: string): Promise<RouteView> {
    return routeView(await this.queries.execute(new GetRouteQuery(routeId)));
  }

  @Post()
  @RequireScope('write:routes')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a route',
    description:
      'Adds a route; its app is registered too when it does not exist yet (named by `appName`, with `icon`).',
  })
  @ApiBody({ schema: requestSchema('CreateRoute', CREATE_ROUTE_SCHEMA) })
  @ApiCreatedResponse({ description: 'The route as stored.', schema: ROUTE_VIEW_SCHEMA })
  @ApiConflictResponse({
    description:
      'ROUTE_EXISTS: a route with this id exists (change it with PUT or PATCH); ROUTE_CONFLICT: another route has this path base or subdomain.',
  })
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
  @ApiOperation({
    summary: 'Create or replace a route',
    description: 'Creates the route or replaces it whole; fields left out take their defaults.',
  })
  @ApiBody({ schema: requestSchema('PutRoute', PUT_ROUTE_SCHEMA) })
  @ApiOkResponse({ description: 'The route as stored.', schema: ROUTE_VIEW_SCHEMA })
  @ApiConflictResponse({
    description: 'ROUTE_CONFLICT: another route has this path base or subdomain.',
  })
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
  @ApiOperation({ summary: 'Change a route', description: 'Changes only the fields given.' })
  @ApiBody({ schema: requestSchema('PatchRoute', PATCH_ROUTE_SCHEMA) })
  @ApiOkResponse({ description: 'The route as stored.', schema: ROUTE_VIEW_SCHEMA })
  @ApiNotFoundResponse({ description: 'ROUTE_NOT_FOUND: no route with this id.' })
  @ApiConflictResponse({
    description: 'ROUTE_CONFLICT: another route has this path base or subdomain.',
  })
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
  @ApiOperation({
    summary: 'Remove a route',
    description: '204 whether or not the route existed: deleting is idempotent.',
  })
  @ApiNoContentResponse({ description: 'The route is gone.' })
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
