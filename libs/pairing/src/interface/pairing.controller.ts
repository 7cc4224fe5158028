import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { bearerOf } from '#libs/access';
import { Ctx, identityKeyOf, principalOf, Public, RateLimit, RequireScope } from '#libs/http';
import { DomainError, type CommandContext } from '#libs/kernel';
import {
  PairingService,
  type CodeStatus,
  type DeviceToken,
  type PairingConfig,
  type QrPayload,
} from '../application/pairing.service';
import { qrPng, qrText } from '../infrastructure/qr-image';
import {
  CODE_STATUS_SCHEMA,
  DEVICE_TOKEN_SCHEMA,
  PAIR_DEVICE_BODY_SCHEMA,
  PAIRING_CONFIG_SCHEMA,
  QR_PAYLOAD_SCHEMA,
  REDEEM_BODY_SCHEMA,
} from './pairing.openapi';

export function ownerOf(req: IncomingMessage): string {
  const principal = principalOf(req);
  return identityKeyOf(principal) ?? principal.kind;
}

/** The pairing protocol (contract A §1.2.1–1.2.5). */
@ApiTags('pairing')
@Controller('api/v1')
export class PairingController {
  constructor(private readonly pairing: PairingService) {}

  /** A new pairing code and its QR payload; `?format=png` draws the current code (`&code=` picks one). */
  @Get('auth/qr')
  @RequireScope('write:devices')
  @RateLimit('qr')
  @ApiOperation({
    summary: 'Issue a pairing code',
    description:
      'A new pairing code and its QR payload; `?format=png` draws the current code as a QR image instead (`&code=` picks one), with the code in `X-Pairing-Code`.',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'png'] })
  @ApiQuery({ name: 'code', required: false, description: 'With `format=png`: the code to draw.' })
  @ApiOkResponse({
    description: 'The code (JSON), or its QR image (PNG).',
    content: {
      'application/json': { schema: QR_PAYLOAD_SCHEMA },
      'image/png': { schema: { type: 'string', format: 'binary' } },
    },
    headers: {
      'X-Pairing-Code': { description: 'With PNG: the code drawn.', schema: { type: 'string' } },
    },
  })
  @ApiBadRequestResponse({ description: 'INVALID_FORMAT: `format` is not `json` or `png`.' })
  @ApiNotFoundResponse({ description: 'INVALID_CODE: with PNG, no such current code.' })
  async qr(
    @Query('format') format: string | undefined,
    @Query('code') code: string | undefined,
    @Ctx() ctx: CommandContext,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<QrPayload | undefined> {
    if (format === 'png') {
      const payload = await this.pairing.currentCode(ownerOf(req), code, ctx);
      const png = await qrPng(qrText(payload.qr));
      res.writeHead(200, {
        'content-type': 'image/png',
        'content-length': png.length,
        'cache-control': 'no-store',
        'x-pairing-code': payload.code,
      });
      res.end(png);
      return undefined;
    }
    if (format !== undefined && format !== 'json')
      throw new DomainError(
        'INVALID_FORMAT',
        'invalid',
        `format must be "json" or "png", not "${format}"`,
      );
    return this.pairing.issueCode(ownerOf(req), ctx);
  }

  @Get('auth/qr/status')
  @Public()
  @ApiOperation({
    summary: 'State of a pairing code',
    description: 'What the pairing page polls to see a phone scan and pair.',
  })
  @ApiQuery({ name: 'code', required: true })
  @ApiOkResponse({ description: 'Its state.', schema: CODE_STATUS_SCHEMA })
  @ApiBadRequestResponse({ description: 'MISSING_CODE: no `code` parameter.' })
  status(@Query('code') code: string | undefined): CodeStatus {
    if (!code) throw new DomainError('MISSING_CODE', 'invalid', 'code parameter required');
    return this.pairing.status(code);
  }

  /** Redeems a code for the pairing config; needs `X-Pairing-Request: true` (a browser form cannot send it). */
  @Post('pair')
  @Public()
  @RateLimit('pairing')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Redeem a pairing code',
    description:
      'The pairing config for a code (contract A §1.2.3); re-fetchable until the device has paired. Needs `X-Pairing-Request: true`, which a browser form cannot send.',
  })
  @ApiHeader({ name: 'X-Pairing-Request', required: true, enum: ['true'] })
  @ApiBody({ schema: REDEEM_BODY_SCHEMA })
  @ApiOkResponse({ description: 'The pairing config.', schema: PAIRING_CONFIG_SCHEMA })
  @ApiBadRequestResponse({
    description: 'MISSING_HEADER: no `X-Pairing-Request: true`; INVALID_CODE: no code in the body.',
  })
  @ApiNotFoundResponse({ description: 'INVALID_CODE: unknown, used or expired code.' })
  redeem(
    @Headers('x-pairing-request') marker: string | undefined,
    @Body() body: unknown,
    @Ctx() ctx: CommandContext,
  ): Promise<PairingConfig> {
    if (marker !== 'true')
      throw new DomainError('MISSING_HEADER', 'invalid', 'X-Pairing-Request header required');
    return this.pairing.redeem((body as { code?: unknown } | undefined)?.code, ctx);
  }

  @Post('auth/pair')
  @Public()
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pair a device',
    description:
      'A bootstrap token (`Authorization: Bearer`, from the pairing config) and a device description become a device token.',
  })
  @ApiHeader({ name: 'Authorization', required: true, description: '`Bearer <bootstrapToken>`.' })
  @ApiBody({ schema: PAIR_DEVICE_BODY_SCHEMA })
  @ApiOkResponse({ description: 'The device token.', schema: DEVICE_TOKEN_SCHEMA })
  @ApiUnauthorizedResponse({
    description:
      'AUTH_REQUIRED: no bootstrap token; INVALID_BOOTSTRAP: unknown, used or expired bootstrap token.',
  })
  pair(
    @Req() req: IncomingMessage,
    @Body() body: unknown,
    @Ctx() ctx: CommandContext,
  ): Promise<DeviceToken> {
    return this.pairing.pairDevice(bearerOf(req), body, ctx);
  }

  @Post('auth/refresh')
  @Public()
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refresh a device token',
    description:
      'A device token, expired up to 7 days ago, for a new one. Unlike Nekzus, never for a revoked device or a token from before a re-pairing.',
  })
  @ApiHeader({ name: 'Authorization', required: true, description: '`Bearer <device token>`.' })
  @ApiOkResponse({ description: 'A new device token.', schema: DEVICE_TOKEN_SCHEMA })
  @ApiUnauthorizedResponse({
    description:
      'AUTH_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED_BEYOND_GRACE, TOKEN_REVOKED, DEVICE_REVOKED.',
  })
  refresh(@Req() req: IncomingMessage, @Ctx() ctx: CommandContext): Promise<DeviceToken> {
    return this.pairing.refresh(bearerOf(req), ctx);
  }
}
