import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, uuidv7, type EventStore } from '#libs/event-store';
import { DomainError, type CommandContext } from '#libs/kernel';
import { WsHub } from '#libs/live';
import {
  containerStream,
  type ContainerAction,
  type ContainerEvent,
} from '../domain/container.events';
import type { DockerContainerRuntime } from '../infrastructure/container-runtime';

export const CONTAINER_RUNTIME = Symbol('CONTAINER_RUNTIME');

const TYPE_OF = {
  start: 'ContainerStarted',
  stop: 'ContainerStopped',
  restart: 'ContainerRestarted',
} as const satisfies Record<ContainerAction, ContainerEvent['type']>;

const DONE = { start: 'started', stop: 'stopped', restart: 'restarted' } as const;

export class ContainerAlreadyStarted extends DomainError {
  constructor(id: string) {
    super('CONTAINER_ALREADY_STARTED', 'conflict', `container "${id}" is already running`);
  }
}

/**
 * Start, stop and restart through the engine, each recorded as an event with its actor once
 * the engine has done it. A device that asked is also told over its WebSocket, as Nekzus does
 * (`container.<action>.completed` / `.failed`).
 */
@Injectable()
export class ContainersService {
  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: DockerContainerRuntime,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly hub: WsHub,
  ) {}

  list() {
    return this.runtime.list();
  }

  inspect(id: string) {
    return this.runtime.inspect(id);
  }

  stats(id: string) {
    return this.runtime.stats(id);
  }

  async act(
    action: ContainerAction,
    id: string,
    timeoutSeconds: number,
    ctx: CommandContext,
  ): Promise<{ containerId: string; status: string; message: string; timestamp: number }> {
    const tell = (type: string, data: Record<string, unknown>) => {
      if (ctx.actor.kind === 'device') this.hub.sendTo([ctx.actor.id], type, data);
    };
    try {
      const container = await this.runtime.identify(id);
      if (action === 'start' && container.running) throw new ContainerAlreadyStarted(id);
      if (action === 'start') await this.runtime.start(id);
      else if (action === 'stop') await this.runtime.stop(id, timeoutSeconds);
      else await this.runtime.restart(id, timeoutSeconds);
      const data = {
        containerId: container.id,
        name: container.name,
        ...(container.appId ? { appId: container.appId } : {}),
        ...(action === 'start' ? {} : { timeoutSeconds }),
      };
      await this.store.append(
        containerStream(container.id),
        [
          {
            id: uuidv7(),
            type: TYPE_OF[action],
            data,
            metadata: {
              correlationId: ctx.correlationId,
              actor: ctx.actor,
              ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
            },
          },
        ],
        { streamState: 'any' },
      );
      const reply = {
        containerId: container.id,
        status: DONE[action],
        message: `Container ${container.name} ${DONE[action]}`,
        timestamp: Math.floor(Date.now() / 1000),
      };
      tell(`container.${action}.completed`, reply);
      return reply;
    } catch (error) {
      tell(`container.${action}.failed`, {
        containerId: id,
        error:
          error instanceof DomainError ? error.code : `CONTAINER_${action.toUpperCase()}_FAILED`,
        message: error instanceof Error ? error.message : String(error),
        timestamp: Math.floor(Date.now() / 1000),
      });
      throw error;
    }
  }
}
