import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ActivityReadModels1732500001000 implements MigrationInterface {
  name = 'ActivityReadModels1732500001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "activity_feed" (
      "position" integer PRIMARY KEY NOT NULL,
      "id" varchar NOT NULL,
      "type" varchar NOT NULL,
      "icon" varchar NOT NULL,
      "icon_class" varchar NOT NULL,
      "message" varchar NOT NULL,
      "details" varchar,
      "timestamp" integer NOT NULL
    )`);
    await q.query(`CREATE TABLE "activity_names" (
      "key" varchar PRIMARY KEY NOT NULL,
      "name" varchar NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "activity_names"`);
    await q.query(`DROP TABLE "activity_feed"`);
  }
}
