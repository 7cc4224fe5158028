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

  it('reports every bad value at once', () => {
    expect(() => loadSettings({ NEKZUS_ADDR: 'nope', NEKZUS_LOG_LEVEL: 'loud' })).toThrow(
      /NEKZUS_ADDR "nope"[\s\S]*NEKZUS_LOG_LEVEL "loud"/,
    );
  });
});
