import { executeOnStream, StreamStateCache, uuidv7, type EventStore } from '#libs/event-store';
import {
  healthStream,
  serviceHealthDecider,
  type HealthEvent,
  type ServiceHealthCommand,
  type ServiceHealthState,
} from '../domain';

/** Records a verdict on the app's health stream; nothing when the stream already says so. */
export class HealthRecorder {
  private readonly cache = new StreamStateCache<ServiceHealthState>(1_000);

  constructor(private readonly store: EventStore) {}

  async record(command: ServiceHealthCommand): Promise<HealthEvent[]> {
    const { events } = await executeOnStream(
      this.store,
      healthStream(command.subject.appId),
      serviceHealthDecider,
      command,
      undefined,
      { correlationId: uuidv7(), actor: { kind: 'system', id: 'health-checker' } },
      { cache: this.cache },
    );
    return events;
  }
}
