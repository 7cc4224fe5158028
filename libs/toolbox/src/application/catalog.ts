import type { CatalogEntry } from '../domain';

export const TOOLBOX_CATALOG = Symbol('TOOLBOX_CATALOG');

/** Where templates come from (a directory in production and in the tests). */
export interface Catalog {
  entries(): CatalogEntry[];
}
