import { randomBytes } from 'node:crypto';
import { uuidv7, WrongExpectedVersion, type EventStore } from '#libs/event-store';
import { INSTANCE_STREAM, type GatewayInstanceCreated } from '../domain';

/**
 * The gateway's `nekzusId` (`nkz_` + 16 base64url characters): created by the first start
 * and read back from the log afterwards (Nekzus makes a new one at every start).
 */
export async function ensureInstanceId(store: EventStore): Promise<string> {
  for (let attempt = 0; attempt < 2; attempt++) {
    for await (const event of store.readStream(INSTANCE_STREAM, { maxCount: 1 }))
      return (event.data as GatewayInstanceCreated['data']).nekzusId;
    const nekzusId = `nkz_${randomBytes(12).toString('base64url')}`;
    try {
      await store.append(
        INSTANCE_STREAM,
        [
          {
            id: uuidv7(),
            type: 'GatewayInstanceCreated',
            data: { nekzusId },
            metadata: { correlationId: uuidv7(), actor: { kind: 'system', id: 'gateway' } },
          },
        ],
        { streamState: 'no_stream' },
      );
      return nekzusId;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
    }
  }
  throw new Error('could not read or create the gateway instance id');
}
