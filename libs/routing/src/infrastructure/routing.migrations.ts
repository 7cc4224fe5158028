import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RoutingReadModels1732500000100 implements MigrationInterface {
  name = 'RoutingReadModels1732500000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "apps" (
      "id" varchar PRIMARY KEY NOT NULL,
      "name" varchar NOT NULL,
      "spec" text NOT NULL,
      "created_at" varchar NOT NULL,
      "updated_at" varchar NOT NULL,
      "position" integer NOT NULL
    )`);
    await q.query(`CREATE TABLE "routes" (
      "route_id" varchar PRIMARY KEY NOT NULL,
      "app_id" varchar NOT NULL,
      "path_base" varchar NOT NULL,
      "subdomain" varchar NOT NULL,
      "spec" text NOT NULL,
      "created_at" varchar NOT NULL,
      "updated_at" varchar NOT NULL,
      "position" integer NOT NULL
    )`);
    await q.query(`CREATE INDEX "routes_app_id" ON "routes" ("app_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "routes"`);
    await q.query(`DROP TABLE "apps"`);
  }
}
