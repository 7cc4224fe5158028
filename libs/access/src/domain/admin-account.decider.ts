import { DomainError, ValidationFailed, type Decider, type ErrorDetail } from '#libs/kernel';
import type { AdminAccountCreated } from './access.events';

export interface AdminAccountsState {
  usernames: string[];
}

export type AdminAccountCommand = {
  kind: 'CreateFirstAdmin';
  username: string;
  /** Hashed by the caller (scrypt is I/O-bound work); the decider checks only the rules. */
  passwordHash: string;
};

export const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

/** The rules a new username and password must meet, as field details (empty when fine). */
export function credentialProblems(username: unknown, password: unknown): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof username !== 'string' || !USERNAME.test(username))
    problems.push({
      field: 'username',
      message: '1 to 64 characters: letters, digits, "_", "." and "-"',
    });
  if (typeof password !== 'string' || password.length < PASSWORD_MIN)
    problems.push({ field: 'password', message: `at least ${PASSWORD_MIN} characters` });
  else if (password.length > PASSWORD_MAX)
    problems.push({ field: 'password', message: `at most ${PASSWORD_MAX} characters` });
  return problems;
}

export class SetupAlreadyCompleted extends DomainError {
  constructor() {
    super(
      'SETUP_ALREADY_COMPLETED',
      'conflict',
      'setup has already been completed; sign in with the existing administrator account',
    );
  }
}

export const adminAccountDecider: Decider<
  AdminAccountCommand,
  AdminAccountCreated,
  AdminAccountsState,
  void
> = {
  initialState: () => ({ usernames: [] }),
  evolve: (state, event) => ({ usernames: [...state.usernames, event.data.username] }),
  decide(command, state) {
    if (state.usernames.length > 0) throw new SetupAlreadyCompleted();
    const problems = credentialProblems(command.username, 'x'.repeat(PASSWORD_MIN));
    if (problems.length > 0) throw new ValidationFailed(problems);
    return [
      {
        type: 'AdminAccountCreated',
        data: { username: command.username, passwordHash: command.passwordHash },
      },
    ];
  },
};
