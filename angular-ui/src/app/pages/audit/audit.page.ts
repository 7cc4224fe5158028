import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Api, type Schemas } from '../../api/client';
import { loader } from '../../core/loader';
import { fromLocalInput, toLocalInput } from '../../shared/format';
import { LoadState } from '../../shared/load-state';
import { sliderInstant, SLIDER_STEPS } from './audit.model';

const PAGE = 25;

/** The audit log (filters, paging), the chain's verification and the state at a past time. */
@Component({
  selector: 'app-audit-page',
  imports: [FormsModule, LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Audit</h1>
    <section class="panel" aria-labelledby="chain-title">
      <h2 id="chain-title" class="h3">Hash chain</h2>
      @if (chain.error(); as e) {
        <p class="notice error" role="alert">{{ e }}</p>
      } @else if (chain.value(); as c) {
        <p class="chain" [attr.data-intact]="c.intact" role="status">
          @if (c.intact) {
            <span class="badge" data-tone="ok">intact</span> {{ c.events }} events verified, head
            #{{ c.headPosition }} <code class="small">{{ c.headHash.slice(0, 16) }}…</code>
          } @else {
            <span class="badge" data-tone="bad">broken</span> at #{{ c.firstBadPosition }}:
            {{ c.reason }}
          }
        </p>
      } @else {
        <p class="muted" role="status">Verifying…</p>
      }
      <button type="button" class="ghost" (click)="chain.reload()">Verify again</button>
    </section>

    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <form class="filters" (ngSubmit)="search()">
        <label
          >Action <input name="action" [(ngModel)]="action" placeholder="route.created"
        /></label>
        <label>Actor <input name="actor" [(ngModel)]="actor" /></label>
        <label>Target <input name="target" [(ngModel)]="target" /></label>
        <label>Since <input name="since" type="datetime-local" [(ngModel)]="since" /></label>
        <label>Until <input name="until" type="datetime-local" [(ngModel)]="until" /></label>
        <button type="submit">Filter</button>
      </form>
      <app-load-state
        [loading]="log.loading()"
        [error]="log.error()"
        [empty]="entries().length === 0"
        emptyText="No events match."
        (retry)="log.reload()"
      />
      @if (entries().length > 0) {
        <table class="audit-log">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            @for (e of entries(); track e.position) {
              <tr>
                <td>{{ e.position }}</td>
                <td>
                  <time [attr.datetime]="e.timestamp">{{
                    e.timestamp.replace('T', ' ').slice(0, 19)
                  }}</time>
                </td>
                <td>
                  <code>{{ e.action }}</code> <span class="muted small">{{ e.eventType }}</span>
                </td>
                <td>{{ e.actorKind }}:{{ e.actorName || e.actorId }}</td>
                <td>{{ e.targetType }} {{ e.targetName || e.targetId }}</td>
                <td>{{ e.actorIp || '—' }}</td>
              </tr>
            }
          </tbody>
        </table>
        <nav class="row" aria-label="Pages">
          <button
            type="button"
            class="ghost"
            [disabled]="cursors().length === 0"
            (click)="previous()"
          >
            Newer
          </button>
          <button type="button" class="ghost" [disabled]="!nextCursor()" (click)="next()">
            Older
          </button>
        </nav>
      }
    </section>

    <section class="panel" aria-labelledby="time-title">
      <h2 id="time-title" class="h3">Time travel</h2>
      <label
        >Show the gateway as it was at
        <input
          type="range"
          min="0"
          [max]="steps"
          [ngModel]="slider()"
          (ngModelChange)="slide($event)"
          name="slider"
          [attr.aria-valuetext]="atText()"
        />
      </label>
      <p>
        <output>{{ atText() }}</output>
        @if (state.value(); as s) {
          <span class="muted"> · event #{{ s.position }}</span>
        }
      </p>
      <app-load-state
        [loading]="state.loading()"
        [error]="state.error()"
        [empty]="!state.value()"
      />
      @if (state.value(); as s) {
        <div class="grid-2">
          <div>
            <h3>Routes ({{ s.routes.length }})</h3>
            <ul class="plain" aria-label="Routes at that time">
              @for (r of s.routes; track r.id) {
                <li>
                  <code>{{ r.spec['pathBase'] }}</code> → <code>{{ r.spec['to'] }}</code>
                </li>
              } @empty {
                <li class="empty">No routes.</li>
              }
            </ul>
          </div>
          <div>
            <h3>Devices ({{ s.devices.length }})</h3>
            <ul class="plain" aria-label="Devices at that time">
              @for (d of s.devices; track d.id) {
                <li>
                  {{ d.name }} ({{ d.platform }})
                  <span class="badge" [attr.data-tone]="d.active ? 'ok' : 'bad'">{{
                    d.active ? 'active' : 'revoked'
                  }}</span>
                </li>
              } @empty {
                <li class="empty">No devices.</li>
              }
            </ul>
          </div>
        </div>
      }
    </section>
  `,
})
export class AuditPage {
  private readonly api = inject(Api);
  protected readonly steps = SLIDER_STEPS;
  protected readonly action = signal('');
  protected readonly actor = signal('');
  protected readonly target = signal('');
  protected readonly since = signal('');
  protected readonly until = signal('');
  /** Cursors of the pages before this one (for "Newer"). */
  protected readonly cursors = signal<(number | undefined)[]>([]);
  private readonly after = signal<number | undefined>(undefined);
  protected readonly slider = signal(SLIDER_STEPS);
  private readonly first = signal<number | undefined>(undefined);
  private readonly openedAt = Date.now();

  protected readonly chain = loader(() => this.api.get('/api/v1/audit/verify'));
  protected readonly log = loader(() =>
    this.api.get('/api/v1/audit-logs', {
      query: {
        limit: PAGE,
        order: 'desc',
        ...(this.after() !== undefined ? { after: this.after() } : {}),
        ...(this.action().trim() ? { action: this.action().trim() } : {}),
        ...(this.actor().trim() ? { actor: this.actor().trim() } : {}),
        ...(this.target().trim() ? { target: this.target().trim() } : {}),
        ...(fromLocalInput(this.since()) ? { since: fromLocalInput(this.since()) } : {}),
        ...(fromLocalInput(this.until()) ? { until: fromLocalInput(this.until()) } : {}),
      },
    }),
  );
  protected readonly entries = computed<Schemas['AuditEvent'][]>(
    () => this.log.value()?.logs ?? [],
  );
  protected readonly nextCursor = computed(() => this.log.value()?.nextCursor ?? undefined);

  protected readonly at = computed(() =>
    sliderInstant(this.first() ?? this.openedAt, this.openedAt, this.slider()),
  );
  protected readonly atText = computed(() => toLocalInput(this.at()).replace('T', ' '));
  protected readonly state = loader(() =>
    this.api.get('/api/v1/audit/state', { query: { at: new Date(this.at()).toISOString() } }),
  );

  constructor() {
    void this.chain.reload();
    void this.log.reload();
    void this.state.reload();
    // The slider starts at the first event of the log.
    void this.api
      .get('/api/v1/audit-logs', { query: { limit: 1, order: 'asc' } })
      .then((page) => {
        const first = page.logs[0];
        if (first) this.first.set(Date.parse(first.timestamp));
      })
      .catch(() => undefined);
  }

  protected search(): void {
    this.cursors.set([]);
    this.after.set(undefined);
    void this.log.reload();
  }

  protected next(): void {
    const cursor = this.nextCursor();
    if (!cursor) return;
    this.cursors.update((c) => [...c, this.after()]);
    this.after.set(cursor);
    void this.log.reload();
  }

  protected previous(): void {
    const stack = this.cursors();
    if (stack.length === 0) return;
    this.after.set(stack[stack.length - 1]);
    this.cursors.set(stack.slice(0, -1));
    void this.log.reload();
  }

  protected slide(value: number | string): void {
    this.slider.set(Number(value));
    void this.state.reload();
  }
}
