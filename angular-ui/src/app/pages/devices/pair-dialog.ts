import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  inject,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { Api, messageOf, type Schemas } from '../../api/client';
import { LiveFeed } from '../../core/live';

/** How often the code's state is asked for, besides the live `device_paired` message. */
export const PAIR_POLL_MS = 2000;

/** "Pair a device": a fresh code as a QR image, followed until a device pairs with it. */
@Component({
  selector: 'app-pair-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <dialog #dialog aria-labelledby="pair-title" (close)="stop()">
      <h2 id="pair-title">Pair a device</h2>
      @if (error(); as e) {
        <p class="notice error" role="alert">{{ e }}</p>
      }
      @if (code(); as c) {
        <img
          class="qr"
          [src]="'/api/v1/auth/qr?format=png&code=' + c.code"
          width="256"
          height="256"
          alt="QR code to pair a device with the Nekzus app"
        />
        <p>
          Scan with the Nekzus app, or enter the code <strong class="code">{{ c.code }}</strong> and
          the address <code>{{ c.qr.u }}</code>.
        </p>
        <p role="status" aria-live="polite" class="pair-state" [attr.data-state]="status()">
          {{ statusText() }}
        </p>
      } @else if (!error()) {
        <p role="status">Issuing a code…</p>
      }
      <div class="row">
        @if (status() === 'expired' || status() === 'used') {
          <button type="button" (click)="issue()">New code</button>
        }
        <button type="button" class="ghost" (click)="close()">Close</button>
      </div>
    </dialog>
  `,
})
export class PairDialog {
  readonly paired = output<string>();
  private readonly api = inject(Api);
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');
  protected readonly code = signal<Schemas['PairingCode'] | undefined>(undefined);
  protected readonly status = signal<Schemas['PairingCodeStatus']['status']>('issued');
  protected readonly statusText = signal('');
  protected readonly error = signal<string | undefined>(undefined);
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    const stopLive = inject(LiveFeed).listen((m) => {
      if (m.type === 'device_paired' && this.code()) void this.poll();
    });
    inject(DestroyRef).onDestroy(() => {
      stopLive();
      this.stop();
    });
  }

  open(): void {
    this.dialog().nativeElement.showModal();
    void this.issue();
  }

  close(): void {
    this.dialog().nativeElement.close();
  }

  protected stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  protected async issue(): Promise<void> {
    this.stop();
    this.error.set(undefined);
    this.code.set(undefined);
    try {
      const code = await this.api.get('/api/v1/auth/qr');
      this.code.set(code);
      this.status.set('issued');
      this.statusText.set('Waiting for a device to scan the code…');
      this.timer = setInterval(() => void this.poll(), PAIR_POLL_MS);
    } catch (e) {
      this.error.set(messageOf(e));
    }
  }

  private async poll(): Promise<void> {
    const code = this.code();
    if (!code) return;
    try {
      const s = await this.api.get('/api/v1/auth/qr/status', { query: { code: code.code } });
      this.status.set(s.status);
      if (s.status === 'used') {
        this.statusText.set(`Paired: ${s.deviceId ?? 'a device'}.`);
        this.stop();
        this.paired.emit(s.deviceId ?? '');
      } else if (s.status === 'expired') {
        this.statusText.set('This code has expired. Issue a new one.');
        this.stop();
      } else if (s.status === 'redeemed') {
        this.statusText.set('Scanned; waiting for the device to finish pairing…');
      } else {
        this.statusText.set(`Waiting for a device to scan the code… (${s.ttl} s left)`);
      }
    } catch (e) {
      this.error.set(messageOf(e));
    }
  }
}
