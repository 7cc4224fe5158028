import type { ReadModelContribution } from '#libs/projections';
import { AuditLogRow, AuditNameRow } from './audit.entities';
import { AuditReadModels1732500000900 } from './audit.migrations';
import { AuditProjection } from './audit.projection';

export function auditReadModel(): ReadModelContribution {
  return {
    entities: [AuditLogRow, AuditNameRow],
    migrations: [AuditReadModels1732500000900],
    projections: [new AuditProjection()],
  };
}
