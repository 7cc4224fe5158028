import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretBox } from '../application/ports';

const KEY_FILE = 'toolbox.key';
const VERSION = 'v1';

/**
 * AES-256-GCM with a key generated once in the data directory (mode 0600): secret
 * variables are in the event log only as ciphertext, bound to the deployment id so a sealed
 * value cannot be replayed into another deployment.
 */
export class FileSecretBox implements SecretBox {
  private readonly key: Buffer;

  constructor(
    dataDir: string,
    private readonly aad = 'nekzus-toolbox',
  ) {
    const path = join(dataDir, KEY_FILE);
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    this.key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (this.key.length !== 32) throw new Error(`${path} does not hold a 32-byte key`);
  }

  seal(values: Record<string, string>, context: string): string {
    return this.sealWith(values, context);
  }

  open(sealed: string, context: string): Record<string, string> {
    return this.openWith(sealed, context);
  }

  private sealWith(values: Record<string, string>, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${this.aad}:${context}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  private openWith(sealed: string, context: string): Record<string, string> {
    const [version, payload] = sealed.split('.');
    if (version !== VERSION || !payload) throw new Error('not a sealed toolbox value');
    const raw = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${this.aad}:${context}`));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as Record<string, string>;
  }
}
