import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Api, messageOf, type Schemas } from '../../api/client';
import { LiveFeed } from '../../core/live';
import { loader } from '../../core/loader';
import { ago } from '../../shared/format';
import { LoadState } from '../../shared/load-state';
import { PairDialog } from './pair-dialog';

type Device = Schemas['Device'];

const LIVE_TYPES = new Set(['device_paired', 'device_revoked', 'device_status']);

/** Paired devices: rename, revoke, and pair a new one with a QR code. */
@Component({
  selector: 'app-devices-page',
  imports: [FormsModule, LoadState, PairDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Devices</h1>
      <button type="button" (click)="pair.open()">Pair a device</button>
    </div>
    <app-pair-dialog #pair (paired)="list.reload()" />
    @if (message(); as m) {
      <p class="notice" role="status">{{ m }}</p>
    }
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <app-load-state
      [loading]="list.loading()"
      [error]="list.error()"
      [empty]="devices().length === 0"
      emptyText="No devices paired. Use “Pair a device” and scan the code with the Nekzus app."
      (retry)="list.reload()"
    />
    @if (devices().length > 0) {
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Platform</th>
            <th scope="col">Status</th>
            <th scope="col">Last seen</th>
            <th scope="col">Paired</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (d of devices(); track d.id) {
            <tr [attr.data-device]="d.id">
              <td>
                @if (renaming() === d.id) {
                  <form class="row" (ngSubmit)="rename(d)">
                    <label class="visually-hidden" [for]="'name-' + d.id">New name</label>
                    <input [id]="'name-' + d.id" name="name" [(ngModel)]="newName" required />
                    <button type="submit" [disabled]="busy()">Save</button>
                    <button type="button" class="ghost" (click)="renaming.set(undefined)">
                      Cancel
                    </button>
                  </form>
                } @else {
                  {{ d.name }} <span class="muted small">{{ d.id }}</span>
                }
              </td>
              <td>{{ d.platform }} {{ d.platformVersion }}</td>
              <td>
                <span class="badge" [attr.data-tone]="d.status === 'online' ? 'ok' : 'warn'">{{
                  d.status
                }}</span>
              </td>
              <td>{{ ago(d.lastSeen) }}</td>
              <td>{{ ago(d.pairedAt) }}</td>
              <td class="actions">
                <button type="button" class="ghost" (click)="startRename(d)">
                  Rename<span class="visually-hidden"> {{ d.name }}</span>
                </button>
                <button type="button" class="ghost danger" (click)="revoke(d)">
                  Revoke<span class="visually-hidden"> {{ d.name }}</span>
                </button>
              </td>
            </tr>
          }
        </tbody>
      </table>
    }
  `,
})
export class DevicesPage {
  private readonly api = inject(Api);
  protected readonly ago = ago;
  protected readonly pairDialog = viewChild.required(PairDialog);
  protected readonly renaming = signal<string | undefined>(undefined);
  protected readonly newName = signal('');
  protected readonly busy = signal(false);
  protected readonly message = signal<string | undefined>(undefined);
  protected readonly actionError = signal<string | undefined>(undefined);

  protected readonly list = loader(async () => {
    const reply = await this.api.get('/api/v1/devices');
    return Array.isArray(reply) ? reply : reply.devices;
  });
  protected readonly devices = computed(() =>
    [...(this.list.value() ?? [])].sort((a, b) => b.pairedAt.localeCompare(a.pairedAt)),
  );

  constructor() {
    void this.list.reload();
    const stop = inject(LiveFeed).listen((m) => {
      if (LIVE_TYPES.has(m.type)) void this.list.reload();
    });
    inject(DestroyRef).onDestroy(stop);
  }

  protected startRename(d: Device): void {
    this.newName.set(d.name);
    this.renaming.set(d.id);
  }

  protected rename(d: Device): Promise<void> {
    return this.act(async () => {
      await this.api.patch('/api/v1/devices/{deviceId}', {
        path: { deviceId: d.id },
        body: { deviceName: this.newName().trim() },
      });
      this.renaming.set(undefined);
      return `Renamed to ${this.newName().trim()}.`;
    });
  }

  protected async revoke(d: Device): Promise<void> {
    if (!confirm(`Revoke ${d.name}? It loses access at once and must pair again.`)) return;
    await this.act(async () => {
      const r = await this.api.delete('/api/v1/devices/{deviceId}', { path: { deviceId: d.id } });
      return r.message;
    });
  }

  private async act(run: () => Promise<string>): Promise<void> {
    this.busy.set(true);
    this.actionError.set(undefined);
    try {
      this.message.set(await run());
      await this.list.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }
}
