import { DomainError, ValidationFailed, type Decider, type ErrorDetail } from '#libs/kernel';
import type { ApiKeyEvent } from './access.events';
import { isGrantableScope } from './scopes';

export interface ApiKeyData {
  keyId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: string | null;
}

export type ApiKeyState =
  | { status: 'missing' }
  | { status: 'active'; key: ApiKeyData }
  | { status: 'revoked'; key: ApiKeyData }
  | { status: 'deleted' };

export type ApiKeyCommand =
  | {
      kind: 'CreateApiKey';
      keyId: string;
      name: unknown;
      prefix: string;
      keyHash: string;
      scopes: unknown;
      expiresAt: unknown;
    }
  | { kind: 'RevokeApiKey'; keyId: string; permanent: boolean };

export class ApiKeyNotFound extends DomainError {
  constructor(keyId: string) {
    super('NOT_FOUND', 'not_found', `no API key with id "${keyId}"`);
  }
}

const MAX_SCOPES = 64;
/** Date, time and an explicit offset: a bare date or local time would depend on the server's zone. */
const RFC3339 =
  /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState, { now: Date }> = {
  initialState: () => ({ status: 'missing' }),
  evolve(state, event) {
    switch (event.type) {
      case 'ApiKeyCreated':
        return { status: 'active', key: event.data };
      case 'ApiKeyRevoked':
        return state.status === 'active' ? { status: 'revoked', key: state.key } : state;
      case 'ApiKeyDeleted':
        return { status: 'deleted' };
    }
  },
  decide(command, state, { now }) {
    switch (command.kind) {
      case 'CreateApiKey': {
        if (state.status !== 'missing')
          throw new DomainError('API_KEY_EXISTS', 'conflict', `API key ${command.keyId} exists`);
        const { name, scopes, expiresAt } = checkKey(command, now);
        return [
          {
            type: 'ApiKeyCreated',
            data: {
              keyId: command.keyId,
              name,
              prefix: command.prefix,
              keyHash: command.keyHash,
              scopes,
              expiresAt,
            },
          },
        ];
      }
      case 'RevokeApiKey': {
        if (state.status === 'missing' || state.status === 'deleted')
          throw new ApiKeyNotFound(command.keyId);
        if (command.permanent) return [{ type: 'ApiKeyDeleted', data: { keyId: command.keyId } }];
        if (state.status === 'revoked') return [];
        return [{ type: 'ApiKeyRevoked', data: { keyId: command.keyId } }];
      }
    }
  },
};

function checkKey(
  command: Extract<ApiKeyCommand, { kind: 'CreateApiKey' }>,
  now: Date,
): { name: string; scopes: string[]; expiresAt: string | null } {
  const problems: ErrorDetail[] = [];
  const name = typeof command.name === 'string' ? command.name.trim() : '';
  if (name.length === 0) problems.push({ field: 'name', message: 'is required' });
  else if (name.length > 255) problems.push({ field: 'name', message: 'at most 255 characters' });
  const scopes = Array.isArray(command.scopes) ? (command.scopes as unknown[]) : [];
  if (scopes.length === 0) problems.push({ field: 'scopes', message: 'at least one scope' });
  if (new Set(scopes).size > MAX_SCOPES)
    problems.push({ field: 'scopes', message: `at most ${MAX_SCOPES} scopes` });
  scopes.forEach((scope, i) => {
    if (typeof scope !== 'string' || !isGrantableScope(scope))
      problems.push({
        field: `scopes.${i}`,
        message: `"${String(scope)}" is not a scope a key can carry`,
      });
  });
  let expiresAt: string | null = null;
  if (command.expiresAt !== undefined && command.expiresAt !== null) {
    const when =
      typeof command.expiresAt === 'string' && RFC3339.test(command.expiresAt)
        ? new Date(command.expiresAt)
        : new Date(NaN);
    if (Number.isNaN(when.getTime()))
      problems.push({
        field: 'expiresAt',
        message: 'an RFC 3339 date-time with a time zone, such as 2027-01-31T18:00:00Z',
      });
    else if (when.getTime() <= now.getTime())
      problems.push({ field: 'expiresAt', message: 'must be in the future' });
    else expiresAt = when.toISOString();
  }
  if (problems.length > 0) throw new ValidationFailed(problems);
  return { name, scopes: [...new Set(scopes as string[])], expiresAt };
}
