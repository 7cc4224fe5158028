import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, parseAddr } from './settings';

describe('settings', () => {
  it('parses listen addresses the way Nekzus writes them', () => {
    expect(parseAddr(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseAddr('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseAddr('8080')).toBeUndefined();
    expect(parseAddr(':70000')).toBeUndefined();
  });

  it('defaults to :8080 and ./data, with flags over environment', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({ port: 8080, host: undefined, logLevel: 'info' });
    expect(s.dataDir).toMatch(/\/data$/);
    expect(loadSettings({ NEKZUS_ADDR: ':1' }, { addr: ':2' }).port).toBe(2);
  });

  it('reports every bad value at once, naming where each came from', () => {
    expect(() => loadSettings({ NEKZUS_ADDR: 'nope', NEKZUS_LOG_LEVEL: 'loud' })).toThrow(
      /^NEKZUS_ADDR: server\.addr: expected host:port .*found "nope"\nNEKZUS_LOG_LEVEL: expected one of .*found "loud"$/,
    );
  });

  it('reads the config file, with the environment over the file and flags over both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-settings-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(
      file,
      'server:\n  addr: ":9001"\nstorage:\n  data_dir: /srv/nekzus\n  datadir: typo\n',
    );
    expect(loadSettings({ NEKZUS_CONFIG: file })).toMatchObject({
      port: 9001,
      dataDir: '/srv/nekzus',
      configPath: file,
      warnings: [
        expect.stringMatching(
          /nekzus\.yaml:5:3: storage\.datadir: unknown key, ignored; did you mean "data_dir"\?/,
        ),
      ],
    });
    expect(loadSettings({ NEKZUS_CONFIG: file, NEKZUS_ADDR: ':9002' }).port).toBe(9002);
    expect(
      loadSettings({ NEKZUS_CONFIG: file, NEKZUS_ADDR: ':9002' }, { addr: ':9003' }).port,
    ).toBe(9003);
    writeFileSync(file, 'server:\n  addr: 8080\n');
    expect(() => loadSettings({ NEKZUS_CONFIG: file })).toThrow(/nekzus\.yaml:2:9: server\.addr: /);
    rmSync(dir, { recursive: true, force: true });
  });
});
