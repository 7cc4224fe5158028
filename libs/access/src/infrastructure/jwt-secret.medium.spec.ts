import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadJwtSecret } from './jwt-secret';

describe('the JWT secret', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'nekzus-secret-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is generated once into the data directory with mode 0600, then read back', () => {
    const dataDir = dir();
    const first = loadJwtSecret({ configured: undefined, dataDir, devMode: false });
    expect(first.source).toBe('generated');
    const file = join(dataDir, 'jwt-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = loadJwtSecret({ configured: undefined, dataDir, devMode: false });
    expect(second.source).toBe('data-dir');
    expect(second.key.export().equals(first.key.export())).toBe(true);
  });

  it('takes a configured secret and refuses example-looking ones outside development', () => {
    const dataDir = dir();
    const strong = 'q8Zr1vX0kLw3nB7mT2yH6pS9dF4gJ5cA';
    expect(loadJwtSecret({ configured: strong, dataDir, devMode: false }).source).toBe('config');
    const weak = 'my-super-secret-key-for-the-gateway!';
    expect(() => loadJwtSecret({ configured: weak, dataDir, devMode: false })).toThrow(
      /contains "secret" and looks like an example value/,
    );
    expect(loadJwtSecret({ configured: weak, dataDir, devMode: true }).source).toBe('config');
    expect(() => loadJwtSecret({ configured: 'short', dataDir, devMode: true })).toThrow(
      /at least 32 bytes/,
    );
  });

  it('refuses a truncated secret file rather than signing with it', () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, 'jwt-secret'), 'abc\n', { mode: 0o600 });
    expect(() => loadJwtSecret({ configured: undefined, dataDir, devMode: false })).toThrow(
      /fewer than 32 bytes/,
    );
  });
});
