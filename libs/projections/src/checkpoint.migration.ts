import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProjectionCheckpoints1732500000000 implements MigrationInterface {
  name = 'ProjectionCheckpoints1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "projection_checkpoints" (
      "name" varchar PRIMARY KEY NOT NULL,
      "position" integer NOT NULL,
      "updated_at" varchar NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "projection_checkpoints"`);
  }
}
