import { Module } from '@nestjs/common';
import { WebhooksService } from './application/webhooks.service';
import { WebhooksController } from './interface/webhooks.controller';

/** Webhooks. Expects EVENT_STORE, WEBHOOK_DIRECTORY and WEBHOOK_SECRETS from the composition root. */
@Module({ controllers: [WebhooksController], providers: [WebhooksService] })
export class WebhooksModule {}
