import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import { Ctx, RequireScope } from '#libs/http';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import { ContainersService } from '../application/containers.service';
import type { ContainerAction } from '../domain/container.events';

const int = { type: 'integer' };
const str = { type: 'string' };
const CONTAINER_SCHEMA: SchemaObject = {
  title: 'Container',
  type: 'object',
  required: ['id', 'name', 'image', 'state', 'status', 'created', 'ports', 'labels'],
  properties: {
    id: { type: 'string', description: 'The first 12 characters of the engine id.' },
    name: str,
    image: str,
    state: { type: 'string', example: 'running' },
    status: { type: 'string', example: 'Up 3 hours' },
    created: { type: 'integer', description: 'Unix seconds.' },
    ports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['privatePort', 'type'],
        properties: { ip: str, privatePort: int, publicPort: int, type: str },
      },
    },
    labels: { type: 'object', additionalProperties: str },
    runtime: { type: 'string', enum: ['docker'] },
  },
};
const ACTION_SCHEMA: SchemaObject = {
  title: 'ContainerActionResult',
  type: 'object',
  required: ['status', 'containerId', 'message', 'timestamp'],
  properties: {
    status: { type: 'string', enum: ['started', 'stopped', 'restarted'] },
    containerId: str,
    message: str,
    timestamp: { type: 'integer', description: 'Unix seconds.' },
  },
};
const STATS_SCHEMA: SchemaObject = {
  title: 'ContainerStats',
  type: 'object',
  required: ['containerId', 'cpu', 'memory', 'network', 'timestamp'],
  properties: {
    containerId: str,
    cpu: { type: 'object', properties: { usage: int, coresUsed: int, totalCores: int } },
    memory: {
      type: 'object',
      properties: { usage: int, used: int, limit: int, available: int },
    },
    network: { type: 'object', properties: { rx: int, tx: int } },
    timestamp: int,
  },
};
const NOT_FOUND = 'CONTAINER_NOT_FOUND: the engine has no such container.';
const UNAVAILABLE = 'RUNTIME_UNAVAILABLE: the Docker engine cannot be reached.';

/** `?timeout=` of stop and restart: 1 to 300 seconds (10 when absent), as Nekzus. */
function timeoutOf(text: string | undefined): number {
  if (text === undefined || text === '') return 10;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 300)
    throw new ValidationFailed(
      [{ field: 'timeout', message: 'must be a whole number of seconds from 1 to 300' }],
      'INVALID_TIMEOUT',
    );
  return n;
}

/**
 * Container control (contract B §8) on the Docker engine of `discovery.docker.socket_path`,
 * for administrators. Differs from Nekzus: inspect redacts environment values; an action
 * answers once the engine has done it (202 with Nekzus's body, or the error), and is recorded
 * as an event with its actor.
 */
@ApiTags('containers')
@Controller('api/v1/containers')
@RequireScope('access:admin')
export class ContainersController {
  constructor(private readonly containers: ContainersService) {}

  @Get()
  @ApiOperation({ summary: 'Every container of the engine, stopped ones too' })
  @ApiOkResponse({
    description: 'The containers.',
    schema: { type: 'array', items: CONTAINER_SCHEMA },
  })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  list() {
    return this.containers.list();
  }

  @Get(':id')
  @ApiOperation({ summary: "The engine's inspect answer, environment values redacted" })
  @ApiOkResponse({ description: 'The inspect document.', schema: { type: 'object' } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  inspect(@Param('id') id: string) {
    return this.containers.inspect(id);
  }

  @Get(':id/stats')
  @ApiOperation({ summary: 'CPU, memory and network of a container, once' })
  @ApiOkResponse({ description: 'The figures.', schema: STATS_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  stats(@Param('id') id: string) {
    return this.containers.stats(id);
  }

  @Post(':id/start')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a container (recorded as ContainerStarted)' })
  @ApiAcceptedResponse({ description: 'Started.', schema: ACTION_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  start(@Param('id') id: string, @Ctx() ctx: CommandContext) {
    return this.act('start', id, undefined, ctx);
  }

  @Post(':id/stop')
  @HttpCode(202)
  @ApiOperation({ summary: 'Stop a container (recorded as ContainerStopped)' })
  @ApiQuery({
    name: 'timeout',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 300 },
  })
  @ApiAcceptedResponse({ description: 'Stopped.', schema: ACTION_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  stop(
    @Param('id') id: string,
    @Query('timeout') timeout: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    return this.act('stop', id, timeout, ctx);
  }

  @Post(':id/restart')
  @HttpCode(202)
  @ApiOperation({ summary: 'Restart a container (recorded as ContainerRestarted)' })
  @ApiQuery({
    name: 'timeout',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 300 },
  })
  @ApiAcceptedResponse({ description: 'Restarted.', schema: ACTION_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  restart(
    @Param('id') id: string,
    @Query('timeout') timeout: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    return this.act('restart', id, timeout, ctx);
  }

  private async act(
    action: ContainerAction,
    id: string,
    timeout: string | undefined,
    ctx: CommandContext,
  ) {
    const seconds = timeoutOf(timeout);
    return { ...(await this.containers.act(action, id, seconds, ctx)), runtime: 'docker' };
  }
}
