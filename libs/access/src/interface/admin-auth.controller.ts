import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { LiveConfig } from '#libs/config';
import {
  callerAddressOf,
  Ctx,
  JsonBodyPipe,
  principalOf,
  Public,
  RateLimit,
  RequireScope,
} from '#libs/http';
import { DomainError, type CommandContext } from '#libs/kernel';
import {
  AdminAccountsService,
  type SignIn,
  type UserView,
} from '../application/admin-accounts.service';
import { Authenticator } from '../application/authenticator';
import {
  ME_SCHEMA,
  MESSAGE_SCHEMA,
  requestSchema,
  SETUP_DONE_SCHEMA,
  SETUP_STATUS_SCHEMA,
  SIGN_IN_SCHEMA,
} from './access.openapi';
import { clearSessionCookies, setSessionCookies } from './session-cookies';

const CREDENTIALS_SCHEMA = {
  type: 'object',
  properties: {
    username: { type: 'string', maxLength: 256 },
    password: { type: 'string', maxLength: 4096 },
  },
  additionalProperties: false,
} as const;

type Credentials = { username?: string; password?: string };

/** Administrator accounts: first-run setup, sign-in (cookie for the portal, bearer for scripts), sign-out. */
@ApiTags('access')
@Controller('api/v1/auth')
@RateLimit('auth')
export class AdminAuthController {
  constructor(
    private readonly accounts: AdminAccountsService,
    private readonly authenticator: Authenticator,
    private readonly config: LiveConfig,
  ) {}

  @Get('setup-status')
  @Public()
  @ApiOperation({ summary: 'Whether the first administrator must be created' })
  @ApiOkResponse({ description: 'The setup status.', schema: SETUP_STATUS_SCHEMA })
  setupStatus(): { setupRequired: boolean; hasUsers: boolean } {
    return this.accounts.setupStatus();
  }

  /** Creates the first administrator; once one exists this answers 409. */
  @Post('setup')
  @Public()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create the first administrator',
    description: 'Only while no administrator exists; afterwards 409.',
  })
  @ApiBody({ schema: requestSchema('Credentials', CREDENTIALS_SCHEMA) })
  @ApiCreatedResponse({ description: 'The administrator exists.', schema: SETUP_DONE_SCHEMA })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED: a username or password that breaks the rules (in `details`).',
  })
  @ApiConflictResponse({ description: 'SETUP_ALREADY_COMPLETED: an administrator exists.' })
  setup(
    @Body(new JsonBodyPipe(CREDENTIALS_SCHEMA)) body: Credentials,
    @Ctx() ctx: CommandContext,
  ): Promise<{ message: string; username: string }> {
    return this.accounts.setup(body.username, body.password, ctx);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in',
    description:
      'Sets the `nekzus_session` (httpOnly) and `nekzus_csrf` cookies for the portal and returns the token for scripts.',
  })
  @ApiBody({ schema: requestSchema('Credentials', CREDENTIALS_SCHEMA) })
  @ApiOkResponse({ description: 'Signed in.', schema: SIGN_IN_SCHEMA })
  @ApiBadRequestResponse({ description: 'MISSING_FIELDS: no username or password.' })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS: wrong username or password.' })
  @ApiTooManyRequestsResponse({
    description: 'Also after too many failed sign-ins for this account or address.',
  })
  async login(
    @Body(new JsonBodyPipe(CREDENTIALS_SCHEMA)) body: Credentials,
    @Ctx() ctx: CommandContext,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<SignIn> {
    const signIn = await this.accounts.signIn(
      body.username,
      body.password,
      callerAddressOf(req) ?? '',
      ctx,
    );
    const domain = this.config.current.server.base_domain;
    setSessionCookies(req, res, signIn.token, signIn.csrfToken, signIn.expiresIn, domain);
    return signIn;
  }

  /** Ends the session: its cookie and bearer token are refused from now on (TOKEN_REVOKED). */
  @Post('logout')
  @RequireScope('read:catalog')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign out',
    description:
      'Ends the session: its cookie and bearer token are refused from now on (TOKEN_REVOKED), and the cookies are cleared.',
  })
  @ApiOkResponse({ description: 'Signed out.', schema: MESSAGE_SCHEMA })
  async logout(
    @Ctx() ctx: CommandContext,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<{ message: string }> {
    await this.accounts.signOut(principalOf(req), ctx);
    clearSessionCookies(req, res, this.config.current.server.base_domain);
    return { message: 'Logged out successfully' };
  }

  /** The signed-in administrator; 401 for anyone else (a device, a key, local trust). */
  @Get('me')
  @Public()
  @ApiOperation({
    summary: 'The signed-in administrator',
    description:
      'Reads the session cookie or the sign-in token itself; anyone else (a device, a key, local trust) gets 401.',
  })
  @ApiOkResponse({ description: 'The administrator.', schema: ME_SCHEMA })
  @ApiUnauthorizedResponse({
    description:
      'NOT_SIGNED_IN: no administrator on this request; USER_NOT_FOUND; or a token error (TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED).',
  })
  async me(@Req() req: IncomingMessage): Promise<{ user: UserView }> {
    const principal = await this.authenticator.authenticate(req);
    if (principal.kind !== 'admin')
      throw new DomainError(
        'NOT_SIGNED_IN',
        'unauthorized',
        'no administrator is signed in on this request (send the session cookie or the sign-in token)',
      );
    const user = this.accounts.user(principal.username);
    if (!user) throw new DomainError('USER_NOT_FOUND', 'unauthorized', 'user not found');
    return { user };
  }
}
