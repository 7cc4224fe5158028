// Straight from the modules, not the libraries' barrels, which bring the gateway's NestJS
// modules and the KurrentDB client: `nekzus projections` and `events import` load only these.
import type { ReadModelContribution } from '../../../libs/projections/src/read-model';
import { activityReadModel } from '../../../libs/activity/src/infrastructure/activity.projection';
import { auditReadModel } from '../../../libs/audit/src/infrastructure/audit.read-model';
import { devicePresenceContribution } from '../../../libs/pairing/src/infrastructure/device-presence.store';
import { routingReadModel } from '../../../libs/routing/src/infrastructure/routing.read-model';

/** Every context's read models, in one list shared by the gateway and the CLI. */
export function readModelContributions(): ReadModelContribution[] {
  return [routingReadModel(), devicePresenceContribution(), auditReadModel(), activityReadModel()];
}
