import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe, RequireScope } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import type { IncomingMessage } from 'node:http';
import {
  RegisterAppCommand,
  RemoveAppCommand,
  UpdateAppCommand,
} from '../application/routing.commands';
import { GetAppQuery, ListAppsQuery, ListRoutesQuery } from '../application/routing.queries';
import type { AppInput, AppSpec } from '../domain';
import { CREATE_APP_SCHEMA, PATCH_APP_SCHEMA } from './routing.schemas';
import { APP_VIEW_SCHEMA, requestSchema } from './routing.openapi';
import { appView, type AppView } from './routing.views';

@ApiTags('routing')
@Controller('api/v1/apps')
export class AppsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'List apps', description: 'Every app, `[]` when there are none.' })
  @ApiOkResponse({ description: 'The apps.', schema: { type: 'array', items: APP_VIEW_SCHEMA } })
  async list(@Req() req: IncomingMessage): Promise<AppView[]> {
    const [apps, routes] = await Promise.all([
      this.queries.execute(new ListAppsQuery()),
      this.queries.execute(new ListRoutesQuery()),
    ]);
    const base = baseUrlOf(req);
    return apps.map((a) =>
      appView(
        a,
        routes.filter((r) => r.route.appId === a.app.id).map((r) => r.route),
        base,
      ),
    );
  }

  @Get(':appId')
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'Get an app' })
  @ApiOkResponse({ description: 'The app.', schema: APP_VIEW_SCHEMA })
  @ApiNotFoundResponse({ description: 'APP_NOT_FOUND: no app with this id.' })
  async get(@Param('appId') appId: string, @Req() req: IncomingMessage): Promise<AppView> {
    const [app, routes] = await Promise.all([
      this.queries.execute(new GetAppQuery(appId)),
      this.queries.execute(new ListRoutesQuery(appId)),
    ]);
    return appView(
      app,
      routes.map((r) => r.route),
      baseUrlOf(req),
    );
  }

  @Post()
  @RequireScope('write:routes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an app' })
  @ApiBody({ schema: requestSchema('CreateApp', CREATE_APP_SCHEMA) })
  @ApiCreatedResponse({ description: 'The app as stored.', schema: APP_VIEW_SCHEMA })
  @ApiConflictResponse({ description: 'APP_EXISTS: an app with this id exists.' })
  async create(
    @Body(new JsonBodyPipe(CREATE_APP_SCHEMA)) body: AppInput,
    @Ctx() ctx: CommandContext,
    @Req() req: IncomingMessage,
  ): Promise<AppView> {
    await this.commands.execute(new RegisterAppCommand(body, ctx));
    return this.get(body.id, req);
  }

  @Patch(':appId')
  @RequireScope('write:routes')
  @ApiOperation({ summary: 'Change an app', description: 'Changes only the fields given.' })
  @ApiBody({ schema: requestSchema('PatchApp', PATCH_APP_SCHEMA) })
  @ApiOkResponse({ description: 'The app as stored.', schema: APP_VIEW_SCHEMA })
  @ApiNotFoundResponse({ description: 'APP_NOT_FOUND: no app with this id.' })
  async update(
    @Param('appId') appId: string,
    @Body(new JsonBodyPipe(PATCH_APP_SCHEMA)) body: Partial<Omit<AppSpec, 'id'>>,
    @Ctx() ctx: CommandContext,
    @Req() req: IncomingMessage,
  ): Promise<AppView> {
    await this.commands.execute(new UpdateAppCommand(appId, body, ctx));
    return this.get(appId, req);
  }

  /** Removes the app and its routes; 204 whether or not it existed. */
  @Delete(':appId')
  @RequireScope('write:routes')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove an app and its routes',
    description: '204 whether or not the app existed: deleting is idempotent.',
  })
  @ApiNoContentResponse({ description: 'The app and its routes are gone.' })
  async remove(@Param('appId') appId: string, @Ctx() ctx: CommandContext): Promise<void> {
    await this.commands.execute(new RemoveAppCommand(appId, ctx));
  }
}

/** Where the gateway is reached, as the caller reached it (the configurable base URL arrives with the config issue). */
function baseUrlOf(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}
