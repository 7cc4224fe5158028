import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditReadModels1732500000900 implements MigrationInterface {
  name = 'AuditReadModels1732500000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit_log" (
      "position" integer PRIMARY KEY NOT NULL,
      "event_id" varchar NOT NULL,
      "recorded_at" varchar NOT NULL,
      "stream" varchar NOT NULL,
      "event_type" varchar NOT NULL,
      "action" varchar NOT NULL,
      "actor_kind" varchar NOT NULL,
      "actor_id" varchar NOT NULL,
      "actor_name" varchar,
      "target_type" varchar NOT NULL,
      "target_id" varchar NOT NULL,
      "target_name" varchar,
      "success" integer NOT NULL,
      "error" varchar,
      "source_ip" varchar,
      "correlation_id" varchar NOT NULL,
      "causation_id" varchar,
      "details" text NOT NULL
    )`);
    await q.query(`CREATE INDEX "audit_log_recorded_at" ON "audit_log" ("recorded_at")`);
    await q.query(`CREATE INDEX "audit_log_actor" ON "audit_log" ("actor_id", "position")`);
    await q.query(`CREATE INDEX "audit_log_action" ON "audit_log" ("action", "position")`);
    await q.query(`CREATE INDEX "audit_log_target" ON "audit_log" ("target_id", "position")`);
    await q.query(`CREATE INDEX "audit_log_correlation" ON "audit_log" ("correlation_id")`);
    await q.query(`CREATE TABLE "audit_names" (
      "key" varchar PRIMARY KEY NOT NULL,
      "name" varchar NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_names"`);
    await q.query(`DROP TABLE "audit_log"`);
  }
}
