import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '#libs/kernel';
import { apiKeyDecider, ApiKeyNotFound, apiKeyStream } from '../domain';
import type { AccessDirectory, ApiKeyRecord } from './access-directory';
import { AccessWriter } from './access-writer';
import { sha256Hex } from './authenticator';
import { ACCESS_CLOCK, ACCESS_DIRECTORY } from './tokens';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt?: string;
  createdAt: string;
  createdBy?: string;
  revokedAt?: string;
}

const KEY_ID = /^key_[0-9a-f]{32}$/;

/** API keys: shown once at creation, kept only as a SHA-256 hash, scoped, optionally expiring. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly writer: AccessWriter,
    @Inject(ACCESS_DIRECTORY) private readonly directory: AccessDirectory,
    @Inject(ACCESS_CLOCK) private readonly now: () => number,
  ) {}

  async create(
    body: { name?: unknown; scopes?: unknown; expiresAt?: unknown },
    ctx: CommandContext,
  ): Promise<ApiKeyView & { key: string }> {
    const keyId = `key_${randomBytes(16).toString('hex')}`;
    const key = `nkz_${randomBytes(32).toString('hex')}`;
    await this.writer.execute(
      apiKeyStream(keyId),
      apiKeyDecider,
      {
        kind: 'CreateApiKey',
        keyId,
        name: body.name,
        prefix: key.slice(0, 12),
        keyHash: sha256Hex(key),
        scopes: body.scopes,
        expiresAt: body.expiresAt,
      },
      { now: new Date(this.now()) },
      ctx,
    );
    return { ...this.get(keyId), key };
  }

  list(): ApiKeyView[] {
    return this.directory.keys().map(view);
  }

  get(keyId: string): ApiKeyView {
    const record = KEY_ID.test(keyId) ? this.directory.key(keyId) : undefined;
    if (!record) throw new ApiKeyNotFound(keyId);
    return view(record);
  }

  async revoke(keyId: string, permanent: boolean, ctx: CommandContext): Promise<void> {
    if (!KEY_ID.test(keyId)) throw new ApiKeyNotFound(keyId);
    await this.writer.execute(
      apiKeyStream(keyId),
      apiKeyDecider,
      { kind: 'RevokeApiKey', keyId, permanent },
      { now: new Date(this.now()) },
      ctx,
    );
  }
}

function view(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.keyId,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    createdAt: record.createdAt.toISOString(),
    ...(record.createdBy ? { createdBy: record.createdBy } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt.toISOString() } : {}),
  };
}
