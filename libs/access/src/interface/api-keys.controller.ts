import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Ctx, JsonBodyPipe } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import { ApiKeysService, type ApiKeyView } from '../application/api-keys.service';

const CREATE_SCHEMA = {
  type: 'object',
  required: ['name', 'scopes'],
  properties: {
    name: { type: 'string', maxLength: 1024 },
    scopes: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 64 },
    expiresAt: { type: ['string', 'null'], maxLength: 64 },
  },
  additionalProperties: false,
} as const;

/** API keys; administrators only (the guard's default). */
@Controller('api/v1/apikeys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key itself is in this response and nowhere else, ever. */
  @Post()
  @HttpCode(201)
  create(
    @Body(new JsonBodyPipe(CREATE_SCHEMA))
    body: { name: string; scopes: string[]; expiresAt?: string | null },
    @Ctx() ctx: CommandContext,
  ): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body, ctx);
  }

  /** Newest first; `[]` when there are none (Nekzus answers null). */
  @Get()
  list(): ApiKeyView[] {
    return this.keys.list();
  }

  @Get(':keyId')
  get(@Param('keyId') keyId: string): ApiKeyView {
    return this.keys.get(keyId);
  }

  /** Revokes (the key stays listed with revokedAt); `?permanent=true` removes it from lists. */
  @Delete(':keyId')
  async revoke(
    @Param('keyId') keyId: string,
    @Query('permanent') permanent: string | undefined,
    @Ctx() ctx: CommandContext,
  ): Promise<{ message: string }> {
    await this.keys.revoke(keyId, permanent === 'true', ctx);
    return { message: 'API key revoked successfully' };
  }
}
