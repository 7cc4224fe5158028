import type { DomainEvent } from '#libs/kernel';

/** What an administrator (or device) did to a container through the gateway. */
export type ContainerAction = 'start' | 'stop' | 'restart';

type ContainerActionData = {
  /** The engine's 12-character id. */
  containerId: string;
  name: string;
  /** The app the container serves (`nekzus.app.id`), when it says. */
  appId?: string;
};

export type ContainerStarted = DomainEvent<'ContainerStarted', ContainerActionData>;
export type ContainerStopped = DomainEvent<
  'ContainerStopped',
  ContainerActionData & { timeoutSeconds: number }
>;
export type ContainerRestarted = DomainEvent<
  'ContainerRestarted',
  ContainerActionData & { timeoutSeconds: number }
>;
export type ContainerEvent = ContainerStarted | ContainerStopped | ContainerRestarted;

export const CONTAINER_EVENT_TYPES = [
  'ContainerStarted',
  'ContainerStopped',
  'ContainerRestarted',
] as const;

export const containerStream = (containerId: string) => `container-${containerId}`;
