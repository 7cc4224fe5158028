import { describe, expect, it } from 'vitest';
import { configSchema } from './config.schema';
import { renderConfigReference } from './reference';

/** Leaf keys found by walking the schema here, independently of the renderer's own walker. */
function leafPaths(node: any, path: string): string[] {
  if (node.properties)
    return Object.entries(node.properties).flatMap(([k, v]) =>
      leafPaths(v, path ? `${path}.${k}` : k),
    );
  if (node.items?.properties) return leafPaths(node.items, `${path}[]`);
  if (node.additionalProperties?.properties)
    return leafPaths(node.additionalProperties, `${path}.<name>`);
  return [path];
}

describe('the generated config reference', () => {
  const page = renderConfigReference();
  const rowOf = (key: string) => page.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));

  it('has a row for every leaf key of the schema', () => {
    const leaves = leafPaths(configSchema, '');

    expect(leaves.length).toBeGreaterThan(100);
    expect(leaves.filter((key) => rowOf(key) === undefined)).toEqual([]);
  });

  it('shows type, default, environment variable, restart need and description', () => {
    expect(rowOf('server.addr')).toBe(
      '| `server.addr` | host:port with a port from 0 to 65535, such as ":8443" or "0.0.0.0:8080" | `":8080"` | `NEKZUS_ADDR`, `NEKZUS_ADDR_FILE` | restart | Address the gateway listens on, as host:port; an empty host means every interface. (Nekzus defaults to :8443; this gateway starts on plain HTTP :8080 until TLS is configured.) |',
    );
    expect(rowOf('server.trusted_proxies')).toContain(
      '| list of an IP address or CIDR range, such as 10.0.0.0/8 | `[]` | — | live |',
    );
    expect(rowOf('discovery.docker.mode')).toContain(
      'one of `"opt-out"`, `"opt-in"` | `"opt-out"`',
    );
    expect(rowOf('routes[].path_base')).toContain('| required |');
    expect(rowOf('health_checks.per_service.<name>.timeout')).toContain('| live |');
  });

  it('marks the keys that need a restart, including those inherited from their section', () => {
    for (const key of [
      'server.addr',
      'server.tls',
      'server.tls_cert',
      'server.tls_key',
      'storage.data_dir',
      'auth.hs256_secret',
      'toolbox.enabled',
    ])
      expect(rowOf(key), key).toContain('| restart |');
    for (const key of [
      'routes[].to',
      'apps[].name',
      'bootstrap.tokens',
      'discovery.enabled',
      'metrics.enabled',
      'server.trusted_proxies',
    ])
      expect(rowOf(key), key).toContain('| live |');
  });

  it('is stable, so a committed copy can be checked for drift', () => {
    expect(renderConfigReference()).toBe(page);
  });
});
