import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const COST_LOG2 = 15;
const BLOCK = 8;
const PARALLEL = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const optionsOf = (costLog2: number, block: number, parallel: number): ScryptOptions => ({
  N: 2 ** costLog2,
  r: block,
  p: parallel,
  maxmem: 256 * 2 ** costLog2 * block,
});

/**
 * scrypt with a per-password salt, N=2^15, r=8, p=1 (32 MiB, OWASP's minimum for scrypt).
 * Stored as `scrypt$15$8$1$<salt>$<hash>` so the cost can be raised later without
 * breaking existing accounts.
 */
export const passwordHasher = {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, optionsOf(COST_LOG2, BLOCK, PARALLEL));
    return [
      'scrypt',
      COST_LOG2,
      BLOCK,
      PARALLEL,
      salt.toString('base64'),
      key.toString('base64'),
    ].join('$');
  },

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const key = await derive(
      password,
      Buffer.from(salt, 'base64'),
      optionsOf(Number(n), Number(r), Number(p)),
    );
    return key.length === expected.length && timingSafeEqual(key, expected);
  },
};

/** Verified against when the account does not exist, so both answers take as long. */
export const DUMMY_PASSWORD_HASH =
  'scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
