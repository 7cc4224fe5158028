import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { RequireScope } from '#libs/http';
import { ActivityFeed } from '../application/activity-feed';
import type { ActivityItem } from '../domain/activity';

export const ACTIVITY_ITEM_SCHEMA: SchemaObject = {
  title: 'ActivityEvent',
  type: 'object',
  description: 'One entry of the activity feed (contract A §9.2).',
  required: ['id', 'type', 'icon', 'iconClass', 'message', 'timestamp'],
  properties: {
    id: {
      type: 'string',
      description: 'Nekzus id pattern, e.g. `device_paired_<id>`; not unique.',
    },
    type: { type: 'string', example: 'device_paired' },
    icon: { type: 'string', description: 'A lucide icon name.' },
    iconClass: { type: 'string', enum: ['success', 'warning', 'error', ''] },
    message: { type: 'string' },
    details: { type: 'string' },
    timestamp: { type: 'integer', description: 'Unix time, milliseconds.' },
  },
};

/** Without `limit` or `offset`, this many newest entries (Nekzus keeps only ten in all). */
export const DEFAULT_ACTIVITY_LIMIT = 50;

const ACTIVITY_LIST_SCHEMA: SchemaObject = {
  oneOf: [
    { type: 'array', items: ACTIVITY_ITEM_SCHEMA },
    {
      type: 'object',
      required: ['activities', 'total', 'limit', 'offset'],
      properties: {
        activities: { type: 'array', items: ACTIVITY_ITEM_SCHEMA },
        total: { type: 'integer' },
        limit: { type: 'integer', description: '-1 when absent or invalid (everything).' },
        offset: { type: 'integer' },
      },
    },
  ],
};

type Page = { activities: ActivityItem[]; total: number; limit: number; offset: number };

@ApiTags('activity')
@Controller('api/v1/activity')
export class ActivityController {
  constructor(@Inject(ActivityFeed) private readonly feed: ActivityFeed) {}

  @Get('recent')
  @RequireScope('read:events')
  @ApiOperation({
    summary: 'Recent activity, newest first',
    description:
      'A projection of the event log. Without `limit`/`offset`: an array of the newest ' +
      `${DEFAULT_ACTIVITY_LIMIT} entries (Nekzus: all of its ten). With either: a page object, ` +
      'as Nekzus. The feed retains the newest 1000 entries (Nekzus: 10).',
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiOkResponse({ description: 'The activity.', schema: ACTIVITY_LIST_SCHEMA })
  async recent(
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ): Promise<ActivityItem[] | Page> {
    if (limit === undefined && offset === undefined)
      return this.feed.recent(DEFAULT_ACTIVITY_LIMIT);
    const l = /^[0-9]+$/.test(limit ?? '') ? Number(limit) : -1;
    const o = /^[0-9]+$/.test(offset ?? '') ? Number(offset) : 0;
    const [activities, total] = await Promise.all([
      this.feed.recent(l === -1 ? undefined : l, o),
      this.feed.count(),
    ]);
    return { activities, total, limit: l, offset: o };
  }
}
