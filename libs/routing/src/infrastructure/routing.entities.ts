import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'apps' })
export class AppRow {
  @PrimaryColumn({ type: 'varchar' })
  id!: string;

  @Column({ type: 'varchar' })
  name!: string;

  /** The whole AppSpec as JSON: every field survives, whatever its shape. */
  @Column({ type: 'text' })
  spec!: string;

  @Column({ type: 'varchar', name: 'created_at' })
  createdAt!: string;

  @Column({ type: 'varchar', name: 'updated_at' })
  updatedAt!: string;

  /** Global position of the last event applied to this row. */
  @Column({ type: 'integer' })
  position!: number;
}

@Entity({ name: 'routes' })
export class RouteRow {
  @PrimaryColumn({ type: 'varchar', name: 'route_id' })
  routeId!: string;

  @Index('routes_app_id')
  @Column({ type: 'varchar', name: 'app_id' })
  appId!: string;

  @Column({ type: 'varchar', name: 'path_base' })
  pathBase!: string;

  @Column({ type: 'varchar' })
  subdomain!: string;

  /** The whole RouteSpec as JSON, so no field is ever dropped. */
  @Column({ type: 'text' })
  spec!: string;

  @Column({ type: 'varchar', name: 'created_at' })
  createdAt!: string;

  @Column({ type: 'varchar', name: 'updated_at' })
  updatedAt!: string;

  @Column({ type: 'integer' })
  position!: number;
}
