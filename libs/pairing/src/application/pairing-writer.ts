import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, executeOnStream, type EventStore } from '#libs/event-store';
import { DomainError, type CommandContext, type Decider, type DomainEvent } from '#libs/kernel';
import type { DeviceDirectory } from './device-directory';
import type { PairingCodes } from './pairing-codes';
import { DEVICE_DIRECTORY, PAIRING_CODES } from './pairing-settings';

/** Runs pairing commands and returns once the in-memory projections have applied them. */
@Injectable()
export class PairingWriter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DEVICE_DIRECTORY) private readonly devices: DeviceDirectory,
    @Inject(PAIRING_CODES) private readonly codes: PairingCodes,
  ) {}

  async execute<C, E extends DomainEvent, S, X>(
    stream: string,
    decider: Decider<C, E, S, X>,
    command: C,
    context: X,
    ctx: CommandContext,
  ): Promise<E[]> {
    const result = await executeOnStream(this.store, stream, decider, command, context, ctx);
    if (result.position !== undefined) {
      const applied = await Promise.all([
        this.devices.waitFor(result.position, 5000),
        this.codes.waitFor(result.position, 5000),
      ]);
      if (!applied.every(Boolean))
        throw new DomainError(
          'NOT_YET_APPLIED',
          'unavailable',
          'the change was recorded but is not applied yet; try again in a moment',
        );
    }
    return result.events;
  }
}
