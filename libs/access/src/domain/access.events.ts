import type { DomainEvent } from '#libs/kernel';

export type AdminAccountCreated = DomainEvent<
  'AdminAccountCreated',
  { username: string; passwordHash: string }
>;
export type AdminSignedIn = DomainEvent<
  'AdminSignedIn',
  { username: string; sessionId: string; expiresAt: string; address: string }
>;
export type AdminSignInFailed = DomainEvent<
  'AdminSignInFailed',
  { username: string; reason: 'unknown-user' | 'wrong-password'; address: string }
>;
export type AdminSignedOut = DomainEvent<'AdminSignedOut', { username: string; sessionId: string }>;
export type AdminEvent = AdminAccountCreated | AdminSignedIn | AdminSignInFailed | AdminSignedOut;

export type ApiKeyCreated = DomainEvent<
  'ApiKeyCreated',
  {
    keyId: string;
    name: string;
    prefix: string;
    /** SHA-256 (hex) of the whole key; the key itself is shown once and never stored. */
    keyHash: string;
    scopes: string[];
    expiresAt: string | null;
  }
>;
export type ApiKeyRevoked = DomainEvent<'ApiKeyRevoked', { keyId: string }>;
/** `?permanent=true`: the key disappears from lists; the log still shows it existed. */
export type ApiKeyDeleted = DomainEvent<'ApiKeyDeleted', { keyId: string }>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked | ApiKeyDeleted;

export type AccessEvent = AdminEvent | ApiKeyEvent;

export const ADMIN_EVENT_TYPES = [
  'AdminAccountCreated',
  'AdminSignedIn',
  'AdminSignInFailed',
  'AdminSignedOut',
] as const;
export const API_KEY_EVENT_TYPES = ['ApiKeyCreated', 'ApiKeyRevoked', 'ApiKeyDeleted'] as const;
export const ACCESS_EVENT_TYPES = [...ADMIN_EVENT_TYPES, ...API_KEY_EVENT_TYPES] as const;

/** Accounts live in one stream so "only the first admin may be created by setup" is one append. */
export const ADMIN_ACCOUNTS_STREAM = 'admin-accounts';
/** Sign-ins, failures and sign-outs: no invariant spans them, appended with `any`. */
export const ADMIN_SESSIONS_STREAM = 'admin-sessions';
export const apiKeyStream = (keyId: string) => `apikey-${keyId}`;
