import { createSecretKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import jwt from 'jsonwebtoken';
import {
  AccessDirectory,
  Authenticator,
  JwtTokens,
  NetworkPolicy,
  passwordHasher,
  sha256Hex,
  type DeviceRegistry,
} from '#libs/access';
import { loadEffectiveConfig } from '#libs/config';
import { RateLimiter } from '#libs/http';
import type { BenchOptions } from './support/cli';
import { progress } from './support/cli';
import { ratio, type BenchReport, type Figure } from './support/report';

/**
 * What checking credentials costs per request on the control plane (and today's proxy):
 * the passport-jwt path against jsonwebtoken called directly with the same KeyObject
 * (the floor), the whole Authenticator for a device token and for an API key, one rate
 * limiter take, and one scrypt password hash.
 */
async function perOp(n: number, op: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n / 10, 2000); i++) await op();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op();
  return Number(process.hrtime.bigint() - started) / 1000 / n;
}

function request(headers: Record<string, string>): IncomingMessage {
  return {
    headers,
    method: 'GET',
    socket: { remoteAddress: '203.0.113.7' },
  } as unknown as IncomingMessage;
}

export async function runAccessBench(options: BenchOptions): Promise<BenchReport> {
  const n = options.quick ? 5_000 : 50_000;
  const key = createSecretKey(Buffer.from('b'.repeat(43)));
  const tokens = new JwtTokens(key, 'nekzus', 'nekzus-mobile');
  const { token } = tokens.sign(
    'phone-1',
    ['read:catalog', 'access:*'],
    '0190a0b0-0000-7000-8000-000000000001',
  );
  const config = loadEffectiveConfig({
    env: { NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
    flags: {},
  }).config!;
  const directory = new AccessDirectory();
  const apiKey = `nkz_${'c'.repeat(64)}`;
  directory.apply({
    id: 'e1',
    stream: 'apikey-x',
    revision: 0n,
    position: 1n,
    type: 'ApiKeyCreated',
    schemaVersion: 1,
    data: {
      keyId: `key_${'a'.repeat(32)}`,
      name: 'bench',
      prefix: apiKey.slice(0, 12),
      keyHash: sha256Hex(apiKey),
      scopes: ['read:catalog'],
      expiresAt: null,
    },
    metadata: { correlationId: 'c', actor: { kind: 'admin', id: 'bench' } },
    recordedAt: new Date(),
  });
  const devices: DeviceRegistry = {
    statusOf: () => ({ active: true, validFromTokenId: '' }),
    seen: () => undefined,
  };
  const authenticator = new Authenticator(tokens, directory, devices, new NetworkPolicy(config));
  const limiter = new RateLimiter({ api: { perMinute: 1e9, burst: 1e9 } });

  progress('access: token checks');
  const direct = await perOp(n, () =>
    jwt.verify(token, key, { algorithms: ['HS256'], issuer: 'nekzus', audience: 'nekzus-mobile' }),
  );
  const passport = await perOp(n, () => tokens.verify(token));
  const whole = await perOp(n, () =>
    authenticator.authenticate(request({ authorization: `Bearer ${token}` })),
  );
  const fresh = Array.from(
    { length: n + Math.min(n / 10, 2000) },
    (_, i) =>
      tokens.sign(
        `phone-${i}`,
        ['read:catalog'],
        `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`,
      ).token,
  );
  let f = 0;
  const firstSight = await perOp(n, () =>
    authenticator.authenticate(request({ authorization: `Bearer ${fresh[f++]!}` })),
  );
  // The cache is full now (10,000 tokens): the hit path again.
  const wholeFull = await perOp(n, () =>
    authenticator.authenticate(request({ authorization: `Bearer ${token}` })),
  );
  const keyed = await perOp(n, () => authenticator.authenticate(request({ 'x-api-key': apiKey })));
  let k = 0;
  const take = await perOp(n, () =>
    limiter.take('api', `addr:10.0.${(k >> 8) & 255}.${k++ & 255}`),
  );
  progress('access: scrypt');
  const hashes = options.quick ? 3 : 10;
  const scrypt = (await perOp(hashes, () => passwordHasher.hash('correct horse battery'))) / 1000;

  const figures: Figure[] = [
    {
      key: 'jwtDirectUs',
      label: 'jsonwebtoken.verify, KeyObject (baseline)',
      value: direct,
      unit: 'µs/op',
      decimals: 1,
    },
    {
      key: 'jwtPassportUs',
      label: 'passport-jwt strategy (JwtTokens.verify)',
      value: passport,
      unit: 'µs/op',
      decimals: 1,
      ratio: { value: ratio(passport, direct), to: 'baseline' },
    },
    {
      key: 'authenticateFirstUs',
      label: 'Authenticator, device token seen first',
      value: firstSight,
      unit: 'µs/op',
      decimals: 1,
      ratio: { value: ratio(firstSight, direct), to: 'baseline' },
    },
    {
      key: 'authenticateDeviceUs',
      label: 'Authenticator, device token seen before',
      value: whole,
      unit: 'µs/op',
      decimals: 1,
      ratio: { value: ratio(whole, direct), to: 'baseline' },
    },
    {
      key: 'authenticateDeviceFullCacheUs',
      label: 'Authenticator, device token seen before, 10,000 cached',
      value: wholeFull,
      unit: 'µs/op',
      decimals: 1,
      ratio: { value: ratio(wholeFull, direct), to: 'baseline' },
    },
    {
      key: 'authenticateApiKeyUs',
      label: 'Authenticator, API key (SHA-256 lookup)',
      value: keyed,
      unit: 'µs/op',
      decimals: 1,
      ratio: { value: ratio(keyed, direct), to: 'baseline' },
    },
    {
      key: 'rateLimitTakeUs',
      label: 'rate limiter take, fresh keys',
      value: take,
      unit: 'µs/op',
      decimals: 2,
    },
    {
      key: 'scryptHashMs',
      label: 'scrypt hash, N=2^15 r=8 p=1',
      value: scrypt,
      unit: 'ms/op',
      decimals: 0,
    },
  ];
  return {
    name: 'access',
    title: 'Access: what checking credentials costs',
    quick: options.quick,
    method: [
      `${n.toLocaleString('en-US')} sequential operations each after a warm-up, in this process; µs per operation`,
      'tokens are HS256 with a 43-byte secret held as a KeyObject (a string secret costs far more)',
      'requests come from a non-trusted address, so every credential is checked',
    ],
    sections: [{ title: 'Per operation', figures }],
    findings: [
      `the passport-jwt strategy costs ${ratio(passport, direct).toFixed(2)}x a direct jsonwebtoken call (differences under ~15 % are noise on this machine)`,
      `a token's first check costs ${firstSight.toFixed(1)} µs; later ones ${whole.toFixed(1)} µs (${wholeFull.toFixed(1)} µs with 10,000 tokens cached), from a cache keyed by the whole token string (expiry, revocation and sign-out are still checked on every request)`,
    ],
  };
}
