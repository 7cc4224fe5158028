import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig } from '#libs/config';
import { uuidv7 } from '#libs/event-store';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import {
  ACCESS_CLOCK,
  ADMIN_SUBJECT_PREFIX,
  Authenticator,
  AuthRequired,
  JWT_TOKENS,
  REFRESH_GRACE_SECONDS,
  scopesForPlatform,
  sha256Hex,
  TOKEN_LIFETIME_SECONDS,
  TokenError,
  type JwtTokens,
} from '#libs/access';
import {
  CODE_TTL_MS,
  codeFromRandom,
  deviceDecider,
  deviceStream,
  expired,
  InvalidBootstrapToken,
  InvalidPairingCode,
  normalizeCode,
  pairingCodeDecider,
  pairingCodeStream,
  registrationProblems,
  type DeviceRegistration,
} from '../domain';
import type { DeviceDirectory } from './device-directory';
import type { PairingCodes } from './pairing-codes';
import { PairingWriter } from './pairing-writer';
import {
  CAPABILITIES,
  DEVICE_DIRECTORY,
  PAIRING_CODES,
  PAIRING_SETTINGS,
  type PairingSettings,
} from './pairing-settings';

export interface QrPayload {
  qr: { u: string; c: string; v: string };
  code: string;
  expiresAt: number;
}

export interface PairingConfig {
  baseUrl: string;
  name: string;
  spkiPins: string[];
  bootstrapToken: string;
  capabilities: string[];
  nekzusId: string;
  expiresAt: number;
}

export interface CodeStatus {
  valid: boolean;
  redeemed: boolean;
  expired: boolean;
  ttl: number;
  /** Ours: one word for the whole state. */
  status: 'issued' | 'redeemed' | 'used' | 'expired' | 'unknown';
  deviceId?: string;
}

export interface DeviceToken {
  accessToken: string;
  expiresIn: number;
  scopes: string[];
  deviceId: string;
}

/**
 * `v` of the QR code (contract A §2.4): the first 16 bytes, in hex, of SHA-256 over the code,
 * ":", the base URL, the instance id, the bootstrap token and the pins joined by commas.
 */
export function verificationHash(
  code: string,
  baseUrl: string,
  nekzusId: string,
  bootstrapToken: string,
  spkiPins: readonly string[],
): string {
  return createHash('sha256')
    .update(`${code}:${baseUrl}${nekzusId}${bootstrapToken}${spkiPins.join(',')}`, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('hex');
}

/**
 * The mobile pairing protocol, wire-compatible with Nekzus: a code (in a QR) is redeemed for
 * the pairing config with a short-lived bootstrap token, which a device exchanges once for
 * its token. Codes and tokens are events, so they survive a restart; neither is stored in
 * clear (the code as an HMAC, the token derived from the code's id under the gateway key).
 */
@Injectable()
export class PairingService {
  /** Codes this process issued, by code id, so the PNG can show the same code again. */
  private readonly recent = new Map<string, { code: string; owner: string }>();

  constructor(
    private readonly writer: PairingWriter,
    @Inject(PAIRING_CODES) private readonly codes: PairingCodes,
    @Inject(DEVICE_DIRECTORY) private readonly devices: DeviceDirectory,
    @Inject(PAIRING_SETTINGS) private readonly settings: PairingSettings,
    @Inject(JWT_TOKENS) private readonly tokens: JwtTokens,
    @Inject(ACCESS_CLOCK) private readonly now: () => number,
    private readonly authenticator: Authenticator,
    private readonly config: LiveConfig,
  ) {}

  async issueCode(owner: string, ctx: CommandContext): Promise<QrPayload> {
    const code = codeFromRandom((n) => randomBytes(n));
    const codeId = uuidv7();
    const expiresAt = new Date(this.now() + CODE_TTL_MS);
    const bootstrapToken = this.bootstrapTokenOf(codeId);
    await this.writer.execute(
      pairingCodeStream(codeId),
      pairingCodeDecider,
      {
        kind: 'IssueCode',
        code: {
          codeId,
          codeHash: this.codeHash(code),
          tokenDigest: sha256Hex(bootstrapToken),
          expiresAt: expiresAt.toISOString(),
          baseUrl: this.settings.baseUrl,
          spkiPins: this.settings.spkiPins,
        },
      },
      { now: new Date(this.now()) },
      ctx,
    );
    this.remember(codeId, code, owner);
    return this.payload(code);
  }

  /**
   * The QR payload of `code` when given and still open, else of the newest open code this
   * owner was given, else of a new one: the PNG shows the code the page polls (Nekzus's shows
   * a second, different one).
   */
  async currentCode(
    owner: string,
    code: string | undefined,
    ctx: CommandContext,
  ): Promise<QrPayload> {
    if (code !== undefined) {
      const record = this.codes.byCodeHash(this.codeHash(normalizeCode(code)));
      if (!record || record.status === 'used' || expired(record.code, new Date(this.now())))
        throw new InvalidPairingCode();
      return this.payload(normalizeCode(code));
    }
    for (const [codeId, entry] of [...this.recent].reverse()) {
      const record = this.codes.byCodeId(codeId);
      if (
        entry.owner === owner &&
        record &&
        record.status !== 'used' &&
        !expired(record.code, new Date(this.now()))
      )
        return this.payload(entry.code);
    }
    return this.issueCode(owner, ctx);
  }

  status(code: string): CodeStatus {
    const record = this.codes.byCodeHash(this.codeHash(normalizeCode(code)));
    if (!record)
      return { valid: false, redeemed: false, expired: false, ttl: 0, status: 'unknown' };
    const ttl = Math.max(0, Math.ceil((Date.parse(record.code.expiresAt) - this.now()) / 1000));
    if (record.status === 'used')
      return {
        valid: true,
        redeemed: true,
        expired: false,
        ttl: 0,
        status: 'used',
        ...(record.deviceId ? { deviceId: record.deviceId } : {}),
      };
    if (ttl === 0)
      return {
        valid: true,
        redeemed: record.status === 'redeemed',
        expired: true,
        ttl: 0,
        status: 'expired',
      };
    return {
      valid: true,
      redeemed: record.status === 'redeemed',
      expired: false,
      ttl,
      status: record.status,
    };
  }

  /** `POST /api/v1/pair`: the pairing config; re-fetchable until the device has paired. */
  async redeem(code: unknown, ctx: CommandContext): Promise<PairingConfig> {
    if (typeof code !== 'string' || code.trim() === '')
      throw new ValidationFailed(
        [{ field: 'code', message: 'pairing code required' }],
        'INVALID_CODE',
      );
    const record = this.codes.byCodeHash(this.codeHash(normalizeCode(code)));
    if (!record) throw new InvalidPairingCode();
    await this.writer.execute(
      pairingCodeStream(record.code.codeId),
      pairingCodeDecider,
      { kind: 'RedeemCode', codeId: record.code.codeId },
      { now: new Date(this.now()) },
      ctx,
    );
    return {
      baseUrl: record.code.baseUrl,
      name: this.settings.name,
      spkiPins: record.code.spkiPins,
      bootstrapToken: this.bootstrapTokenOf(record.code.codeId),
      capabilities: [...CAPABILITIES],
      nekzusId: this.settings.nekzusId,
      expiresAt: Math.floor(Date.parse(record.code.expiresAt) / 1000),
    };
  }

  /** `POST /api/v1/auth/pair`: a bootstrap token and a device description become a device token. */
  async pairDevice(
    bootstrap: string | undefined,
    body: unknown,
    ctx: CommandContext,
  ): Promise<DeviceToken> {
    if (bootstrap === undefined) throw new AuthRequired();
    const code = bootstrap.startsWith('temp_')
      ? this.codes.byTokenDigest(sha256Hex(bootstrap))
      : undefined;
    const now = new Date(this.now());
    if (code) {
      if (code.status === 'used')
        throw new InvalidBootstrapToken(
          'this bootstrap token has already paired a device; scan a new QR code',
        );
      if (expired(code.code, now))
        throw new InvalidBootstrapToken('this bootstrap token has expired; scan a new QR code');
    } else if (!this.isPermanentToken(bootstrap)) throw new InvalidBootstrapToken();

    const device = (body as { device?: DeviceRegistration } | undefined)?.device;
    const problems = registrationProblems(device);
    if (problems.length > 0) throw new ValidationFailed(problems);
    const registration = device as DeviceRegistration & { platform: string };
    const deviceId =
      typeof registration.id === 'string' && registration.id !== ''
        ? registration.id
        : `dev-${randomBytes(8).toString('base64url')}`;
    const model = typeof registration.model === 'string' ? registration.model.trim() : '';
    const scopes = scopesForPlatform(registration.platform);
    const deviceCtx: CommandContext = { ...ctx, actor: { kind: 'device', id: deviceId } };
    const tokenId = uuidv7();

    // The code's stream decides who wins a race: exactly one request uses a token.
    if (code)
      await this.writer.execute(
        pairingCodeStream(code.code.codeId),
        pairingCodeDecider,
        { kind: 'UseCode', codeId: code.code.codeId, deviceId },
        { now },
        deviceCtx,
      );
    await this.writer.execute(
      deviceStream(deviceId),
      deviceDecider,
      {
        kind: 'PairDevice',
        device: {
          deviceId,
          name: model || `${registration.platform} Device`,
          model,
          platform: registration.platform,
          scopes,
          via: code ? 'pairing-code' : 'bootstrap-token',
          tokenId,
          ...(code ? { codeId: code.code.codeId } : {}),
        },
      },
      undefined,
      deviceCtx,
    );
    const { token } = this.tokens.sign(deviceId, scopes, tokenId);
    return { accessToken: token, expiresIn: TOKEN_LIFETIME_SECONDS, scopes, deviceId };
  }

  /**
   * `POST /api/v1/auth/refresh`: a device token (expired up to 7 days ago) for a new one.
   * Never for a revoked device or a token from before a re-pairing (Nekzus refreshes those forever).
   */
  async refresh(bearer: string | undefined, ctx: CommandContext): Promise<DeviceToken> {
    if (bearer === undefined) throw new AuthRequired();
    const claims = await this.tokens.verifyIgnoringExpiry(bearer);
    if (claims.sub.startsWith(ADMIN_SUBJECT_PREFIX))
      throw new TokenError(
        'TOKEN_INVALID',
        'administrator sessions are not refreshed; sign in again',
      );
    this.authenticator.checkDevice(claims);
    if (claims.exp + REFRESH_GRACE_SECONDS < Math.floor(this.now() / 1000))
      throw new TokenError(
        'TOKEN_EXPIRED_BEYOND_GRACE',
        'the token expired too long ago to refresh; pair the device again',
      );
    const device = this.devices.active(claims.sub);
    const tokenId = uuidv7();
    await this.writer.execute(
      deviceStream(claims.sub),
      deviceDecider,
      { kind: 'RefreshDeviceToken', deviceId: claims.sub, tokenId },
      undefined,
      { ...ctx, actor: { kind: 'device', id: claims.sub } },
    );
    const scopes = device?.scopes ?? claims.scopes;
    const { token } = this.tokens.sign(claims.sub, scopes, tokenId);
    return { accessToken: token, expiresIn: TOKEN_LIFETIME_SECONDS, scopes, deviceId: claims.sub };
  }

  private payload(code: string): QrPayload {
    const record = this.codes.byCodeHash(this.codeHash(code));
    if (!record) throw new InvalidPairingCode();
    const { baseUrl, spkiPins, codeId, expiresAt } = record.code;
    return {
      qr: {
        u: baseUrl,
        c: code,
        v: verificationHash(
          code,
          baseUrl,
          this.settings.nekzusId,
          this.bootstrapTokenOf(codeId),
          spkiPins,
        ),
      },
      code,
      expiresAt: Math.floor(Date.parse(expiresAt) / 1000),
    };
  }

  private remember(codeId: string, code: string, owner: string): void {
    this.recent.set(codeId, { code, owner });
    if (this.recent.size > 100) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private codeHash(code: string): string {
    return this.tokens.hmac(`pairing-code:${code}`);
  }

  /** `temp_` + 43 characters: derived from the code's id under the gateway key, never stored. */
  private bootstrapTokenOf(codeId: string): string {
    return `temp_${this.tokens.hmac(`bootstrap:${codeId}`, 'base64url')}`;
  }

  /** Configured permanent tokens (`bootstrap.tokens`, NEKZUS_BOOTSTRAP_TOKEN), compared in constant time; re-read on reload. */
  private isPermanentToken(presented: string): boolean {
    const digest = createHash('sha256').update(presented).digest();
    let match = false;
    for (const token of this.config.current.bootstrap.tokens)
      if (token !== '' && timingSafeEqual(digest, createHash('sha256').update(token).digest()))
        match = true;
    return match;
  }
}
