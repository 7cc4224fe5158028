import type { ErrorDetail } from '#libs/kernel';
import { changedFields, ID_PATTERN, ID_RULE } from './route';

export interface DiscoveryMeta {
  source: string;
  containerId?: string;
  podName?: string;
  serviceName?: string;
}

export interface AppSpec {
  id: string;
  name: string;
  icon: string;
  tags: string[];
  /** Named addresses of the service, e.g. `lan`, `cluster`, `mdns`. */
  endpoints: Record<string, string>;
  discoveryMeta?: DiscoveryMeta;
}

export type AppInput = Pick<AppSpec, 'id'> & Partial<Omit<AppSpec, 'id'>>;
export type AppField = keyof AppSpec;
export const APP_FIELDS: readonly AppField[] = [
  'id',
  'name',
  'icon',
  'tags',
  'endpoints',
  'discoveryMeta',
];

export function appWithDefaults(input: AppInput): AppSpec {
  const app: AppSpec = {
    id: input.id,
    name: input.name ?? input.id,
    icon: input.icon ?? '',
    tags: [...new Set(input.tags ?? [])],
    endpoints: { ...(input.endpoints ?? {}) },
  };
  if (input.discoveryMeta) app.discoveryMeta = input.discoveryMeta;
  return app;
}

export function validateApp(app: AppSpec): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });
  if (!ID_PATTERN.test(app.id)) bad('id', ID_RULE);
  if (app.name.trim().length === 0 || app.name.length > 128)
    bad('name', 'must be 1-128 characters');
  if (app.icon.length > 2048) bad('icon', 'must be at most 2048 characters');
  if (app.tags.length > 32) bad('tags', 'at most 32 tags');
  app.tags.forEach((t, i) => {
    if (t.length === 0 || t.length > 64) bad(`tags.${i}`, 'must be 1-64 characters');
  });
  const keys = Object.keys(app.endpoints);
  if (keys.length > 16) bad('endpoints', 'at most 16 endpoints');
  for (const key of keys) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(key))
      bad(`endpoints.${key}`, 'name must be a short lower-case word');
    if ((app.endpoints[key] ?? '').length > 2048)
      bad(`endpoints.${key}`, 'must be at most 2048 characters');
  }
  return problems;
}

export function changedAppFields(before: AppSpec, after: AppSpec): AppField[] {
  return changedFields(before, after, APP_FIELDS);
}
