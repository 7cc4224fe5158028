import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

export function ownerOf(req: IncomingMessage): string {
  const principal = principalOf(req);
  return identityKeyOf(principal) ?? principal.kind;
}

/** The pairing protocol (contract A §1.2.1–1.2.5). */
@Controller('api/v1')
export class PairingController {
  constructor(private readonly pairing: PairingService) {}

  /** A new pairing code and its QR payload; `?format=png` draws the current code (`&code=` picks one). */
  @Get('auth/qr')
  @RequireScope('write:devices')
  @RateLimit('qr')
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
  status(@Query('code') code: string | undefined): CodeStatus {
    if (!code) throw new DomainError('MISSING_CODE', 'invalid', 'code parameter required');
    return this.pairing.status(code);
  }

  /** Redeems a code for the pairing config; needs `X-Pairing-Request: true` (a browser form cannot send it). */
  @Post('pair')
  @Public()
  @RateLimit('pairing')
  @HttpCode(200)
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
  refresh(@Req() req: IncomingMessage, @Ctx() ctx: CommandContext): Promise<DeviceToken> {
    return this.pairing.refresh(bearerOf(req), ctx);
  }
}
