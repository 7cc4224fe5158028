import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from '#libs/http';
import { AccessWriter } from './application/access-writer';
import { AdminAccountsService } from './application/admin-accounts.service';
import { ApiKeysService } from './application/api-keys.service';
import { AccessGuard } from './interface/access.guard';
import { AdminAuthController } from './interface/admin-auth.controller';
import { ApiKeysController } from './interface/api-keys.controller';

/**
 * Administrator accounts, API keys and the global access policy. Expects from the
 * composition root (global providers): EVENT_STORE, ACCESS_DIRECTORY, JWT_TOKENS,
 * ACCESS_CLOCK, Authenticator, LiveConfig and RATE_LIMITS. The access guard runs before
 * the rate limiter, so limits can be kept per identity.
 */
@Module({
  controllers: [AdminAuthController, ApiKeysController],
  providers: [
    AccessWriter,
    AdminAccountsService,
    ApiKeysService,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class AccessModule {}
