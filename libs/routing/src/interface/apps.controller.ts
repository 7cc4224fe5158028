import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
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
import { appView, type AppView } from './routing.views';

@Controller('api/v1/apps')
export class AppsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequireScope('read:catalog')
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
  async remove(@Param('appId') appId: string, @Ctx() ctx: CommandContext): Promise<void> {
    await this.commands.execute(new RemoveAppCommand(appId, ctx));
  }
}

/** Where the gateway is reached, as the caller reached it (the configurable base URL arrives with the config issue). */
function baseUrlOf(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}
