import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe, RequireScope } from '#libs/http';
import type { CommandContext } from '#libs/kernel';
import { WebhooksService, type SubscriptionView } from '../application/webhooks.service';

const SPEC = {
  url: { type: 'string', maxLength: 2048 },
  eventTypes: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 64 },
  description: { type: 'string', maxLength: 256 },
  allowPrivateTarget: { type: 'boolean' },
} as const;
const CREATE = {
  type: 'object',
  required: ['url', 'eventTypes'],
  properties: SPEC,
  additionalProperties: false,
} as const;
const PATCH = {
  type: 'object',
  properties: { ...SPEC, status: { type: 'string', maxLength: 16 } },
  additionalProperties: false,
} as const;
const DEVICE_IDS = {
  type: 'array',
  items: { type: 'string', maxLength: 128 },
  maxItems: 1000,
} as const;
const ACTIVITY = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 4096 },
    icon: { type: 'string', maxLength: 64 },
    iconClass: { type: 'string', maxLength: 64 },
    details: { type: 'string', maxLength: 16384 },
    deviceIds: DEVICE_IDS,
  },
  additionalProperties: false,
} as const;
// eslint-disable-next-line no-useless-assignment -- read by a parameter decorator, which the rule does not see
const NOTIFY = {
  type: 'object',
  properties: {
    deviceIds: DEVICE_IDS,
    type: { type: 'string', maxLength: 128 },
    data: { type: 'object' },
  },
  additionalProperties: false,
} as const;

const text = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
/** A subscription as the API shows it (`SubscriptionView`). */
const SUBSCRIPTION_SCHEMA: SchemaObject = {
  title: 'WebhookSubscription',
  type: 'object',
  required: [
    'id',
    'url',
    'eventTypes',
    'description',
    'allowPrivateTarget',
    'status',
    'createdAt',
    'delivered',
    'failures',
  ],
  properties: {
    id: { type: 'string', example: 'wh_0123456789abcdef01234567' },
    url: { type: 'string', description: 'Where each matching event is POSTed.' },
    eventTypes: {
      type: 'array',
      items: text,
      description: 'Event types delivered; `*` for all.',
    },
    description: text,
    allowPrivateTarget: {
      type: 'boolean',
      description: 'A LAN target (needs webhooks.allow_private_targets).',
    },
    status: { type: 'string', enum: ['active', 'paused'] },
    pausedReason: { type: 'string', description: 'Why deliveries stopped (after a day failing).' },
    createdAt: time,
    delivered: { type: 'integer', description: 'Events delivered so far.' },
    failures: { type: 'integer', description: 'Failed attempts of the event being retried.' },
    lastDeliveredAt: time,
    lastError: text,
    failingSince: time,
  },
};
const CREATED_SCHEMA: SchemaObject = {
  title: 'WebhookSubscriptionCreated',
  allOf: [
    SUBSCRIPTION_SCHEMA,
    {
      type: 'object',
      required: ['secret'],
      properties: {
        secret: {
          type: 'string',
          description:
            'Signs every delivery (X-Nekzus-Signature: sha256=HMAC of "<timestamp>.<body>"); shown only here.',
        },
      },
    },
  ],
};
const NOT_FOUND = 'WEBHOOK_NOT_FOUND: no subscription with this id.';

/** Outbound subscriptions (administrators) and Nekzus's inbound webhooks. */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** The signing secret is in this response only. */
  @Post('subscriptions')
  @ApiOperation({ summary: 'Create a webhook subscription (the signing secret is shown once)' })
  @ApiBody({ schema: { title: 'CreateWebhookSubscription', ...CREATE } as unknown as SchemaObject })
  @ApiCreatedResponse({ description: 'The subscription and its secret.', schema: CREATED_SCHEMA })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED: a bad URL, an unknown event type, or a private target.',
  })
  @HttpCode(201)
  create(
    @Body(new JsonBodyPipe(CREATE)) body: Record<string, unknown>,
    @Ctx() ctx: CommandContext,
  ): Promise<SubscriptionView & { secret: string }> {
    return this.webhooks.create(body, ctx);
  }

  @Get('subscriptions')
  @ApiOperation({ summary: 'List webhook subscriptions with their delivery state' })
  @ApiOkResponse({
    description: 'The subscriptions (`[]` when none).',
    schema: { type: 'array', items: SUBSCRIPTION_SCHEMA },
  })
  list(): SubscriptionView[] {
    return this.webhooks.list();
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'Get a webhook subscription' })
  @ApiOkResponse({ description: 'The subscription.', schema: SUBSCRIPTION_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  get(@Param('id') id: string): SubscriptionView {
    return this.webhooks.get(id);
  }

  @Patch('subscriptions/:id')
  @ApiOperation({ summary: 'Change a subscription; {"status":"active"} resumes a paused one' })
  @ApiBody({ schema: { title: 'ChangeWebhookSubscription', ...PATCH } as unknown as SchemaObject })
  @ApiOkResponse({ description: 'The subscription.', schema: SUBSCRIPTION_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  change(
    @Param('id') id: string,
    @Body(new JsonBodyPipe(PATCH)) body: Record<string, unknown>,
    @Ctx() ctx: CommandContext,
  ): Promise<SubscriptionView> {
    return this.webhooks.change(id, body, ctx);
  }

  @Delete('subscriptions/:id')
  @ApiOperation({ summary: 'Remove a webhook subscription' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: CommandContext): Promise<void> {
    await this.webhooks.remove(id, ctx);
  }

  /** `{message, icon?, iconClass?, details?, deviceIds?}` → a `webhook` message to those phones, or all. */
  @Post('activity')
  @ApiOperation({ summary: 'Report activity to the phones (Nekzus inbound webhook)' })
  @RequireScope('write:webhooks')
  @HttpCode(200)
  async activity(
    @Body(new JsonBodyPipe(ACTIVITY))
    body: {
      message: string;
      icon?: string;
      iconClass?: string;
      details?: string;
      deviceIds?: string[];
    },
    @Ctx() ctx: CommandContext,
  ): Promise<{ success: true; eventId: string }> {
    const { deviceIds = [], ...rest } = body;
    const eventId = `webhook-${Date.now()}`;
    await this.webhooks.report(
      'activity',
      deviceIds,
      {
        id: eventId,
        type: 'webhook.activity',
        icon: rest.icon ?? 'Bell',
        iconClass: rest.iconClass ?? '',
        message: rest.message,
        ...(rest.details ? { details: rest.details } : {}),
        timestamp: Date.now(),
      },
      ctx,
    );
    return { success: true, eventId };
  }

  /** `{deviceIds?, type?, data?}` → the whole payload as a `webhook` message. */
  @Post('notify')
  @ApiOperation({ summary: 'Send a notification payload to the phones (Nekzus inbound webhook)' })
  @RequireScope('write:webhooks')
  @HttpCode(200)
  async notify(
    @Body(new JsonBodyPipe(NOTIFY)) body: { deviceIds?: string[] } & Record<string, unknown>,
    @Ctx() ctx: CommandContext,
  ): Promise<{ success: true; sent: true }> {
    await this.webhooks.report('notify', body.deviceIds ?? [], body, ctx);
    return { success: true, sent: true };
  }
}
