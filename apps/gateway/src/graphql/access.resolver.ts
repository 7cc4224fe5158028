import { type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiKeysService } from '#libs/access';
import { RequireScope } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import { DevicesService } from '#libs/pairing';
import { GqlCommandContext } from './graphql-context';
import {
  ApiKey,
  CreateApiKeyInput,
  CreatedApiKey,
  Device,
  DeviceRevocation,
} from './graphql.types';

/**
 * Devices and API keys, through the services their REST controllers call (provided by the
 * pairing and access modules, looked up once at start).
 */
@Resolver()
export class AccessResolver implements OnModuleInit {
  private devicesService!: DevicesService;
  private keysService!: ApiKeysService;

  constructor(private readonly modules: ModuleRef) {}

  onModuleInit(): void {
    this.devicesService = this.modules.get(DevicesService, { strict: false });
    this.keysService = this.modules.get(ApiKeysService, { strict: false });
  }

  @Query(() => [Device], { description: 'Paired devices.' })
  @RequireScope('read:devices')
  devices(): Device[] {
    return this.devicesService.list();
  }

  @Mutation(() => Device, { description: 'Renames a device. DEVICE_NOT_FOUND, VALIDATION_FAILED.' })
  @RequireScope('write:devices')
  renameDevice(
    @Args('id', { type: () => ID }) id: string,
    @Args('name') name: string,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<Device> {
    return this.devicesService.rename(id, name, ctx);
  }

  @Mutation(() => DeviceRevocation, {
    description:
      'Revokes a device: its tokens are refused from now on and its WebSockets, subscriptions and proxy tunnels close. DEVICE_NOT_FOUND.',
  })
  @RequireScope('write:devices')
  revokeDevice(
    @Args('id', { type: () => ID }) id: string,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<DeviceRevocation> {
    return this.devicesService.revoke(id, ctx);
  }

  @Query(() => [ApiKey], { description: 'API keys, newest first; administrators only.' })
  apiKeys(): ApiKey[] {
    return this.keysService.list();
  }

  @Mutation(() => CreatedApiKey, {
    description: 'Creates an API key; administrators only. VALIDATION_FAILED.',
  })
  async createApiKey(
    @Args('input') input: CreateApiKeyInput,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<CreatedApiKey> {
    const { key, ...apiKey } = await this.keysService.create(
      {
        name: input.name,
        scopes: input.scopes,
        ...(input.expiresAt !== undefined && input.expiresAt !== null
          ? { expiresAt: input.expiresAt }
          : {}),
      },
      ctx,
    );
    return { key, apiKey };
  }

  @Mutation(() => Boolean, {
    description:
      'Revokes an API key (it stays listed with revokedAt; `permanent` also removes it from lists). NOT_FOUND.',
  })
  async revokeApiKey(
    @Args('id', { type: () => ID }) id: string,
    @Args('permanent', { type: () => Boolean, nullable: true })
    permanent: boolean | null | undefined,
    @GqlCommandContext() ctx: CommandContext,
  ): Promise<boolean> {
    await this.keysService.revoke(id, permanent === true, ctx);
    return true;
  }
}
