import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSettings } from '../apps/gateway/src/settings';

/**
 * docker/compose.scale.yaml cannot be started here (no compose plugin, no registry for the
 * KurrentDB and Caddy images), so it is checked as data: the services, how they point at each
 * other, that the files it mounts exist, and that each replica's environment and config file
 * load as gateway settings on KurrentDB.
 */
const composeFile = resolve(__dirname, '../docker/compose.scale.yaml');
const dockerDir = dirname(composeFile);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string } | null> | string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean }>;
};
const services = compose.services;
const nodes = ['kurrentdb-1', 'kurrentdb-2', 'kurrentdb-3'];
const gateways = ['gateway-a', 'gateway-b'];
const ipOf = (name: string) =>
  (services[name]!.networks as Record<string, { ipv4_address?: string }>)['cluster']!.ipv4_address!;
/** `${VAR:?message}` as compose substitutes it when VAR is set. */
const substitute = (value: string, vars: Record<string, string>) =>
  value.replace(/\$\{([A-Z_]+)(?::\?[^}]*)?\}/g, (_, name: string) => vars[name] ?? '');

describe('docker/compose.scale.yaml', () => {
  it('runs a three-node KurrentDB cluster whose nodes seed gossip from each other', () => {
    for (const node of nodes) {
      const s = services[node]!;
      expect(s.image).toMatch(/^docker\.kurrent\.io\/kurrent-latest\/kurrentdb:/);
      expect(s.environment).toMatchObject({
        KURRENTDB_CLUSTER_SIZE: '3',
        KURRENTDB_DISCOVER_VIA_DNS: 'false',
        KURRENTDB_REPLICATION_IP: ipOf(node),
      });
      const seeds = s.environment!['KURRENTDB_GOSSIP_SEED']!.split(',').sort();
      expect(seeds).toEqual(
        nodes
          .filter((n) => n !== node)
          .map((n) => `${ipOf(n)}:2113`)
          .sort(),
      );
      expect(s.volumes?.some((v) => v.endsWith(':/var/lib/kurrentdb'))).toBe(true);
      // The cluster is insecure, so nothing outside the compose network may reach it.
      expect(s.ports).toBeUndefined();
    }
    expect(new Set(nodes.map(ipOf)).size).toBe(3);
    expect(compose.networks['cluster']!.internal).toBe(true);
  });

  it('runs two gateway replicas from docker/Dockerfile on the cluster, one secret, one discoverer', () => {
    const url = services['gateway-a']!.environment!['NEKZUS_KURRENTDB_URL']!;
    expect(url.startsWith('kurrentdb+discover://')).toBe(true);
    for (const node of nodes) expect(url).toContain(`${ipOf(node)}:2113`);
    for (const name of gateways) {
      const s = services[name]!;
      expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(existsSync(join(dockerDir, s.build!.context, s.build!.dockerfile))).toBe(true);
      expect(s.environment).toMatchObject({
        NEKZUS_EVENT_STORE: 'kurrentdb',
        NEKZUS_KURRENTDB_URL: url,
        NEKZUS_CONFIG: '/etc/nekzus/config.yaml',
      });
      expect(s.environment!['NEKZUS_JWT_SECRET']).toMatch(/^\$\{NEKZUS_JWT_SECRET:\?/);
      for (const node of nodes)
        expect((s.depends_on as Record<string, { condition: string }>)[node]).toEqual({
          condition: 'service_healthy',
        });
      // Each replica has a data dir (read models) of its own.
      expect(s.volumes?.filter((v) => v.endsWith(':/data'))).toEqual([`${name}-data:/data`]);
    }
    const docker = (name: string) =>
      services[name]!.volumes?.some((v) => v.startsWith('/var/run/docker.sock:')) ?? false;
    expect([docker('gateway-a'), docker('gateway-b')]).toEqual([true, false]);
    expect(services['gateway-b']!.environment!['NEKZUS_DISCOVERY_ENABLED']).toBe('false');
  });

  it('each replica’s environment and config file load as gateway settings on KurrentDB', () => {
    for (const name of gateways) {
      const s = services[name]!;
      const mount = s.volumes!.find((v) => v.endsWith(':/etc/nekzus/config.yaml:ro'))!;
      const configFile = resolve(dockerDir, mount.split(':')[0]!);
      expect(existsSync(configFile)).toBe(true);
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(s.environment!))
        env[key] = substitute(value, { NEKZUS_JWT_SECRET: 's'.repeat(48) });
      const settings = loadSettings({ ...env, NEKZUS_CONFIG: configFile });
      expect(settings.storage).toMatchObject({
        eventStore: 'kurrentdb',
        kurrentdbUrl: env['NEKZUS_KURRENTDB_URL'],
      });
      expect(settings.warnings).toEqual([]);
      // X-Forwarded-For is believed from the load balancer's address, and only from it.
      const lb = (services['load-balancer']!.networks as Record<string, { ipv4_address: string }>)[
        'front'
      ]!.ipv4_address;
      expect(settings.config.server.trusted_proxies).toEqual([lb]);
    }
  });

  it('puts Caddy in front: the one published port, both replicas, health from /readyz', () => {
    const lb = services['load-balancer']!;
    expect(lb.image).toMatch(/^caddy:/);
    expect(lb.ports).toEqual(['8080:8080']);
    const published = Object.entries(services).filter(([, s]) => s.ports !== undefined);
    expect(published.map(([n]) => n)).toEqual(['load-balancer']);
    const mount = lb.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    const caddyfile = resolve(dockerDir, mount.split(':')[0]!);
    expect(existsSync(caddyfile)).toBe(true);
    const text = readFileSync(caddyfile, 'utf8');
    expect(text).toMatch(/reverse_proxy gateway-a:8080 gateway-b:8080 \{/);
    expect(text).toMatch(/^\s*health_uri \/readyz$/m);
    expect(text).toMatch(/^\s*health_status 200$/m);
    for (const name of gateways) expect(Object.keys(services)).toContain(name);
  });
});
