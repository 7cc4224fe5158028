import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import type { DeviceRegistry, DeviceStatus, RevocationListener } from '#libs/access';
import { DEVICE_EVENT_TYPES, type DeviceEvent } from '../domain';

export interface DeviceRecord {
  id: string;
  name: string;
  model: string;
  platform: string;
  scopes: string[];
  pairedAt: Date;
  /** Token id of the latest re-pairing: tokens issued earlier are refused. */
  validFromTokenId: string;
  active: boolean;
  revokedAt: Date | undefined;
  lastSeen: Date;
  requestsToday: number;
  requestsDay: string;
}

export interface DevicePresence {
  deviceId: string;
  lastSeen: number;
  requestsDay: string;
  requestsToday: number;
}

const TYPES: ReadonlySet<string> = new Set(DEVICE_EVENT_TYPES);

/**
 * Every paired device, in memory: the access guard asks it on each device request whether
 * the device is still active (revocation takes effect as soon as the event is applied, and
 * after a restart the replay restores it). `lastSeen` and today's request count are
 * operational state kept here, not events.
 */
export class DeviceDirectory implements DeviceRegistry {
  readonly name = 'device-directory';
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly tracker = new PositionTracker();
  private readonly listeners = new Set<RevocationListener>();

  /** Called for every device revoked, as the event is applied. */
  onRevocation(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Devices whose lastSeen or request count changed since the last `takeChanges()`. */
  private readonly changed = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type))
      this.on({ type: recorded.type, data: recorded.data } as DeviceEvent, recorded.recordedAt);
    this.tracker.advance(recorded.position);
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  private on(event: DeviceEvent, at: Date): void {
    switch (event.type) {
      case 'DevicePaired': {
        const previous = this.devices.get(event.data.deviceId);
        this.devices.set(event.data.deviceId, {
          id: event.data.deviceId,
          name: event.data.name,
          model: event.data.model,
          platform: event.data.platform,
          scopes: event.data.scopes,
          pairedAt: previous?.pairedAt ?? at,
          validFromTokenId: event.data.rePaired ? event.data.tokenId : '',
          active: true,
          revokedAt: undefined,
          lastSeen: at,
          requestsToday: previous?.requestsToday ?? 0,
          requestsDay: previous?.requestsDay ?? dayOf(at.getTime()),
        });
        return;
      }
      case 'DeviceRenamed': {
        const device = this.devices.get(event.data.deviceId);
        if (device) device.name = event.data.name;
        return;
      }
      case 'DeviceRevoked': {
        const device = this.devices.get(event.data.deviceId);
        if (device) {
          device.active = false;
          device.revokedAt = at;
        }
        for (const listener of this.listeners)
          listener({ kind: 'device', deviceId: event.data.deviceId });
        return;
      }
      case 'DeviceTokenRefreshed': {
        const device = this.devices.get(event.data.deviceId);
        if (device && at > device.lastSeen) device.lastSeen = at;
        return;
      }
    }
  }

  statusOf(deviceId: string): DeviceStatus | undefined {
    const device = this.devices.get(deviceId);
    return device
      ? { active: device.active, validFromTokenId: device.validFromTokenId }
      : undefined;
  }

  seen(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    const now = this.now();
    device.lastSeen = new Date(now);
    const day = this.dayOfNow(now);
    if (device.requestsDay !== day) {
      device.requestsDay = day;
      device.requestsToday = 0;
    }
    device.requestsToday++;
    this.changed.add(deviceId);
  }

  /** The UTC day of `now`, formatted once per day: `seen` runs on every proxied request. */
  private today = { day: '', from: 0, until: 0 };
  private dayOfNow(now: number): string {
    if (now < this.today.from || now >= this.today.until) {
      const from = now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
      this.today = { day: dayOf(now), from, until: from + DAY_MS };
    }
    return this.today.day;
  }

  /** Presence that changed since the last call, for the periodic flush (operational state, not events). */
  takeChanges(): DevicePresence[] {
    const out: DevicePresence[] = [];
    for (const id of this.changed) {
      const device = this.devices.get(id);
      if (device)
        out.push({
          deviceId: id,
          lastSeen: device.lastSeen.getTime(),
          requestsDay: device.requestsDay,
          requestsToday: device.requestsToday,
        });
    }
    this.changed.clear();
    return out;
  }

  /** Restores presence saved before a restart, where it is newer than what the events say. */
  restore(presence: readonly DevicePresence[]): void {
    for (const p of presence) {
      const device = this.devices.get(p.deviceId);
      if (!device || p.lastSeen <= device.lastSeen.getTime()) continue;
      device.lastSeen = new Date(p.lastSeen);
      device.requestsDay = p.requestsDay;
      device.requestsToday = p.requestsToday;
    }
  }

  /** An active device, or undefined (revoked devices are gone for the API, as in Nekzus). */
  active(deviceId: string): DeviceRecord | undefined {
    const device = this.devices.get(deviceId);
    return device?.active ? device : undefined;
  }

  /** Active devices, most recently seen first. */
  list(): DeviceRecord[] {
    return [...this.devices.values()]
      .filter((d) => d.active)
      .sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  }

  requestsTodayOf(device: DeviceRecord): number {
    return device.requestsDay === dayOf(this.now()) ? device.requestsToday : 0;
  }
}

const DAY_MS = 86_400_000;

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
