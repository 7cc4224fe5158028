import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Columns every projected row carries: the whole spec as JSON, when it appeared and changed, and the last event applied. */
abstract class ProjectedRow {
  /** The whole spec as JSON: every field survives, whatever its shape. */
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

@Entity({ name: 'apps' })
export class AppRow extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar' })
  id!: string;

  @Column({ type: 'varchar' })
  name!: string;
}

@Entity({ name: 'routes' })
export class RouteRow extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', name: 'route_id' })
  routeId!: string;

  @Index('routes_app_id')
  @Column({ type: 'varchar', name: 'app_id' })
  appId!: string;

  @Column({ type: 'varchar', name: 'path_base' })
  pathBase!: string;

  @Column({ type: 'varchar' })
  subdomain!: string;
}
