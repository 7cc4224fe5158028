import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { NoRateLimit, Public } from '#libs/http';
import type { ServerResponse } from 'node:http';
import { EVENT_STORE, type EventStore } from '#libs/event-store';
import { PROJECTION_RUNNER, type ProjectionRunner, type ProjectionStatus } from '#libs/projections';
import { HEALTH_SCHEMA, READINESS_SCHEMA } from './health.openapi';

interface ProjectionJson {
  name: string;
  kind: string;
  state: string;
  position: number;
  lag: number;
  lastError?: string;
}

function toJson(s: ProjectionStatus): ProjectionJson {
  return {
    name: s.name,
    kind: s.kind,
    state: s.state,
    position: Number(s.position),
    lag: Number(s.lag),
    ...(s.lastError ? { lastError: s.lastError } : {}),
  };
}

@ApiTags('health')
@Controller()
@Public()
@NoRateLimit()
export class HealthController {
  private readonly started = Date.now();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
  ) {}

  /** The process is up and serving. */
  @Get('livez')
  @ApiOperation({ summary: 'Liveness', description: 'The process is up and serving.' })
  @ApiOkResponse({
    description: 'Alive.',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  livez() {
    return { status: 'ok' };
  }

  /** Ready once every projection has caught up with the log as it was at start, and none has failed. */
  @Get('readyz')
  @ApiOperation({
    summary: 'Readiness',
    description:
      'Ready once every projection has caught up with the log as it was at start, and none has failed.',
  })
  @ApiOkResponse({ description: 'Ready.', schema: READINESS_SCHEMA })
  @ApiServiceUnavailableResponse({
    description: 'Not ready yet, or a projection failed; the same body with `status: not_ready`.',
    schema: READINESS_SCHEMA,
  })
  async readyz(@Res({ passthrough: true }) res: ServerResponse) {
    const projections = await this.runner.status();
    const ready = projections.every((p) => p.state === 'live');
    res.statusCode = ready ? 200 : 503;
    return {
      status: ready ? 'ready' : 'not_ready',
      eventStore: { head: Number(await this.store.headPosition()) },
      projections: projections.map(toJson),
    };
  }

  @Get('healthz')
  @ApiOperation({
    summary: 'Health',
    description: '`degraded` when a projection has failed; always 200.',
  })
  @ApiOkResponse({ description: 'The health.', schema: HEALTH_SCHEMA })
  async healthz() {
    const projections = await this.runner.status();
    return {
      status: projections.some((p) => p.state === 'failed') ? 'degraded' : 'ok',
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      eventStore: { head: Number(await this.store.headPosition()) },
      projections: projections.map(toJson),
    };
  }

  /** Nekzus answers a plain `ok` here; clients probe it. */
  @Get('api/v1/healthz')
  @ApiOperation({
    summary: "Nekzus's health probe",
    description: 'A plain `ok`, which clients probe.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: '`ok`.',
    content: { 'text/plain': { schema: { type: 'string', enum: ['ok'] } } },
  })
  @Header('content-type', 'text/plain; charset=utf-8')
  apiHealthz(): string {
    return 'ok';
  }
}
