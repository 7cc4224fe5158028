import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import type { Revocation, RevocationListener } from './device-registry.port';
import { ACCESS_EVENT_TYPES, type AccessEvent, type ApiKeyData } from '../domain';

export interface AdminAccount {
  id: number;
  username: string;
  passwordHash: string;
  createdAt: Date;
  lastLogin: Date | undefined;
}

export interface ApiKeyRecord extends ApiKeyData {
  createdAt: Date;
  revokedAt: Date | undefined;
  createdBy: string | undefined;
}

interface FailureRun {
  times: number[];
}

/** Consecutive failed sign-ins before an account or address has to wait. */
export const SIGN_IN_MAX_FAILURES = 5;
/** How long failures are remembered and how long the wait lasts after the last one. */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

const TYPES: ReadonlySet<string> = new Set(ACCESS_EVENT_TYPES);

/**
 * The in-memory side of access: admin accounts, API keys by hash, ended sessions and runs of
 * failed sign-ins. Rebuilt from the log at every start, so a sign-out, a revoked key or a
 * lock-out survives a restart; the guard reads only this, never a database.
 */
export class AccessDirectory {
  readonly name = 'access-directory';
  private readonly admins = new Map<string, AdminAccount>();
  private readonly keysById = new Map<string, ApiKeyRecord>();
  private readonly activeKeysByHash = new Map<string, ApiKeyRecord>();
  private readonly endedSessions = new Map<string, number>();
  private readonly failuresByUser = new Map<string, FailureRun>();
  private readonly failuresByAddress = new Map<string, FailureRun>();
  private readonly tracker = new PositionTracker();
  private readonly listeners = new Set<RevocationListener>();

  /** Called for every session that ends and key that is revoked, as the events are applied. */
  onRevocation(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private revoked(revocation: Revocation): void {
    for (const listener of this.listeners) listener(revocation);
  }

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type))
      this.on({ type: recorded.type, data: recorded.data } as AccessEvent, recorded);
    this.tracker.advance(recorded.position);
  }

  get position(): bigint {
    return this.tracker.position;
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  private on(event: AccessEvent, recorded: RecordedEvent): void {
    const at = recorded.recordedAt;
    switch (event.type) {
      case 'AdminAccountCreated':
        this.admins.set(event.data.username, {
          id: this.admins.size + 1,
          username: event.data.username,
          passwordHash: event.data.passwordHash,
          createdAt: at,
          lastLogin: undefined,
        });
        return;
      case 'AdminSignedIn': {
        const admin = this.admins.get(event.data.username);
        if (admin) admin.lastLogin = at;
        this.failuresByUser.delete(event.data.username);
        this.failuresByAddress.delete(event.data.address);
        return;
      }
      case 'AdminSignInFailed':
        // Per account only for accounts that exist: made-up names cannot crowd them out.
        if (this.admins.has(event.data.username))
          bump(this.failuresByUser, event.data.username, at.getTime());
        bump(this.failuresByAddress, event.data.address, at.getTime());
        if (this.failuresByAddress.size > MAX_TRACKED_ADDRESSES) {
          const oldest = this.failuresByAddress.keys().next().value;
          if (oldest !== undefined) this.failuresByAddress.delete(oldest);
        }
        return;
      case 'AdminSignedOut':
        this.endedSessions.set(event.data.sessionId, at.getTime());
        this.revoked({ kind: 'session', sessionId: event.data.sessionId });
        return;
      case 'ApiKeyCreated': {
        const record: ApiKeyRecord = {
          ...event.data,
          createdAt: at,
          revokedAt: undefined,
          createdBy: recorded.metadata.actor.id,
        };
        this.keysById.set(record.keyId, record);
        this.activeKeysByHash.set(record.keyHash, record);
        return;
      }
      case 'ApiKeyRevoked': {
        const record = this.keysById.get(event.data.keyId);
        if (!record) return;
        record.revokedAt = at;
        this.activeKeysByHash.delete(record.keyHash);
        this.revoked({ kind: 'apikey', keyId: record.keyId });
        return;
      }
      case 'ApiKeyDeleted': {
        const record = this.keysById.get(event.data.keyId);
        if (!record) return;
        this.keysById.delete(record.keyId);
        this.activeKeysByHash.delete(record.keyHash);
        this.revoked({ kind: 'apikey', keyId: record.keyId });
        return;
      }
    }
  }

  hasAdmins(): boolean {
    return this.admins.size > 0;
  }

  admin(username: string): AdminAccount | undefined {
    return this.admins.get(username);
  }

  isSessionEnded(sessionId: string): boolean {
    return this.endedSessions.has(sessionId);
  }

  /** Forgets ended sessions whose tokens have expired anyway (they cannot be presented). */
  sweepEndedSessions(before: number): void {
    for (const [id, endedAt] of this.endedSessions)
      if (endedAt < before) this.endedSessions.delete(id);
  }

  /** The active key with this hash; revoked and deleted keys are not found. */
  keyByHash(hash: string): ApiKeyRecord | undefined {
    return this.activeKeysByHash.get(hash);
  }

  /** A key that was revoked (still listed) or is active; deleted keys are gone. */
  key(keyId: string): ApiKeyRecord | undefined {
    return this.keysById.get(keyId);
  }

  /** Keys newest first. */
  keys(): ApiKeyRecord[] {
    return [...this.keysById.values()].reverse();
  }

  /** Milliseconds until another sign-in may be tried for this account or address, or 0. */
  signInWait(username: string, address: string, now: number): number {
    return Math.max(
      waitOf(this.failuresByUser.get(username), now),
      waitOf(this.failuresByAddress.get(address), now),
    );
  }
}

/** Keeps the times of the last few failures; older than the window they no longer count. */
function bump(runs: Map<string, FailureRun>, key: string, at: number): void {
  const run = runs.get(key);
  runs.delete(key);
  const times = [...(run?.times ?? []), at]
    .filter((t) => at - t <= SIGN_IN_WINDOW_MS)
    .slice(-SIGN_IN_MAX_FAILURES);
  runs.set(key, { times });
}

/** Locked while the last five failures fell within the window, until the window has passed since the last. */
function waitOf(run: FailureRun | undefined, now: number): number {
  if (!run || run.times.length < SIGN_IN_MAX_FAILURES) return 0;
  const first = run.times[0]!;
  const last = run.times[run.times.length - 1]!;
  if (last - first > SIGN_IN_WINDOW_MS) return 0;
  return Math.max(0, last + SIGN_IN_WINDOW_MS - now);
}
