import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { JwtTokens } from './jwt-tokens';

const key = createSecretKey(Buffer.from('k'.repeat(40)));
const tokens = new JwtTokens(key, 'nekzus', 'nekzus-mobile');

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('JwtTokens', () => {
  it('signs the contract claims plus jti and reads them back', async () => {
    const { token, claims } = tokens.sign('phone-1', ['read:catalog'], 'tok-1');
    expect(Object.keys(claims).sort()).toEqual([
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'scopes',
      'sub',
    ]);
    expect(claims.exp - claims.iat).toBe(43_200);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    await expect(tokens.verify(token)).resolves.toEqual(claims);
  });

  it('answers TOKEN_EXPIRED for an expired token, which refresh may still read', async () => {
    const past = new JwtTokens(key, 'nekzus', 'nekzus-mobile', () => Date.now() - 13 * 3600_000);
    const { token } = past.sign('phone-1', [], 'tok-2');
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(tokens.verifyIgnoringExpiry(token)).resolves.toMatchObject({ sub: 'phone-1' });
  });

  it.each([
    [
      'a tampered payload',
      (t: string) => {
        const [h, , s] = t.split('.');
        return `${h}.${b64({ sub: 'admin', scopes: ['access:*'], iat: 1, exp: 9e9, jti: 'x', iss: 'nekzus', aud: 'nekzus-mobile' })}.${s}`;
      },
    ],
    [
      'alg none',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', scopes: [], iat: 1, exp: 9e9, jti: 'x', iss: 'nekzus', aud: 'nekzus-mobile' })}.`,
    ],
    [
      'another issuer',
      () =>
        jwt.sign({ sub: 'x', scopes: [], jti: 'x' }, key, {
          issuer: 'other',
          audience: 'nekzus-mobile',
          expiresIn: 60,
        }),
    ],
    [
      'another audience',
      () =>
        jwt.sign({ sub: 'x', scopes: [], jti: 'x' }, key, {
          issuer: 'nekzus',
          audience: 'other',
          expiresIn: 60,
        }),
    ],
    [
      'another key',
      () =>
        jwt.sign({ sub: 'x', scopes: [], jti: 'x' }, 'z'.repeat(40), {
          issuer: 'nekzus',
          audience: 'nekzus-mobile',
          expiresIn: 60,
        }),
    ],
    [
      'HS384',
      () =>
        jwt.sign({ sub: 'x', scopes: [], jti: 'x' }, key, {
          algorithm: 'HS384',
          issuer: 'nekzus',
          audience: 'nekzus-mobile',
          expiresIn: 60,
        }),
    ],
    [
      'no jti',
      () =>
        jwt.sign({ sub: 'x', scopes: [] }, key, {
          issuer: 'nekzus',
          audience: 'nekzus-mobile',
          expiresIn: 60,
        }),
    ],
    ['garbage', () => 'not.a.token'],
  ])('refuses %s with TOKEN_INVALID', async (_name, make) => {
    const { token } = tokens.sign('phone-1', ['read:catalog'], 'tok-3');
    await expect(tokens.verify(make(token))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('binds CSRF tokens to the session', () => {
    expect(tokens.csrfTokenFor('s1')).toBe(tokens.csrfTokenFor('s1'));
    expect(tokens.csrfTokenFor('s1')).not.toBe(tokens.csrfTokenFor('s2'));
  });
});
