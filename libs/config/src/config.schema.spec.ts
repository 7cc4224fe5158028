import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AppConfig, configSchema, type NekzusConfig, type RouteConfig } from './config.schema';
import { createConfigAjv } from './config-validator';

describe('the config schema', () => {
  it('compiles under ajv strict mode with every error and defaults on', () => {
    const ajv = createConfigAjv({ useDefaults: true });

    expect(() => ajv.compile(configSchema)).not.toThrow();
  });

  it('describes every key', () => {
    const undocumented: string[] = [];
    const visit = (node: any, path: string) => {
      if (path !== '' && typeof node.description !== 'string') undocumented.push(path);
      for (const [k, v] of Object.entries(node.properties ?? {}))
        visit(v, path ? `${path}.${k}` : k);
      if (node.items) visit(node.items, `${path}[]`);
      if (typeof node.additionalProperties === 'object')
        visit(node.additionalProperties, `${path}.<name>`);
    };

    visit(configSchema, '');

    expect(undocumented).toEqual([]);
  });

  it('gives the TypeScript types that the schema validates', () => {
    expectTypeOf<keyof NekzusConfig>().toEqualTypeOf<
      | 'server'
      | 'auth'
      | 'bootstrap'
      | 'rate_limits'
      | 'webhooks'
      | 'storage'
      | 'notifications'
      | 'discovery'
      | 'health_checks'
      | 'metrics'
      | 'proxy'
      | 'graphql'
      | 'backup'
      | 'toolbox'
      | 'scripts'
      | 'federation'
      | 'runtimes'
      | 'system'
      | 'routes'
      | 'apps'
    >();
    expectTypeOf<NekzusConfig['server']['addr']>().toEqualTypeOf<string>();
    expectTypeOf<NekzusConfig['server']['tls']>().toEqualTypeOf<'auto' | 'off' | undefined>();
    expectTypeOf<NekzusConfig['discovery']['docker']['mode']>().toEqualTypeOf<
      'opt-out' | 'opt-in'
    >();
    expectTypeOf<NekzusConfig['auth']['hs256_secret']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NekzusConfig['health_checks']['per_service']>().toEqualTypeOf<
      Record<string, { path?: string; interval?: string; timeout?: string }>
    >();
    expectTypeOf<RouteConfig['path_base']>().toEqualTypeOf<string>();
    expectTypeOf<RouteConfig['strip_prefix']>().toEqualTypeOf<boolean>();
    expectTypeOf<RouteConfig['scopes']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<AppConfig['endpoints']>().toEqualTypeOf<Record<string, string> | undefined>();
    expect(Object.keys(configSchema.properties)).toHaveLength(20);
  });
});
