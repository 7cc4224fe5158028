const DAY_MS = 86_400_000;

/** Leaf lifetime: the most Apple accepts for a server certificate (398 days), less a day. */
export const LEAF_LIFETIME_DAYS = 397;
export const CA_LIFETIME_DAYS = 3650;
/** A leaf is re-issued this long before it expires, so a gateway restarted monthly never serves an expired one. */
export const RENEW_WITHIN_DAYS = 30;

/** What is known of the leaf certificate on disk. */
export interface LeafFacts {
  readonly notAfter: Date;
  readonly names: readonly string[];
  /** Signed by the current CA key. */
  readonly issuedByCa: boolean;
  /** Its public key is the one of the leaf key on disk. */
  readonly matchesKey: boolean;
}

export type LeafRenewalReason = 'missing' | 'other-ca' | 'other-key' | 'expiring' | 'names';

/** Why the leaf must be issued again, or `undefined` when it can be served as it is. */
export function leafRenewalReason(
  leaf: LeafFacts | undefined,
  wantedNames: readonly string[],
  now: Date,
): LeafRenewalReason | undefined {
  if (leaf === undefined) return 'missing';
  if (!leaf.issuedByCa) return 'other-ca';
  if (!leaf.matchesKey) return 'other-key';
  if (leaf.notAfter.getTime() - now.getTime() < RENEW_WITHIN_DAYS * DAY_MS) return 'expiring';
  const covered = new Set(leaf.names);
  if (!wantedNames.every((name) => covered.has(name))) return 'names';
  return undefined;
}

/**
 * The CA certificate is re-issued (with the same key, so its pin stays) while it still has a
 * whole leaf lifetime left: a leaf must never outlive its issuer.
 */
export function caCertificateNeedsRenewal(notAfter: Date, now: Date): boolean {
  return notAfter.getTime() - now.getTime() < (LEAF_LIFETIME_DAYS + RENEW_WITHIN_DAYS) * DAY_MS;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}
