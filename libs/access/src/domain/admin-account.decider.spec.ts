import { describe, expect, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import type { AdminAccountCreated } from './access.events';
import {
  adminAccountDecider,
  credentialProblems,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from './admin-account.decider';

const passwordHash = 'scrypt$16384$8$1$c2FsdA$aGFzaA';
const created = (username: string): AdminAccountCreated => ({
  type: 'AdminAccountCreated',
  data: { username, passwordHash },
});

describe('admin account decider', () => {
  const spec = deciderSpecification(adminAccountDecider, undefined);

  it('creates the first administrator with the hash it was given', () => {
    spec
      .given([])
      .when({ kind: 'CreateFirstAdmin', username: 'alice', passwordHash })
      .then([created('alice')]);
  });

  it('allows setup only once, whatever the second username is', () => {
    spec
      .given([created('alice')])
      .when({ kind: 'CreateFirstAdmin', username: 'bob', passwordHash })
      .thenThrows('SETUP_ALREADY_COMPLETED');
    spec
      .given([created('alice')])
      .when({ kind: 'CreateFirstAdmin', username: 'alice', passwordHash })
      .thenThrows('SETUP_ALREADY_COMPLETED');
  });

  it('says setup is done before it looks at the username', () => {
    spec
      .given([created('alice')])
      .when({ kind: 'CreateFirstAdmin', username: 'not valid!', passwordHash })
      .thenThrows('SETUP_ALREADY_COMPLETED');
  });

  it.each(['', 'has space', 'ümlaut', 'semi;colon', 'a'.repeat(65)])(
    'refuses the username %j',
    (username) => {
      spec
        .given([])
        .when({ kind: 'CreateFirstAdmin', username, passwordHash })
        .thenThrows('VALIDATION_FAILED', /^username: /);
    },
  );

  it.each(['a', 'Admin_01', 'first.last', 'x-y', 'a'.repeat(64)])(
    'accepts the username %j',
    (username) => {
      spec
        .given([])
        .when({ kind: 'CreateFirstAdmin', username, passwordHash })
        .then([created(username)]);
    },
  );
});

describe('credential problems', () => {
  const good = 'correct horse';

  it('finds nothing wrong with a good username and password', () => {
    expect(credentialProblems('alice', good)).toEqual([]);
  });

  it('bounds the password length at both ends', () => {
    expect(credentialProblems('alice', 'x'.repeat(PASSWORD_MIN))).toEqual([]);
    expect(credentialProblems('alice', 'x'.repeat(PASSWORD_MAX))).toEqual([]);
    expect(credentialProblems('alice', 'x'.repeat(PASSWORD_MIN - 1))).toEqual([
      { field: 'password', message: 'at least 10 characters' },
    ]);
    expect(credentialProblems('alice', 'x'.repeat(PASSWORD_MAX + 1))).toEqual([
      { field: 'password', message: 'at most 1024 characters' },
    ]);
  });

  it('treats a missing or non-string password as too short', () => {
    expect(credentialProblems('alice', undefined)).toEqual([
      { field: 'password', message: 'at least 10 characters' },
    ]);
    expect(credentialProblems('alice', 12345678901)).toEqual([
      { field: 'password', message: 'at least 10 characters' },
    ]);
  });

  it('allows only letters, digits, "_", "." and "-" in usernames, up to 64', () => {
    for (const username of ['al ice', 'al/ice', 'alice@home', 'Ålice', '', 'a'.repeat(65), 42])
      expect(credentialProblems(username, good).map((p) => p.field)).toEqual(['username']);
    expect(credentialProblems('A.b_c-9', good)).toEqual([]);
  });

  it('reports both fields when both are wrong', () => {
    expect(credentialProblems('bad name', 'short').map((p) => p.field)).toEqual([
      'username',
      'password',
    ]);
  });
});
