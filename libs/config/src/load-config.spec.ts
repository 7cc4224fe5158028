import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from './config-issue';
import { loadConfigFile, parseConfigText } from './load-config';

const EXAMPLE = join(__dirname, 'testing', 'nekzus-example.yaml');

const messages = (text: string) => {
  const result = parseConfigText(text, 'bad.yaml');
  return {
    ...result,
    errorLines: result.errors.map(formatIssue),
    warningLines: result.warnings.map(formatIssue),
  };
};

describe('the annotated example config of the contract', () => {
  it('loads without errors or warnings', () => {
    const result = loadConfigFile(EXAMPLE);

    expect(result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings.map(formatIssue)).toEqual([]);
    expect(result.config?.server.tls).toBe('auto');
    expect(result.config?.routes.map((r) => r.path_base)).toEqual([
      '/apps/grafana/',
      '/apps/jellyfin/',
    ]);
    expect(result.config?.health_checks.per_service['grafana']?.timeout).toBe('3s');
  });

  it('reads the same content as JSON, since YAML reads JSON too', () => {
    const asJson = JSON.stringify(loadConfigFile(EXAMPLE).config);

    const result = parseConfigText(asJson, 'nekzus.json');

    expect(result.errors).toEqual([]);
    expect(JSON.stringify(result.config)).toBe(asJson);
  });
});

describe('an empty file', () => {
  it('gives the documented defaults', () => {
    const { config, errors } = parseConfigText('', 'empty.yaml');

    expect(errors).toEqual([]);
    expect(config?.server.addr).toBe(':8080');
    expect(config?.server.trusted_proxies).toEqual([]);
    expect(config?.auth).toEqual({
      issuer: 'nekzus',
      audience: 'nekzus-mobile',
      default_scopes: [],
      local_network_trust: 'loopback',
      local_networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
      session_ttl: '12h',
    });
    expect(config?.rate_limits.auth).toEqual({ per_minute: 10, burst: 10 });
    expect(config?.storage).toEqual({
      data_dir: './data',
      database_path: './data/nexus.db',
      event_store: 'sqlite',
      events_path: '',
      read_models_path: '',
      kurrentdb: { connection_string: '' },
    });
    expect(config?.discovery.docker.mode).toBe('opt-out');
    expect(config?.discovery.mdns.services).toHaveLength(6);
    expect(config?.notifications.queue.retry_interval).toBe('5m');
    expect(config?.health_checks).toMatchObject({
      enabled: true,
      interval: '10s',
      unhealthy_threshold: 2,
    });
    expect(config?.metrics).toEqual({ enabled: true, path: '/metrics', require_auth: false });
    expect(config?.runtimes.kubernetes.metrics_cache_ttl).toBe('30s');
    expect(config?.routes).toEqual([]);
    expect(config?.apps).toEqual([]);
  });

  it('fills route defaults but leaves optional route keys out', () => {
    const { config } = parseConfigText(
      'routes:\n  - id: a\n    path_base: /apps/a/\n    to: http://a:80\n',
      'r.yaml',
    );

    expect(config?.routes[0]).toEqual({
      id: 'a',
      path_base: '/apps/a/',
      to: 'http://a:80',
      public_access: false,
      websockets: false,
      strip_prefix: false,
      strip_response_cookies: false,
      rewrite_cookie_paths: false,
      rewrite_html: false,
      persist_cookies: false,
      skip_health_check: false,
      tls_skip_verify: false,
      preserve_host: true,
      max_body_bytes: 0,
      rate_limit_per_minute: 0,
      rate_limit_burst: 0,
    });
  });
});

const ROUTES_AB =
  'routes:\n  - id: a\n    path_base: /a\n    to: http://x\n  - id: b\n    path_base: /b\n    to: http://y\n';

describe.each([
  [
    'server',
    'server:\n  addr: "8443"\n',
    'bad.yaml:2:9: server.addr: expected host:port with a port from 0 to 65535, such as ":8443" or "0.0.0.0:8080", found "8443"',
  ],
  [
    'server',
    'server:\n  addr: ":70000"\n',
    'bad.yaml:2:9: server.addr: expected host:port with a port from 0 to 65535, such as ":8443" or "0.0.0.0:8080", found ":70000"',
  ],
  [
    'server',
    'server:\n  tls: always\n',
    'bad.yaml:2:8: server.tls: expected one of "auto", "off", found "always"',
  ],
  [
    'server',
    'server:\n  trusted_proxies: [10.0.0.0/33]\n',
    'bad.yaml:2:21: server.trusted_proxies[0]: expected an IP address or CIDR range, such as 10.0.0.0/8, found "10.0.0.0/33"',
  ],
  [
    'server',
    'server:\n  tls_cert: a.crt\n',
    'bad.yaml:2:13: server.tls_cert: expected server.tls_key to be set too (set both certificate files or neither)',
  ],
  [
    'auth',
    'auth:\n  hs256_secret: short-secret\n',
    'bad.yaml:2:17: auth.hs256_secret: expected at least 32 characters, found a 12-character value',
  ],
  [
    'auth',
    'auth:\n  local_network_trust: maybe\n',
    'bad.yaml:2:24: auth.local_network_trust: expected one of "loopback", "lan", "off", found "maybe"',
  ],
  [
    'bootstrap',
    'bootstrap:\n  tokens: abc\n',
    'bad.yaml:2:11: bootstrap.tokens: expected a list, found a 3-character value',
  ],
  [
    'storage',
    'storage:\n  data_dir: 42\n',
    'bad.yaml:2:13: storage.data_dir: expected a string, found 42',
  ],
  [
    'notifications',
    'notifications:\n  queue:\n    worker_count: 0\n',
    'bad.yaml:3:19: notifications.queue.worker_count: expected a number ≥ 1, found 0',
  ],
  [
    'discovery',
    'discovery:\n  docker:\n    network_mode: random\n',
    'bad.yaml:3:19: discovery.docker.network_mode: expected one of "all", "first", "preferred", found "random"',
  ],
  [
    'discovery',
    'discovery:\n  docker:\n    mode: optin\n',
    'bad.yaml:3:11: discovery.docker.mode: expected one of "opt-out", "opt-in", found "optin"',
  ],
  [
    'discovery',
    'discovery:\n  kubernetes:\n    poll_interval: 30 seconds\n',
    'bad.yaml:3:20: discovery.kubernetes.poll_interval: expected a duration such as 30s, 5m or 1h30m, found "30 seconds"',
  ],
  [
    'discovery',
    'discovery:\n  docker:\n    network_mode: preferred\n',
    'bad.yaml:3:19: discovery.docker.network_mode: expected discovery.docker.networks to name at least one network when network_mode is "preferred"',
  ],
  [
    'health_checks',
    'health_checks:\n  per_service:\n    grafana:\n      timeout: soon\n',
    'bad.yaml:4:16: health_checks.per_service.grafana.timeout: expected a duration such as 30s, 5m or 1h30m, found "soon"',
  ],
  [
    'metrics',
    'metrics:\n  path: /api/metrics\n',
    'bad.yaml:2:9: metrics.path: expected a path starting with "/" that is not under /api/, found "/api/metrics"',
  ],
  [
    'backup',
    'backup:\n  retention: 0\n',
    'bad.yaml:2:14: backup.retention: expected a number ≥ 1, found 0',
  ],
  [
    'toolbox',
    'toolbox:\n  enabled: "true"\n',
    'bad.yaml:2:12: toolbox.enabled: expected a boolean, found "true"',
  ],
  [
    'scripts',
    'scripts:\n  default_timeout: 1.5\n',
    'bad.yaml:2:20: scripts.default_timeout: expected an integer, found 1.5',
  ],
  [
    'federation',
    'federation:\n  gossip_port: 70000\n',
    'bad.yaml:2:16: federation.gossip_port: expected a number ≤ 65535, found 70000',
  ],
  [
    'federation',
    'federation:\n  enabled: true\n  cluster_secret: abc\n',
    'bad.yaml:3:19: federation.cluster_secret: expected at least 32 characters when federation is enabled, found a 3-character value',
  ],
  [
    'runtimes',
    'runtimes:\n  primary: podman\n',
    'bad.yaml:2:12: runtimes.primary: expected one of "docker", "kubernetes", found "podman"',
  ],
  [
    'system',
    'system:\n  host_root_path: [a]\n',
    'bad.yaml:2:19: system.host_root_path: expected a string, found a list',
  ],
  [
    'routes',
    `${ROUTES_AB}  - id: c\n    path_base: apps/c\n    to: http://z\n`,
    'bad.yaml:9:16: routes[2].path_base: expected a path starting with "/", found "apps/c"',
  ],
  [
    'routes',
    'routes:\n  - id: a\n    path_base: /a\n',
    'bad.yaml:2:5: routes[0].to: required key is missing',
  ],
  [
    'routes',
    'routes:\n  - id: a\n    path_base: /a\n    to: ftp://files\n',
    'bad.yaml:4:9: routes[0].to: expected an http:// or https:// URL, found "ftp://files"',
  ],
  [
    'routes',
    `${ROUTES_AB.slice(0, -1)}\n    websockets: sometimes\n`,
    'bad.yaml:8:17: routes[1].websockets: expected a boolean, found "sometimes"',
  ],
  [
    'routes',
    'routes:\n  - id: a\n    path_base: /a\n    to: http://a\n    expected_status_codes: [200, 700]\n',
    'bad.yaml:5:34: routes[0].expected_status_codes[1]: expected a number ≤ 599, found 700',
  ],
  ['routes', 'routes: {}\n', 'bad.yaml:1:9: routes: expected a list, found a mapping'],
  ['apps', 'apps:\n  - id: x\n', 'bad.yaml:2:5: apps[0].name: required key is missing'],
  [
    'apps',
    'apps:\n  - id: x\n    name: X\n    endpoints:\n      lan: 8080\n',
    'bad.yaml:5:12: apps[0].endpoints.lan: expected a string, found 8080',
  ],
  [
    'the whole file',
    '- server\n',
    'bad.yaml:1:1: expected a mapping of sections at the top of the file, found a list',
  ],
  [
    'server',
    'server:\n  addr:\n',
    'bad.yaml:2:8: server.addr: expected a string, found an empty value',
  ],
])('bad values in %s', (_section, text, expected) => {
  it(`report ${expected}`, () => {
    const { config, errorLines } = messages(text);

    expect(errorLines).toEqual([expected]);
    expect(config).toBeUndefined();
  });
});

describe('a file with several mistakes', () => {
  it('reports every one of them at once, in file order', () => {
    const { errorLines } = messages(
      [
        'routes:',
        '  - id: a',
        '    path_base: a',
        '    to: http://a',
        'health_checks:',
        '  interval: often',
        'server:',
        '  addr: nowhere',
        'auth:',
        '  local_network_trust: maybe',
        '  hs256_secret: too-short',
      ].join('\n'),
    );

    expect(errorLines).toEqual([
      'bad.yaml:3:16: routes[0].path_base: expected a path starting with "/", found "a"',
      'bad.yaml:6:13: health_checks.interval: expected a duration such as 30s, 5m or 1h30m, found "often"',
      expect.stringMatching(/^bad\.yaml:8:9: server\.addr: expected host:port/),
      'bad.yaml:10:24: auth.local_network_trust: expected one of "loopback", "lan", "off", found "maybe"',
      'bad.yaml:11:17: auth.hs256_secret: expected at least 32 characters, found a 9-character value',
    ]);
  });
});

describe('YAML syntax errors', () => {
  it('are errors with the position of the fault', () => {
    const { errors, config } = parseConfigText(
      'server:\n  addr: ":80"\n   bad indent: [\n',
      'broken.yaml',
    );

    expect(config).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
    expect(formatIssue(errors[0]!)).toMatch(/^broken\.yaml:3:\d+: invalid YAML: /);
  });

  it('report a duplicated key', () => {
    const { errors } = parseConfigText('server:\n  addr: ":80"\n  addr: ":81"\n', 'dup.yaml');

    expect(errors.map(formatIssue)).toEqual([
      expect.stringMatching(/^dup\.yaml:3:3: invalid YAML: .*unique/),
    ]);
  });
});

describe('YAML features', () => {
  it('understands anchors and merge keys, as go-yaml does', () => {
    const { config, errors } = parseConfigText(
      'routes:\n  - &base\n    id: a\n    path_base: /a\n    to: http://a\n    strip_prefix: true\n  - <<: *base\n    id: b\n',
      'merge.yaml',
    );

    expect(errors).toEqual([]);
    expect(config?.routes[1]).toMatchObject({ id: 'b', path_base: '/a', strip_prefix: true });
  });

  it('refuses a file of several documents', () => {
    const { errors } = parseConfigText('server: {}\n---\nauth: {}\n', 'multi.yaml');

    expect(errors.map(formatIssue)).toEqual([
      'multi.yaml:2:1: invalid YAML: expected one document, found several (remove the "---" separator)',
    ]);
  });
});

describe('unknown keys', () => {
  it('are a warning with a did-you-mean, and the rest of the file still loads', () => {
    const { config, errorLines, warningLines } = messages(
      'server:\n  adr: ":9000"\n  base_url: http://gw\n',
    );

    expect(errorLines).toEqual([]);
    expect(warningLines).toEqual([
      'bad.yaml:2:3: server.adr: unknown key, ignored; did you mean "addr"?',
    ]);
    expect(config?.server.addr).toBe(':8080');
    expect(config?.server).not.toHaveProperty('adr');
    expect(config?.server.base_url).toBe('http://gw');
  });

  it('suggest the snake_case key for a camelCase spelling, at any depth', () => {
    const { warningLines } = messages(
      'helth_checks:\n  interval: 5s\nroutes:\n  - id: a\n    path_base: /a\n    to: http://a\n    stripPrefix: true\n',
    );

    expect(warningLines).toEqual([
      'bad.yaml:1:1: helth_checks: unknown key, ignored; did you mean "health_checks"?',
      'bad.yaml:7:5: routes[0].stripPrefix: unknown key, ignored; did you mean "strip_prefix"?',
    ]);
  });

  it('get no suggestion when nothing is close', () => {
    const { warningLines } = messages('colour_scheme: dark\n');

    expect(warningLines).toEqual(['bad.yaml:1:1: colour_scheme: unknown key, ignored']);
  });
});

describe('cross-key warnings', () => {
  it('point at a route id used twice', () => {
    const { warningLines, errorLines } = messages(
      `${ROUTES_AB}  - id: a\n    path_base: /c\n    to: http://z\n`,
    );

    expect(errorLines).toEqual([]);
    expect(warningLines).toEqual([
      'bad.yaml:8:9: routes[2].id: id "a" is also used by routes[0]; this later entry wins',
    ]);
  });
});

describe('loadConfigFile', () => {
  it('reports a missing file as an error', () => {
    const result = loadConfigFile(join(__dirname, 'testing', 'no-such-file.yaml'));

    expect(result.config).toBeUndefined();
    expect(result.errors.map((e) => e.message)).toEqual(['config file not found']);
  });

  it('uses the defaults with a warning when a missing file is allowed', () => {
    const result = loadConfigFile('missing.yaml', {
      allowMissing: true,
      readFile: () => missing(),
    });

    expect(result.errors).toEqual([]);
    expect(result.config?.server.addr).toBe(':8080');
    expect(result.warnings.map(formatIssue)).toEqual([
      'missing.yaml: config file not found; using defaults',
    ]);
  });

  it('names the file in every position', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace('retention: 7', 'retention: seven');

    const result = loadConfigFile('/etc/nekzus/config.yaml', { readFile: () => text });

    expect(result.errors.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^\/etc\/nekzus\/config\.yaml:\d+:14: backup\.retention: expected an integer, found "seven"$/,
      ),
    ]);
  });
});

function missing(): never {
  throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
}

describe('YAML 1.1 booleans', () => {
  it('are read as booleans where a boolean is expected, as go-yaml does for Nekzus, with a warning', () => {
    const { config, errors, warnings } = parseConfigText(
      'metrics:\n  enabled: off\nroutes:\n  - id: a\n    path_base: /apps/a/\n    to: http://x\n    websockets: yes\n    subdomain: "no"\n',
      'old.yaml',
    );
    expect(errors).toEqual([]);
    expect(config?.metrics.enabled).toBe(false);
    expect(config?.routes[0]?.websockets).toBe(true);
    expect(config?.routes[0]?.subdomain).toBe('no');
    expect(warnings.map(formatIssue)).toEqual([
      'old.yaml:2:12: metrics.enabled: "off" read as false (a YAML 1.1 boolean, as Nekzus reads it); write false',
      'old.yaml:7:17: routes[0].websockets: "yes" read as true (a YAML 1.1 boolean, as Nekzus reads it); write true',
    ]);
  });
});
