import { DomainError, type Decider } from '#libs/kernel';
import type { PairingCodeEvent, PairingCodeIssued } from './pairing.events';

export type PairingCodeState =
  | { status: 'missing' }
  | { status: 'issued' | 'redeemed' | 'used'; code: PairingCodeIssued['data'] };

export type PairingCodeCommand =
  | { kind: 'IssueCode'; code: PairingCodeIssued['data'] }
  | { kind: 'RedeemCode'; codeId: string }
  | { kind: 'UseCode'; codeId: string; deviceId: string };

export class InvalidPairingCode extends DomainError {
  constructor() {
    super('INVALID_CODE', 'not_found', 'invalid or expired pairing code');
  }
}

export class InvalidBootstrapToken extends DomainError {
  constructor(message = 'invalid or expired bootstrap token') {
    super('INVALID_BOOTSTRAP', 'unauthorized', message);
  }
}

/** Alphabet of pairing codes (Nekzus's: no 0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;
export const CODE_TTL_MS = 5 * 60_000;

export const pairingCodeDecider: Decider<
  PairingCodeCommand,
  PairingCodeEvent,
  PairingCodeState,
  { now: Date }
> = {
  initialState: () => ({ status: 'missing' }),
  evolve(state, event) {
    switch (event.type) {
      case 'PairingCodeIssued':
        return { status: 'issued', code: event.data };
      case 'PairingCodeRedeemed':
        return state.status === 'issued' ? { ...state, status: 'redeemed' } : state;
      case 'PairingCodeUsed':
        return state.status === 'missing' ? state : { ...state, status: 'used' };
    }
  },
  decide(command, state, { now }) {
    switch (command.kind) {
      case 'IssueCode':
        if (state.status !== 'missing')
          throw new DomainError('CODE_EXISTS', 'conflict', 'this pairing code id exists');
        return [{ type: 'PairingCodeIssued', data: command.code }];
      case 'RedeemCode':
        if (state.status === 'missing' || state.status === 'used' || expired(state.code, now))
          throw new InvalidPairingCode();
        if (state.status === 'redeemed') return [];
        return [{ type: 'PairingCodeRedeemed', data: { codeId: command.codeId } }];
      case 'UseCode':
        if (state.status === 'missing' || state.status === 'used' || expired(state.code, now))
          throw new InvalidBootstrapToken();
        return [
          { type: 'PairingCodeUsed', data: { codeId: command.codeId, deviceId: command.deviceId } },
        ];
    }
  },
};

export function expired(code: { expiresAt: string }, now: Date): boolean {
  return Date.parse(code.expiresAt) <= now.getTime();
}

/** Uniform over the alphabet: bytes ≥ 248 (= 8 × 31) are skipped, so no letter is likelier. */
export function codeFromRandom(random: (n: number) => Uint8Array): string {
  const limit = 256 - (256 % CODE_ALPHABET.length);
  let code = '';
  while (code.length < CODE_LENGTH)
    for (const byte of random(CODE_LENGTH * 2)) {
      if (byte >= limit) continue;
      code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (code.length === CODE_LENGTH) break;
    }
  return code;
}

/** Codes are typed by people: case and surrounding spaces do not matter. */
export function normalizeCode(input: string): string {
  return input.trim().toUpperCase();
}
