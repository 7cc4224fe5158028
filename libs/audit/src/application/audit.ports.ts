import type { HistorySource } from './history';

export interface ChainStatus {
  /**
   * Which check ran: `global`, the one chain through the SQLite log; `per-stream`, each stream's
   * own chain (KurrentDB), where `headHash` is the digest of every stream's head.
   */
  chain?: 'global' | 'per-stream';
  intact: boolean;
  /** Events that verified. */
  events: number;
  /** Position and hash of the last event that verified (0 and the genesis hash for an empty log). */
  headPosition: number;
  headHash: string;
  /** When broken: the first position that does not verify, and why. */
  firstBadPosition?: number;
  reason?: string;
  /** What failed: a link of the chain, or the comparison with the expected head. */
  failure?: 'chain' | 'expected-head';
  /** With an expected head: where that hash sits in the log (no position when it is nowhere). */
  expectedHead?: { hash: string; position?: number; newerEvents?: number };
  /** Per-stream chains: streams walked, the ones that broke, and what such a check cannot see. */
  streams?: number;
  broken?: { stream: string; revision: string; reason: string }[];
  limits?: string;
}

/** Walks the hash chain of the log. */
export interface ChainVerifier {
  verify(expectHead?: string): Promise<ChainStatus>;
}

export const CHAIN_VERIFIER = Symbol('CHAIN_VERIFIER');
export const HISTORY_SOURCE = Symbol('HISTORY_SOURCE');
export type { HistorySource };
