import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '#libs/kernel';
import type { AppInput, AppSpec, RouteInput, RouteSpec } from '../domain';

export interface RoutingCommandResult {
  /** Position of the last event appended; undefined when nothing changed. */
  position: bigint | undefined;
}

export class RegisterAppCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly app: AppInput,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

export class UpdateAppCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly appId: string,
    readonly patch: Partial<Omit<AppSpec, 'id'>>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Removes an app and every route that points at it. */
export class RemoveAppCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly appId: string,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Options that come with a route write: the app it names is registered when missing. */
export interface RouteAppOptions {
  appName?: string;
  icon?: string;
}

export class AddRouteCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly route: RouteInput,
    readonly app: RouteAppOptions,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Create or fully replace a route (HTTP PUT): fields not given take their defaults. */
export class PutRouteCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly route: RouteInput,
    readonly app: RouteAppOptions,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Change only the given fields of a route (HTTP PATCH). */
export class PatchRouteCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly routeId: string,
    readonly patch: Partial<Omit<RouteSpec, 'routeId'>>,
    readonly app: RouteAppOptions,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Removes a route; the app goes too when no other route points at it (as in Nekzus). */
export class RemoveRouteCommand extends Command<RoutingCommandResult> {
  constructor(
    readonly routeId: string,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
