import { describe, expect, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  codeFromRandom,
  normalizeCode,
  pairingCodeDecider,
} from './pairing-code.decider';
import type { PairingCodeEvent, PairingCodeIssued } from './pairing.events';

const codeId = 'code-1';
const code: PairingCodeIssued['data'] = {
  codeId,
  codeHash: 'h'.repeat(64),
  tokenDigest: 'd'.repeat(64),
  expiresAt: '2030-01-01T00:05:00.000Z',
  baseUrl: 'https://nekzus.local:8443',
  spkiPins: ['sha256/AAAA'],
};
const issued: PairingCodeEvent = { type: 'PairingCodeIssued', data: code };
const redeemed: PairingCodeEvent = { type: 'PairingCodeRedeemed', data: { codeId } };
const used: PairingCodeEvent = { type: 'PairingCodeUsed', data: { codeId, deviceId: 'phone' } };

const beforeExpiry = new Date('2030-01-01T00:04:59.999Z');
const atExpiry = new Date('2030-01-01T00:05:00.000Z');

describe('pairing code decider', () => {
  const spec = deciderSpecification(pairingCodeDecider, { now: beforeExpiry });
  const expiredSpec = deciderSpecification(pairingCodeDecider, { now: atExpiry });

  it('issues a code once per id', () => {
    spec.given([]).when({ kind: 'IssueCode', code }).then([issued]);
    spec.given([issued]).when({ kind: 'IssueCode', code }).thenThrows('CODE_EXISTS');
  });

  it('redeems an issued code once; redeeming again changes nothing', () => {
    spec.given([issued]).when({ kind: 'RedeemCode', codeId }).then([redeemed]);
    spec.given([issued, redeemed]).when({ kind: 'RedeemCode', codeId }).then([]);
  });

  it('refuses to redeem a code that is unknown, expired or already used', () => {
    spec.given([]).when({ kind: 'RedeemCode', codeId }).thenThrows('INVALID_CODE');
    expiredSpec.given([issued]).when({ kind: 'RedeemCode', codeId }).thenThrows('INVALID_CODE');
    expiredSpec
      .given([issued, redeemed])
      .when({ kind: 'RedeemCode', codeId })
      .thenThrows('INVALID_CODE');
    spec
      .given([issued, redeemed, used])
      .when({ kind: 'RedeemCode', codeId })
      .thenThrows('INVALID_CODE');
    spec.given([issued, used]).when({ kind: 'RedeemCode', codeId }).thenThrows('INVALID_CODE');
  });

  it('lets the bootstrap token pair one device, whether or not the code was redeemed', () => {
    spec
      .given([issued, redeemed])
      .when({ kind: 'UseCode', codeId, deviceId: 'phone' })
      .then([used]);
    spec.given([issued]).when({ kind: 'UseCode', codeId, deviceId: 'phone' }).then([used]);
  });

  it('refuses the bootstrap token a second time, even for another device', () => {
    spec
      .given([issued, redeemed, used])
      .when({ kind: 'UseCode', codeId, deviceId: 'phone' })
      .thenThrows('INVALID_BOOTSTRAP');
    spec
      .given([issued, redeemed, used])
      .when({ kind: 'UseCode', codeId, deviceId: 'tablet' })
      .thenThrows('INVALID_BOOTSTRAP');
  });

  it('refuses the bootstrap token of an unknown or expired code', () => {
    spec
      .given([])
      .when({ kind: 'UseCode', codeId, deviceId: 'phone' })
      .thenThrows('INVALID_BOOTSTRAP');
    expiredSpec
      .given([issued, redeemed])
      .when({ kind: 'UseCode', codeId, deviceId: 'phone' })
      .thenThrows('INVALID_BOOTSTRAP');
  });
});

/** A random source that hands out the given bytes, in order, in blocks of the size asked for. */
function bytes(...values: number[]): { random: (n: number) => Uint8Array; asked: number[] } {
  const asked: number[] = [];
  let next = 0;
  return {
    asked,
    random(n: number) {
      asked.push(n);
      const block = new Uint8Array(n);
      for (let i = 0; i < n; i++) block[i] = values[next++] ?? 0;
      return block;
    },
  };
}

describe('codeFromRandom', () => {
  it('maps each byte to a letter of the alphabet', () => {
    const source = bytes(0, 1, 2, 30, 31, 62, 100, 247);
    expect(codeFromRandom(source.random)).toBe('ABC9AAH9');
  });

  it('skips bytes of 248 and above, asking for more when a block runs out', () => {
    const source = bytes(...Array<number>(16).fill(255), 248, 249, 3, 4, 5, 6, 7, 8, 9, 10);
    const code = codeFromRandom(source.random);
    expect(code).toBe('DEFGHJKM');
    expect(source.asked.length).toBe(2);
  });

  it('produces codes of 8 characters from the alphabet only', () => {
    let seed = 1;
    const lcg = (n: number) => {
      const block = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        block[i] = seed >>> 23;
      }
      return block;
    };
    for (let i = 0; i < 200; i++) {
      const code = codeFromRandom(lcg);
      expect(code).toHaveLength(CODE_LENGTH);
      expect([...code].every((c) => CODE_ALPHABET.includes(c))).toBe(true);
    }
  });

  it('uses an alphabet without look-alikes', () => {
    for (const c of '01OIL') expect(CODE_ALPHABET).not.toContain(c);
  });
});

describe('normalizeCode', () => {
  it('ignores case and surrounding spaces', () => {
    expect(normalizeCode('  abcd2345\n')).toBe('ABCD2345');
    expect(normalizeCode('AbCd2345')).toBe('ABCD2345');
  });
});
