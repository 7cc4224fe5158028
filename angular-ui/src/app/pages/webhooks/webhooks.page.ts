import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Api, messageOf } from '../../api/client';
import { loader } from '../../core/loader';
import { copyText } from '../../shared/clipboard';
import { ago, splitList } from '../../shared/format';
import { LoadState } from '../../shared/load-state';
import { subscriptionRows, type SubscriptionRow } from './webhooks.model';

/** Outgoing webhook subscriptions with their deliveries and failures. */
@Component({
  selector: 'app-webhooks-page',
  imports: [LoadState, FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Webhooks</h1>
      <button type="button" class="ghost" (click)="list.reload()">Refresh</button>
    </div>
    <p class="muted">
      Each matching event is POSTed as JSON, signed with the subscription's secret (<code
        >X-Nekzus-Signature: sha256=…</code
      >
      over <code>timestamp.body</code>).
    </p>
    @if (secret(); as s) {
      <div class="panel notice" role="status">
        <p>
          The signing secret of <code>{{ s.url }}</code> — shown this once; keep it where the
          receiver can check signatures:
        </p>
        <div class="row">
          <input class="mono" readonly [value]="s.secret" aria-label="Signing secret" />
          <button type="button" (click)="copy(s.secret)">Copy</button>
          <button type="button" class="ghost" (click)="secret.set(undefined)">Done</button>
        </div>
      </div>
    }
    <form class="panel grid-form" (ngSubmit)="create()" aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title" class="h3 full">New subscription</h2>
      <label class="full"
        >Receiver URL
        <input name="url" type="url" [(ngModel)]="url" required placeholder="https://…" />
      </label>
      <label
        >Event types (comma-separated, * for all)
        <input name="types" [(ngModel)]="types" required placeholder="RouteAdded, DevicePaired" />
      </label>
      <label>Description <input name="description" [(ngModel)]="description" /></label>
      <label class="inline full"
        ><input type="checkbox" name="private" [(ngModel)]="allowPrivate" /> The receiver is on the
        LAN (needs <code>webhooks.allow_private_targets</code>)</label
      >
      @if (formError(); as e) {
        <p class="notice error full" role="alert">{{ e }}</p>
      }
      <div class="full"><button type="submit" [disabled]="busy()">Subscribe</button></div>
    </form>
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <app-load-state
      [loading]="list.loading()"
      [error]="list.error()"
      [empty]="rows().length === 0"
      emptyText="No webhook subscriptions."
      (retry)="list.reload()"
    />
    @for (s of rows(); track s.id) {
      <section class="panel" [attr.aria-labelledby]="'wh-' + s.id">
        <div class="row spread">
          <h2 class="h3" [id]="'wh-' + s.id">
            <code>{{ s.url }}</code>
            <span class="badge" [attr.data-tone]="s.status === 'active' ? 'ok' : 'bad'">{{
              s.status
            }}</span>
          </h2>
          <div class="row">
            @if (s.status === 'paused') {
              <button type="button" (click)="resume(s)">Resume</button>
            }
            <button type="button" class="ghost danger" (click)="remove(s)">Remove</button>
          </div>
        </div>
        @if (s.description) {
          <p>{{ s.description }}</p>
        }
        <dl class="facts">
          <dt>Events</dt>
          <dd>{{ s.eventTypes.join(', ') || 'all' }}</dd>
          <dt>Delivered</dt>
          <dd>{{ s.delivered }} (last {{ ago(s.lastDeliveredAt) }})</dd>
          <dt>Failures</dt>
          <dd>
            {{ s.failures }}{{ s.failingSince ? ', failing since ' + ago(s.failingSince) : '' }}
          </dd>
          @if (s.lastError) {
            <dt>Last error</dt>
            <dd class="error-text">{{ s.lastError }}</dd>
          }
          @if (s.pausedReason) {
            <dt>Paused because</dt>
            <dd>{{ s.pausedReason }}</dd>
          }
        </dl>
      </section>
    }
  `,
})
export class WebhooksPage {
  private readonly api = inject(Api);
  protected readonly ago = ago;
  protected readonly actionError = signal<string | undefined>(undefined);
  protected readonly list = loader(async () =>
    subscriptionRows(await this.api.get('/api/v1/webhooks/subscriptions')),
  );
  protected readonly rows = computed(() => this.list.value() ?? []);
  protected readonly url = signal('');
  protected readonly types = signal('*');
  protected readonly description = signal('');
  protected readonly allowPrivate = signal(false);
  protected readonly busy = signal(false);
  protected readonly formError = signal<string | undefined>(undefined);
  protected readonly secret = signal<{ url: string; secret: string } | undefined>(undefined);

  constructor() {
    void this.list.reload();
  }

  protected async create(): Promise<void> {
    this.busy.set(true);
    this.formError.set(undefined);
    try {
      const created = await this.api.post('/api/v1/webhooks/subscriptions', {
        body: {
          url: this.url().trim(),
          eventTypes: splitList(this.types()),
          ...(this.description().trim() ? { description: this.description().trim() } : {}),
          ...(this.allowPrivate() ? { allowPrivateTarget: true } : {}),
        },
      });
      this.secret.set({ url: created.url, secret: created.secret });
      this.url.set('');
      this.description.set('');
      await this.list.reload();
    } catch (e) {
      this.formError.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async copy(text: string): Promise<void> {
    if (!(await copyText(text)))
      this.formError.set('The browser refused the clipboard; select the secret and copy it.');
  }

  protected async resume(s: SubscriptionRow): Promise<void> {
    await this.act(() =>
      this.api.patch('/api/v1/webhooks/subscriptions/{id}', {
        path: { id: s.id },
        body: { status: 'active' },
      }),
    );
  }

  protected async remove(s: SubscriptionRow): Promise<void> {
    if (!confirm(`Remove the subscription to ${s.url}?`)) return;
    await this.act(() =>
      this.api.delete('/api/v1/webhooks/subscriptions/{id}', { path: { id: s.id } }),
    );
  }

  private async act(run: () => Promise<unknown>): Promise<void> {
    this.actionError.set(undefined);
    try {
      await run();
      await this.list.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    }
  }
}
