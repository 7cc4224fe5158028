import { randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Substrings that mark a secret someone typed from an example (Nekzus's list). */
const WEAK = ['secret', 'password', 'change-me', 'changeme', 'example', 'dev', 'test'];

export class JwtSecretError extends Error {}

export interface JwtSecret {
  key: KeyObject;
  source: 'config' | 'generated' | 'data-dir';
}

/**
 * The HS256 signing key: the configured secret (at least 32 bytes; values copied from an
 * example are refused outside development), else one generated once into the data
 * directory with mode 0600. The generated one is never checked against the weak list, so
 * it cannot brick start-up the way Nekzus's can.
 */
export function loadJwtSecret(options: {
  configured: string | undefined;
  dataDir: string;
  devMode: boolean;
}): JwtSecret {
  const { configured, dataDir, devMode } = options;
  if (configured !== undefined && configured !== '') {
    if (Buffer.byteLength(configured) < 32)
      throw new JwtSecretError('auth.hs256_secret must be at least 32 bytes long');
    const lower = configured.toLowerCase();
    const weak = WEAK.find((w) => lower.includes(w));
    if (weak && !devMode)
      throw new JwtSecretError(
        `auth.hs256_secret contains "${weak}" and looks like an example value; set a random one (e.g. "openssl rand -base64 32"), or set ENVIRONMENT=development to allow it`,
      );
    return { key: createSecretKey(Buffer.from(configured, 'utf8')), source: 'config' };
  }
  const file = join(dataDir, 'jwt-secret');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { key: createSecretKey(Buffer.from(secret, 'utf8')), source: 'generated' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  const stored = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(stored) < 32)
    throw new JwtSecretError(`${file} holds fewer than 32 bytes; delete it to generate a new one`);
  return { key: createSecretKey(Buffer.from(stored, 'utf8')), source: 'data-dir' };
}
