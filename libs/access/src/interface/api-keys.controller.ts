import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import { ApiKeysService, type ApiKeyView } from '../application/api-keys.service';
import {
  API_KEY_CREATED_SCHEMA,
  API_KEY_SCHEMA,
  MESSAGE_SCHEMA,
  requestSchema,
} from './access.openapi';

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
@ApiTags('access')
@Controller('api/v1/apikeys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key itself is in this response and nowhere else, ever. */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The key itself is in this response and nowhere else, ever.',
  })
  @ApiBody({ schema: requestSchema('CreateApiKey', CREATE_SCHEMA) })
  @ApiCreatedResponse({ description: 'The new key.', schema: API_KEY_CREATED_SCHEMA })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: an unknown scope, a bad expiry time.' })
  create(
    @Body(new JsonBodyPipe(CREATE_SCHEMA))
    body: { name: string; scopes: string[]; expiresAt?: string | null },
    @Ctx() ctx: CommandContext,
  ): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body, ctx);
  }

  /** Newest first; `[]` when there are none (Nekzus answers null). */
  @Get()
  @ApiOperation({
    summary: 'List API keys',
    description: 'Newest first; `[]` when there are none (Nekzus answers `null`).',
  })
  @ApiOkResponse({ description: 'The keys.', schema: { type: 'array', items: API_KEY_SCHEMA } })
  list(): ApiKeyView[] {
    return this.keys.list();
  }

  @Get(':keyId')
  @ApiOperation({ summary: 'Get an API key' })
  @ApiOkResponse({ description: 'The key (without the key itself).', schema: API_KEY_SCHEMA })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no API key with this id.' })
  get(@Param('keyId') keyId: string): ApiKeyView {
    return this.keys.get(keyId);
  }

  /** Revokes (the key stays listed with revokedAt); `?permanent=true` removes it from lists. */
  @Delete(':keyId')
  @ApiOperation({
    summary: 'Revoke an API key',
    description:
      'Revokes it (it stays listed with `revokedAt`); `?permanent=true` also removes it from lists.',
  })
  @ApiQuery({ name: 'permanent', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({ description: 'Revoked.', schema: MESSAGE_SCHEMA })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no API key with this id.' })
  async revoke(
    @Param('keyId') keyId: string,
    @Query('permanent') permanent: string | undefined,
    @Ctx() ctx: CommandContext,
  ): Promise<{ message: string }> {
    await this.keys.revoke(keyId, permanent === 'true', ctx);
    return { message: 'API key revoked successfully' };
  }
}
