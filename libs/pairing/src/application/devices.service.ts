import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_CLOCK } from '#libs/access';
import type { CommandContext } from '#libs/kernel';
import { DeviceNotFound, deviceDecider, deviceStream, DEVICE_ID } from '../domain';
import type { DeviceDirectory, DeviceRecord } from './device-directory';
import { PairingWriter } from './pairing-writer';
import { DEVICE_DIRECTORY } from './pairing-settings';

/** Nekzus's device object (contract A §1.3). */
export interface DeviceView {
  id: string;
  name: string;
  platform: string;
  platformVersion: string;
  scopes: string[];
  pairedAt: string;
  lastSeen: string;
  status: 'online' | 'offline';
  requestsToday: number;
}

const ONLINE_MS = 5 * 60_000;

@Injectable()
export class DevicesService {
  constructor(
    private readonly writer: PairingWriter,
    @Inject(DEVICE_DIRECTORY) private readonly devices: DeviceDirectory,
    @Inject(ACCESS_CLOCK) private readonly now: () => number,
  ) {}

  list(): DeviceView[] {
    return this.devices.list().map((d) => this.view(d));
  }

  get(deviceId: string): DeviceView {
    return this.view(this.require(deviceId));
  }

  async rename(deviceId: string, name: unknown, ctx: CommandContext): Promise<DeviceView> {
    this.require(deviceId);
    await this.writer.execute(
      deviceStream(deviceId),
      deviceDecider,
      { kind: 'RenameDevice', deviceId, name },
      undefined,
      ctx,
    );
    return this.get(deviceId);
  }

  /** Revokes: from the moment this returns, the device's tokens are refused everywhere. */
  async revoke(
    deviceId: string,
    ctx: CommandContext,
  ): Promise<{ status: 'revoked'; deviceId: string; message: string; revokedAt: string }> {
    this.require(deviceId);
    await this.writer.execute(
      deviceStream(deviceId),
      deviceDecider,
      { kind: 'RevokeDevice', deviceId },
      undefined,
      ctx,
    );
    return {
      status: 'revoked',
      deviceId,
      message: 'Device access has been revoked. Existing tokens are now invalid.',
      revokedAt: new Date(this.now()).toISOString(),
    };
  }

  private require(deviceId: string): DeviceRecord {
    const device = DEVICE_ID.test(deviceId) ? this.devices.active(deviceId) : undefined;
    if (!device) throw new DeviceNotFound(deviceId);
    return device;
  }

  private view(device: DeviceRecord): DeviceView {
    return {
      id: device.id,
      name: device.name,
      platform: device.platform,
      platformVersion: '',
      scopes: device.scopes,
      pairedAt: device.pairedAt.toISOString(),
      lastSeen: device.lastSeen.toISOString(),
      status: this.now() - device.lastSeen.getTime() < ONLINE_MS ? 'online' : 'offline',
      requestsToday: this.devices.requestsTodayOf(device),
    };
  }
}
