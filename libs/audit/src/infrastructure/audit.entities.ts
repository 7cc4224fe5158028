import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One audit entry per event; the primary key is the event's position in the log. */
@Entity({ name: 'audit_log' })
export class AuditLogRow {
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'varchar', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'varchar', name: 'recorded_at' })
  recordedAt!: string;

  @Column({ type: 'varchar' })
  stream!: string;

  @Column({ type: 'varchar', name: 'event_type' })
  eventType!: string;

  @Column({ type: 'varchar' })
  action!: string;

  @Column({ type: 'varchar', name: 'actor_kind' })
  actorKind!: string;

  @Column({ type: 'varchar', name: 'actor_id' })
  actorId!: string;

  @Column({ type: 'varchar', name: 'actor_name', nullable: true })
  actorName!: string | null;

  @Column({ type: 'varchar', name: 'target_type' })
  targetType!: string;

  @Column({ type: 'varchar', name: 'target_id' })
  targetId!: string;

  @Column({ type: 'varchar', name: 'target_name', nullable: true })
  targetName!: string | null;

  @Column({ type: 'integer' })
  success!: number;

  @Column({ type: 'varchar', nullable: true })
  error!: string | null;

  @Column({ type: 'varchar', name: 'source_ip', nullable: true })
  sourceIp!: string | null;

  @Column({ type: 'varchar', name: 'correlation_id' })
  correlationId!: string;

  @Column({ type: 'varchar', name: 'causation_id', nullable: true })
  causationId!: string | null;

  /** The event's data as JSON, secrets masked. */
  @Column({ type: 'text' })
  details!: string;
}

/** Names of devices and API keys as the log last gave them (`device:<id>`, `apikey:<id>`). */
@Entity({ name: 'audit_names' })
export class AuditNameRow {
  @PrimaryColumn({ type: 'varchar' })
  key!: string;

  @Column({ type: 'varchar' })
  name!: string;
}
