import { EVENT_STORE, executeOnStream, uuidv7, type EventStore } from '#libs/event-store';
import { DomainError, type CommandContext, type DomainEvent } from '#libs/kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { AccessDirectory } from './access-directory';
import { ACCESS_DIRECTORY } from './tokens';

/** Appends access events and returns once the in-memory directory has applied them. */
@Injectable()
export class AccessWriter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ACCESS_DIRECTORY) private readonly directory: AccessDirectory,
  ) {}

  async append(stream: string, events: DomainEvent[], ctx: CommandContext): Promise<void> {
    const result = await this.store.append(
      stream,
      events.map((e) => ({ id: uuidv7(), type: e.type, data: e.data, metadata: metadataOf(ctx) })),
      { streamState: 'any' },
    );
    await this.settle(result.position);
  }

  async execute<C, E extends DomainEvent, S, X>(
    stream: string,
    decider: Parameters<typeof executeOnStream<C, E, S, X>>[2],
    command: C,
    context: X,
    ctx: CommandContext,
  ): Promise<E[]> {
    const result = await executeOnStream(this.store, stream, decider, command, context, ctx);
    if (result.position !== undefined) await this.settle(result.position);
    return result.events;
  }

  private async settle(position: bigint): Promise<void> {
    if (!(await this.directory.waitFor(position, 5000)))
      throw new DomainError(
        'NOT_YET_APPLIED',
        'unavailable',
        'the change was recorded but is not applied yet; try again in a moment',
      );
  }
}

function metadataOf(ctx: CommandContext) {
  return {
    correlationId: ctx.correlationId,
    actor: ctx.actor,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
  };
}
