import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { Api, messageOf } from '../../api/client';
import { loader } from '../../core/loader';
import { ago } from '../../shared/format';
import { LoadState } from '../../shared/load-state';
import { subscriptionRows, type SubscriptionRow } from './webhooks.model';

/** Outgoing webhook subscriptions with their deliveries and failures. */
@Component({
  selector: 'app-webhooks-page',
  imports: [LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Webhooks</h1>
      <button type="button" class="ghost" (click)="list.reload()">Refresh</button>
    </div>
    <p class="muted">
      Subscriptions are created with <code>POST /api/v1/webhooks/subscriptions</code> or the CLI;
      each delivery is signed with the subscription's secret.
    </p>
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

  constructor() {
    void this.list.reload();
  }

  protected async resume(s: SubscriptionRow): Promise<void> {
    await this.act(() =>
      this.api.patch('/api/v1/webhooks/subscriptions/{id}', {
        path: { id: s.id },
        body: { status: 'active' },
      } as never),
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
