import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isGraphqlSchemaCurrent } from '../apps/cli/src/graphql.command';
import { graphqlSchemaText, renderSchema } from '../apps/gateway/src/graphql/graphql-schema';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
} from '../apps/gateway/src/graphql/graphql-js';
import { ROUTE_FIELDS } from '#libs/routing';
import { startHarness, type Harness } from './support/gateway-harness';

const COMMITTED = join(__dirname, '..', 'schema.gql');

function config(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nekzus-graphql-schema-')), 'nekzus.yaml');
  writeFileSync(file, [...lines, ''].join('\n'));
  return file;
}

async function introspect(h: Harness) {
  const r = await h.call('POST', '/graphql', { query: getIntrospectionQuery() });
  return { status: r.status, body: r.body as { data?: IntrospectionQuery; errors?: any[] } };
}

describe('the GraphQL schema', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('is committed as schema.gql exactly as the code generates it (run "npm run nekzus -- graphql schema --write schema.gql")', async () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(await graphqlSchemaText());
    expect(await isGraphqlSchemaCurrent(COMMITTED)).toBe(true);
    const stale = join(mkdtempSync(join(tmpdir(), 'nekzus-graphql-stale-')), 'schema.gql');
    writeFileSync(
      stale,
      readFileSync(COMMITTED, 'utf8').replace('routes(appId: String)', 'routes'),
    );
    expect(await isGraphqlSchemaCurrent(stale)).toBe(false);
  });

  it('gives routes every field the routing context stores, as inputs too', async () => {
    const schema = buildSchema(await graphqlSchemaText());
    const fields = (name: string) =>
      Object.keys((schema.getType(name) as { getFields(): object }).getFields()).sort();
    const stored = [...ROUTE_FIELDS].sort();
    expect(fields('RouteSettings')).toEqual(stored);
    expect(fields('Route')).toEqual([...stored, 'app', 'createdAt', 'status', 'updatedAt'].sort());
    expect(fields('RouteInput')).toEqual([...stored, 'appName', 'icon'].sort());
    expect(fields('RoutePatch')).toEqual(
      [...stored.filter((f) => f !== 'routeId'), 'appName', 'icon'].sort(),
    );
  });

  it('is what a gateway with graphql.introspection on serves, field for field', async () => {
    h = await startHarness(undefined, { config: config(['graphql:', '  introspection: true']) });
    const { status, body } = await introspect(h);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(renderSchema(buildClientSchema(body.data!))).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('is not introspectable in production mode by default, and always in development', async () => {
    h = await startHarness();
    const refused = await introspect(h);
    expect(refused.status).toBe(400);
    expect(refused.body.errors!.map((e): unknown => e.extensions.code)).toEqual([
      'INTROSPECTION_DISABLED',
    ]);
    await h.stop();
    h = await startHarness(undefined, { env: { ENVIRONMENT: 'development' } });
    const answered = await introspect(h);
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data!.__schema.queryType.name).toBe('Query');
  });
});
