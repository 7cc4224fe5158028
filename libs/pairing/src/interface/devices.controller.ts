import { Body, Controller, Delete, Get, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe, RateLimit, RequireScope } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import { DevicesService, type DeviceView } from '../application/devices.service';
import {
  DEVICE_REVOKED_SCHEMA,
  DEVICE_SCHEMA,
  DEVICES_SCHEMA,
  requestSchema,
} from './pairing.openapi';

const RENAME_SCHEMA = {
  type: 'object',
  required: ['deviceName'],
  properties: { deviceName: { type: 'string', maxLength: 1024 } },
  additionalProperties: false,
} as const;

type Page = { devices: DeviceView[]; total: number; limit: number; offset: number };

/** Paired devices at `/api/v1/devices` and Nekzus's `/api/v1/admin/devices` alias. */
@ApiTags('devices')
@Controller(['api/v1/devices', 'api/v1/admin/devices'])
@RateLimit('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  /** An array; with `limit` or `offset` a page object, as in Nekzus. */
  @Get()
  @RequireScope('read:devices')
  @ApiOperation({
    summary: 'List paired devices',
    description: 'An array; with `limit` or `offset` a page object, as in Nekzus.',
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiOkResponse({ description: 'The devices.', schema: DEVICES_SCHEMA })
  list(@Query('limit') limit?: string, @Query('offset') offset?: string): DeviceView[] | Page {
    const all = this.devices.list();
    if (limit === undefined && offset === undefined) return all;
    const l = /^[0-9]+$/.test(limit ?? '') ? Number(limit) : -1;
    const o = /^[0-9]+$/.test(offset ?? '') ? Number(offset) : 0;
    return {
      devices: all.slice(o, l === -1 ? undefined : o + l),
      total: all.length,
      limit: l,
      offset: o,
    };
  }

  @Get(':deviceId')
  @RequireScope('read:devices')
  @ApiOperation({ summary: 'Get a device' })
  @ApiOkResponse({ description: 'The device.', schema: DEVICE_SCHEMA })
  @ApiNotFoundResponse({ description: 'DEVICE_NOT_FOUND: no paired device with this id.' })
  get(@Param('deviceId') deviceId: string): DeviceView {
    return this.devices.get(deviceId);
  }

  @Patch(':deviceId')
  @RequireScope('write:devices')
  @ApiOperation({ summary: 'Rename a device' })
  @ApiBody({ schema: requestSchema('RenameDevice', RENAME_SCHEMA) })
  @ApiOkResponse({ description: 'The device.', schema: DEVICE_SCHEMA })
  @ApiNotFoundResponse({ description: 'DEVICE_NOT_FOUND: no paired device with this id.' })
  rename(
    @Param('deviceId') deviceId: string,
    @Body(new JsonBodyPipe(RENAME_SCHEMA)) body: { deviceName: string },
    @Ctx() ctx: CommandContext,
  ): Promise<DeviceView> {
    return this.devices.rename(deviceId, body.deviceName, ctx);
  }

  @Delete(':deviceId')
  @RequireScope('write:devices')
  @ApiOperation({
    summary: 'Revoke a device',
    description:
      'Its tokens are refused from now on and its WebSockets and proxy tunnels close; it must pair again.',
  })
  @ApiOkResponse({ description: 'Revoked.', schema: DEVICE_REVOKED_SCHEMA })
  @ApiNotFoundResponse({ description: 'DEVICE_NOT_FOUND: no paired device with this id.' })
  revoke(@Param('deviceId') deviceId: string, @Ctx() ctx: CommandContext) {
    return this.devices.revoke(deviceId, ctx);
  }
}
