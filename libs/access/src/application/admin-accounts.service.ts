import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig, durationMs } from '#libs/config';
import { uuidv7 } from '#libs/event-store';
import { DomainError, RateLimited, ValidationFailed, type CommandContext } from '#libs/kernel';
import type { Principal } from '#libs/http';
import {
  ADMIN_ACCOUNTS_STREAM,
  ADMIN_SESSIONS_STREAM,
  adminAccountDecider,
  credentialProblems,
  scopesForPlatform,
  SetupAlreadyCompleted,
} from '../domain';
import { passwordHasher, DUMMY_PASSWORD_HASH } from '../infrastructure/password-hasher';
import type { JwtTokens } from '../infrastructure/jwt-tokens';
import type { AccessDirectory, AdminAccount } from './access-directory';
import { AccessWriter } from './access-writer';
import { ADMIN_SUBJECT_PREFIX } from './authenticator';
import { ACCESS_CLOCK, ACCESS_DIRECTORY, JWT_TOKENS } from './tokens';

export interface UserView {
  id: number;
  username: string;
  createdAt: string;
  lastLogin?: string;
  isActive: boolean;
}

export interface SignIn {
  token: string;
  expiresIn: number;
  expiresAt: string;
  csrfToken: string;
  user: UserView;
}

export class InvalidCredentials extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 'unauthorized', 'invalid username or password');
  }
}

/** Administrator accounts: first-run setup, sign-in with lock-out, sign-out that really ends the session. */
@Injectable()
export class AdminAccountsService {
  constructor(
    private readonly writer: AccessWriter,
    @Inject(ACCESS_DIRECTORY) private readonly directory: AccessDirectory,
    @Inject(JWT_TOKENS) private readonly tokens: JwtTokens,
    @Inject(ACCESS_CLOCK) private readonly now: () => number,
    private readonly config: LiveConfig,
  ) {}

  setupStatus(): { setupRequired: boolean; hasUsers: boolean } {
    const hasUsers = this.directory.hasAdmins();
    return { setupRequired: !hasUsers, hasUsers };
  }

  async setup(
    username: unknown,
    password: unknown,
    ctx: CommandContext,
  ): Promise<{ message: string; username: string }> {
    const problems = credentialProblems(username, password);
    if (problems.length > 0) throw new ValidationFailed(problems);
    if (this.directory.hasAdmins()) throw new SetupAlreadyCompleted();
    const passwordHash = await passwordHasher.hash(password as string);
    await this.writer.execute(
      ADMIN_ACCOUNTS_STREAM,
      adminAccountDecider,
      { kind: 'CreateFirstAdmin', username: username as string, passwordHash },
      undefined,
      { ...ctx, actor: { kind: 'admin', id: username as string } },
    );
    return {
      message: 'Setup completed successfully. Please log in.',
      username: username as string,
    };
  }

  async signIn(
    username: unknown,
    password: unknown,
    address: string,
    ctx: CommandContext,
  ): Promise<SignIn> {
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      username === '' ||
      password === ''
    )
      throw new ValidationFailed(
        [
          ...(typeof username !== 'string' || username === ''
            ? [{ field: 'username', message: 'is required' }]
            : []),
          ...(typeof password !== 'string' || password === ''
            ? [{ field: 'password', message: 'is required' }]
            : []),
        ],
        'MISSING_FIELDS',
      );
    const name = username.slice(0, 256);
    const wait = this.directory.signInWait(name, address, this.now());
    if (wait > 0)
      throw new RateLimited(
        `too many failed sign-ins for this account or address; try again in ${Math.ceil(wait / 1000)} seconds`,
        wait / 1000,
      );
    const account = this.directory.admin(name);
    const ok = await passwordHasher.verify(password, account?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!account || !ok) {
      await this.writer.append(
        ADMIN_SESSIONS_STREAM,
        [
          {
            type: 'AdminSignInFailed',
            data: { username: name, reason: account ? 'wrong-password' : 'unknown-user', address },
          },
        ],
        { ...ctx, actor: { kind: 'anonymous', id: 'anonymous' } },
      );
      throw new InvalidCredentials();
    }
    const previousLogin = account.lastLogin;
    const sessionId = uuidv7();
    const lifetime = Math.floor(durationMs(this.config.current.auth.session_ttl) / 1000);
    const { token, claims } = this.tokens.sign(
      `${ADMIN_SUBJECT_PREFIX}${name}`,
      scopesForPlatform('web'),
      sessionId,
      lifetime,
    );
    const expiresAt = new Date(claims.exp * 1000).toISOString();
    await this.writer.append(
      ADMIN_SESSIONS_STREAM,
      [{ type: 'AdminSignedIn', data: { username: name, sessionId, expiresAt, address } }],
      { ...ctx, actor: { kind: 'admin', id: name } },
    );
    return {
      token,
      expiresIn: lifetime,
      expiresAt,
      csrfToken: this.tokens.csrfTokenFor(sessionId),
      user: userView({ ...account, lastLogin: previousLogin }),
    };
  }

  async signOut(principal: Principal, ctx: CommandContext): Promise<void> {
    if (principal.kind !== 'admin') return;
    await this.writer.append(
      ADMIN_SESSIONS_STREAM,
      [
        {
          type: 'AdminSignedOut',
          data: { username: principal.username, sessionId: principal.sessionId },
        },
      ],
      ctx,
    );
  }

  user(username: string): UserView | undefined {
    const account = this.directory.admin(username);
    return account ? userView(account) : undefined;
  }
}

function userView(account: AdminAccount): UserView {
  return {
    id: account.id,
    username: account.username,
    createdAt: account.createdAt.toISOString(),
    ...(account.lastLogin ? { lastLogin: account.lastLogin.toISOString() } : {}),
    isActive: true,
  };
}
