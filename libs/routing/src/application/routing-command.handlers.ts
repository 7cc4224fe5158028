import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  AddRouteCommand,
  PatchRouteCommand,
  PutRouteCommand,
  RegisterAppCommand,
  RemoveAppCommand,
  RemoveRouteCommand,
  UpdateAppCommand,
  type RoutingCommandResult,
} from './routing.commands';
import { RoutingWriter } from './routing-writer';

@CommandHandler(AddRouteCommand)
export class AddRouteHandler implements ICommandHandler<AddRouteCommand, RoutingCommandResult> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: AddRouteCommand) {
    return this.writer.route({ kind: 'AddRoute', route: c.route }, c.app, c.ctx);
  }
}

@CommandHandler(PutRouteCommand)
export class PutRouteHandler implements ICommandHandler<PutRouteCommand, RoutingCommandResult> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: PutRouteCommand) {
    return this.writer.route({ kind: 'PutRoute', route: c.route }, c.app, c.ctx);
  }
}

@CommandHandler(PatchRouteCommand)
export class PatchRouteHandler implements ICommandHandler<PatchRouteCommand, RoutingCommandResult> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: PatchRouteCommand) {
    return this.writer.route(
      { kind: 'PatchRoute', routeId: c.routeId, patch: c.patch },
      c.app,
      c.ctx,
    );
  }
}

@CommandHandler(RemoveRouteCommand)
export class RemoveRouteHandler implements ICommandHandler<
  RemoveRouteCommand,
  RoutingCommandResult
> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: RemoveRouteCommand) {
    return this.writer.route({ kind: 'RemoveRoute', routeId: c.routeId }, undefined, c.ctx);
  }
}

@CommandHandler(RegisterAppCommand)
export class RegisterAppHandler implements ICommandHandler<
  RegisterAppCommand,
  RoutingCommandResult
> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: RegisterAppCommand) {
    return this.writer.appCommand({ kind: 'RegisterApp', app: c.app }, c.ctx);
  }
}

@CommandHandler(UpdateAppCommand)
export class UpdateAppHandler implements ICommandHandler<UpdateAppCommand, RoutingCommandResult> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: UpdateAppCommand) {
    return this.writer.appCommand({ kind: 'UpdateApp', appId: c.appId, patch: c.patch }, c.ctx);
  }
}

@CommandHandler(RemoveAppCommand)
export class RemoveAppHandler implements ICommandHandler<RemoveAppCommand, RoutingCommandResult> {
  constructor(private readonly writer: RoutingWriter) {}
  execute(c: RemoveAppCommand) {
    return this.writer.appCommand(
      { kind: 'RemoveApp', appId: c.appId, reason: 'removed by request' },
      c.ctx,
    );
  }
}

export const ROUTING_COMMAND_HANDLERS = [
  AddRouteHandler,
  PutRouteHandler,
  PatchRouteHandler,
  RemoveRouteHandler,
  RegisterAppHandler,
  UpdateAppHandler,
  RemoveAppHandler,
];
