import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NekzusConfig } from './config.schema';
import { formatIssue } from './config-issue';
import { applyEnvironment, applyFlags, loadEffectiveConfig, parseConfigText } from './load-config';

const dir = mkdtempSync(join(tmpdir(), 'nekzus-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileConfig(text: string): NekzusConfig {
  const { config, errors } = parseConfigText(text, 'nekzus.yaml');
  expect(errors).toEqual([]);
  return config!;
}

const FILE = [
  'server:',
  '  addr: ":8443"',
  'auth:',
  '  hs256_secret: file-secret-0123456789abcdefghijklmnop',
  'bootstrap:',
  '  tokens: [from-file]',
  'metrics:',
  '  enabled: true',
].join('\n');

describe('environment variables', () => {
  it('beat the file', () => {
    const result = applyEnvironment(fileConfig(FILE), {
      NEKZUS_ADDR: ':9000',
      NEKZUS_BASE_URL: 'https://gw.lan',
      NEKZUS_METRICS_ENABLED: 'false',
      NEKZUS_DISCOVERY_ENABLED: '1',
      NEKZUS_DATA_DIR: '/var/lib/nekzus',
    });

    expect(result.errors).toEqual([]);
    expect(result.config?.server.addr).toBe(':9000');
    expect(result.config?.server.base_url).toBe('https://gw.lan');
    expect(result.config?.metrics.enabled).toBe(false);
    expect(result.config?.discovery.enabled).toBe(true);
    expect(result.config?.storage.data_dir).toBe('/var/lib/nekzus');
  });

  it('leave the input untouched and ignore empty values', () => {
    const config = fileConfig(FILE);

    const result = applyEnvironment(config, { NEKZUS_ADDR: '' });

    expect(result.config?.server.addr).toBe(':8443');
    expect(applyEnvironment(config, { NEKZUS_ADDR: ':1' }).config).not.toBe(config);
    expect(config.server.addr).toBe(':8443');
  });

  it('append the bootstrap token to those of the file, once', () => {
    const result = applyEnvironment(fileConfig(FILE), { NEKZUS_BOOTSTRAP_TOKEN: 'from-env' });

    expect(result.config?.bootstrap.tokens).toEqual(['from-file', 'from-env']);
  });

  it('report bad values with the variable as their source, all at once', () => {
    const result = applyEnvironment(fileConfig(FILE), {
      NEKZUS_ADDR: 'port 80',
      NEKZUS_METRICS_ENABLED: 'yes',
      NEKZUS_JWT_SECRET: 'short',
    });

    expect(result.config).toBeUndefined();
    expect(result.errors.map(formatIssue)).toEqual([
      'NEKZUS_METRICS_ENABLED: metrics.enabled: expected a boolean (true, false, 1 or 0), found "yes"',
      expect.stringMatching(/^NEKZUS_ADDR: server\.addr: expected host:port .*, found "port 80"$/),
      'NEKZUS_JWT_SECRET: auth.hs256_secret: expected at least 32 characters, found a 5-character value',
    ]);
  });

  it('refuse a weak JWT secret outside development, pointing at where it was written', () => {
    const production = { ENVIRONMENT: 'production' };

    const fromFile = applyEnvironment(fileConfig(FILE), production);
    const inDevelopment = applyEnvironment(fileConfig(FILE), { ENVIRONMENT: 'dev' });

    expect(fromFile.errors.map(formatIssue)).toEqual([
      'nekzus.yaml:4:17: auth.hs256_secret: expected a secret without guessable words outside development (ENVIRONMENT=production), found one containing "secret"',
    ]);
    expect(inDevelopment.errors).toEqual([]);
  });
});

describe('*_FILE variables', () => {
  it('read the secret from a file, without its trailing newline', () => {
    const path = join(dir, 'jwt');
    writeFileSync(path, 'Xq8vR2mX8pL5nW7tY4zB6cF1hG0sDaQeUoZ9\n');

    const result = applyEnvironment(fileConfig(FILE), { NEKZUS_JWT_SECRET_FILE: path });

    expect(result.errors).toEqual([]);
    expect(result.config?.auth.hs256_secret).toBe('Xq8vR2mX8pL5nW7tY4zB6cF1hG0sDaQeUoZ9');
  });

  it('work for any variable of the schema', () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'docker-secret-token\n');

    const result = applyEnvironment(fileConfig(FILE), { NEKZUS_BOOTSTRAP_TOKEN_FILE: path });

    expect(result.config?.bootstrap.tokens).toEqual(['from-file', 'docker-secret-token']);
  });

  it('report a value from a file that is too short under the _FILE name', () => {
    const path = join(dir, 'short');
    writeFileSync(path, 'tiny\n');

    const result = applyEnvironment(fileConfig(FILE), { NEKZUS_JWT_SECRET_FILE: path });

    expect(result.errors.map(formatIssue)).toEqual([
      'NEKZUS_JWT_SECRET_FILE: auth.hs256_secret: expected at least 32 characters, found a 4-character value',
    ]);
  });

  it('report an unreadable file and a variable given twice', () => {
    const result = applyEnvironment(fileConfig(FILE), {
      NEKZUS_JWT_SECRET_FILE: join(dir, 'does-not-exist'),
      NEKZUS_ADDR: ':1',
      NEKZUS_ADDR_FILE: join(dir, 'jwt'),
    });

    expect(result.errors.map(formatIssue)).toEqual([
      'NEKZUS_ADDR: server.addr: set either NEKZUS_ADDR or NEKZUS_ADDR_FILE, not both',
      expect.stringMatching(
        /^NEKZUS_JWT_SECRET_FILE: auth\.hs256_secret: cannot read ".*does-not-exist": ENOENT/,
      ),
    ]);
  });
});

describe('flags', () => {
  it('beat the environment and the file', () => {
    const env = applyEnvironment(fileConfig(FILE), {
      NEKZUS_ADDR: ':9000',
      NEKZUS_DATA_DIR: '/env',
    });

    const result = applyFlags(env.config!, {
      addr: ':7000',
      data_dir: '/flag',
      insecure_http: true,
    });

    expect(result.errors).toEqual([]);
    expect(result.config?.server.addr).toBe(':7000');
    expect(result.config?.storage.data_dir).toBe('/flag');
    expect(result.config?.server.tls).toBe('off');
  });

  it('report bad values under the flag name', () => {
    const result = applyFlags(fileConfig(FILE), { addr: 'localhost' });

    expect(result.errors.map(formatIssue)).toEqual([
      expect.stringMatching(/^--addr: server\.addr: expected host:port/),
    ]);
  });
});

describe('loadEffectiveConfig', () => {
  it('layers defaults < file < environment < flags', () => {
    const path = join(dir, 'config.yaml');
    writeFileSync(
      path,
      'server:\n  addr: ":1111"\n  base_url: http://file\nstorage:\n  data_dir: /file\n',
    );

    const result = loadEffectiveConfig({
      flags: { config: path, data_dir: '/flag' },
      env: { NEKZUS_BASE_URL: 'http://env', NEKZUS_DATA_DIR: '/env' },
    });

    expect(result.errors).toEqual([]);
    expect(result.config?.server).toMatchObject({ addr: ':1111', base_url: 'http://env' });
    expect(result.config?.storage).toMatchObject({
      data_dir: '/flag',
      database_path: './data/nexus.db',
    });
  });

  it('keeps the file position of file values in later errors', () => {
    const path = join(dir, 'tls.yaml');
    writeFileSync(path, 'server:\n  tls_cert: /c.pem\n  tls_key: /k.pem\n');

    const result = loadEffectiveConfig({
      flags: { config: path },
      env: { NEKZUS_TLS_CERT: '', NEKZUS_TLS_KEY: '/env.pem' },
    });

    expect(result.errors).toEqual([]);
    expect(result.config?.server).toMatchObject({ tls_cert: '/c.pem', tls_key: '/env.pem' });
  });

  it('reports each cross-key warning once', () => {
    const path = join(dir, 'backup.yaml');
    writeFileSync(path, 'backup:\n  enabled: true\n');

    const result = loadEffectiveConfig({
      flags: { config: path, addr: ':1' },
      env: { NEKZUS_ADDR: ':2' },
    });

    expect(result.warnings.map(formatIssue)).toEqual([
      `${path}:2:12: backup.enabled: backups are enabled but backup.directory is not set, so no backup will be taken`,
    ]);
  });
});
