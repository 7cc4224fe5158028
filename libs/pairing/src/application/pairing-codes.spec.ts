import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#libs/event-store';
import { pairingCodeStream, type PairingCodeEvent, type PairingCodeIssued } from '../domain';
import { PairingCodes } from './pairing-codes';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const MINUTE = 60_000;

function log() {
  let position = 0n;
  const revisions = new Map<string, bigint>();
  return (event: PairingCodeEvent, at: number): RecordedEvent => {
    position += 1n;
    const stream = pairingCodeStream(event.data.codeId);
    const revision = (revisions.get(stream) ?? -1n) + 1n;
    revisions.set(stream, revision);
    return {
      id: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
      stream,
      revision,
      position,
      type: event.type,
      schemaVersion: 1,
      data: event.data,
      metadata: { correlationId: `c-${position}`, actor: { kind: 'admin', id: 'alice' } },
      recordedAt: new Date(at),
    };
  };
}

const code = (n: number, expiresAt = T0 + 5 * MINUTE): PairingCodeIssued['data'] => ({
  codeId: `code-${n}`,
  codeHash: `hash-${n}`,
  tokenDigest: `digest-${n}`,
  expiresAt: new Date(expiresAt).toISOString(),
  baseUrl: 'https://nekzus.local:8443',
  spkiPins: [],
});
const issued = (data: PairingCodeIssued['data']): PairingCodeEvent => ({
  type: 'PairingCodeIssued',
  data,
});

describe('pairing codes', () => {
  it('finds an issued code by its hash and by its bootstrap-token digest', () => {
    const record = log();
    const codes = new PairingCodes(() => T0);
    codes.apply(record(issued(code(1)), T0));
    codes.apply(record(issued(code(2)), T0));
    const byHash = codes.byCodeHash('hash-1');
    expect(byHash?.code).toEqual(code(1));
    expect(byHash?.status).toBe('issued');
    expect(byHash?.issuedAt).toEqual(new Date(T0));
    expect(byHash?.issuedBy).toBe('admin:alice');
    expect(codes.byTokenDigest('digest-1')).toBe(byHash);
    expect(codes.byCodeId('code-1')).toBe(byHash);
    expect(codes.byTokenDigest('digest-2')?.code.codeId).toBe('code-2');
    expect(codes.byCodeHash('digest-1')).toBeUndefined();
    expect(codes.byTokenDigest('hash-1')).toBeUndefined();
  });

  it('moves a code from issued to redeemed to used, with the device that used it', () => {
    const record = log();
    const codes = new PairingCodes(() => T0);
    codes.apply(record(issued(code(1)), T0));
    expect(codes.byCodeHash('hash-1')?.revision).toBe(0n);
    codes.apply(record({ type: 'PairingCodeRedeemed', data: { codeId: 'code-1' } }, T0 + 1));
    expect(codes.byCodeHash('hash-1')?.status).toBe('redeemed');
    expect(codes.byCodeHash('hash-1')?.revision).toBe(1n);
    codes.apply(
      record({ type: 'PairingCodeUsed', data: { codeId: 'code-1', deviceId: 'phone' } }, T0 + 2),
    );
    const used = codes.byTokenDigest('digest-1');
    expect(used?.status).toBe('used');
    expect(used?.deviceId).toBe('phone');
    expect(used?.revision).toBe(2n);
  });

  it('does not move a used code back to redeemed', () => {
    const record = log();
    const codes = new PairingCodes(() => T0);
    codes.apply(record(issued(code(1)), T0));
    codes.apply(
      record({ type: 'PairingCodeUsed', data: { codeId: 'code-1', deviceId: 'phone' } }, T0 + 1),
    );
    codes.apply(record({ type: 'PairingCodeRedeemed', data: { codeId: 'code-1' } }, T0 + 2));
    expect(codes.byCodeId('code-1')?.status).toBe('used');
  });

  it('ignores changes to codes it does not hold', () => {
    const record = log();
    const codes = new PairingCodes(() => T0);
    codes.apply(record({ type: 'PairingCodeRedeemed', data: { codeId: 'code-9' } }, T0));
    expect(codes.byCodeId('code-9')).toBeUndefined();
  });

  it('forgets codes an hour after they expire, keeping those still within the hour', () => {
    const record = log();
    let now = T0;
    const codes = new PairingCodes(() => now);
    codes.apply(record(issued(code(1, T0 + 5 * MINUTE)), T0));
    codes.apply(record(issued(code(2, T0 + 30 * MINUTE)), T0));
    now = T0 + 65 * MINUTE + 1;
    // Forgetting happens when the next code is issued.
    codes.apply(record(issued(code(3, now + 5 * MINUTE)), now));
    expect(codes.byCodeHash('hash-1')).toBeUndefined();
    expect(codes.byTokenDigest('digest-1')).toBeUndefined();
    expect(codes.byCodeId('code-1')).toBeUndefined();
    expect(codes.byCodeHash('hash-2')?.code.codeId).toBe('code-2');
    expect(codes.byCodeHash('hash-3')?.code.codeId).toBe('code-3');
  });

  it('skips codes from long ago when the log is replayed at start', () => {
    const record = log();
    const codes = new PairingCodes(() => T0 + 24 * 60 * MINUTE);
    codes.apply(record(issued(code(1)), T0));
    codes.apply(record({ type: 'PairingCodeRedeemed', data: { codeId: 'code-1' } }, T0 + 1));
    expect(codes.byCodeHash('hash-1')).toBeUndefined();
    expect(codes.byTokenDigest('digest-1')).toBeUndefined();
  });
});
