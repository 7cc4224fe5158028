import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Api, messageOf, type Schemas } from '../../api/client';
import { LiveFeed } from '../../core/live';
import { loader } from '../../core/loader';
import { ago } from '../../shared/format';
import { LoadState } from '../../shared/load-state';
import { approveFormOf, approveOverrides, type ApproveForm } from './approve.model';

type Proposal = Schemas['Proposal'];
type StateFilter = Proposal['state'] | 'all';

const LIVE_TYPES = new Set([
  'discovery',
  'proposal_approved',
  'proposal_rejected',
  'proposal_dismissed',
  'rediscovery_triggered',
]);

/** Proposals from discovery: approve (with overrides), reject, dismiss, rediscover; live. */
@Component({
  selector: 'app-discovery-page',
  imports: [FormsModule, LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Discovery</h1>
      <div class="row">
        <label
          >Show
          <select [ngModel]="filter()" (ngModelChange)="setFilter($event)" name="filter">
            <option value="pending">Pending</option>
            <option value="approved">Approved</option>
            <option value="rejected">Rejected</option>
            <option value="dismissed">Dismissed</option>
            <option value="all">All</option>
          </select>
        </label>
        <button type="button" (click)="rediscover()" [disabled]="busy()">Rediscover</button>
      </div>
    </div>
    @if (message(); as m) {
      <p class="notice" role="status">{{ m }}</p>
    }
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <app-load-state
      [loading]="list.loading()"
      [error]="list.error()"
      [empty]="proposals().length === 0"
      emptyText="No proposals. Discovery finds services in Docker, Kubernetes and mDNS; new ones appear here without a reload."
      (retry)="list.reload()"
    />
    <ul class="proposal-list">
      @for (p of proposals(); track p.id) {
        <li class="panel" [attr.aria-labelledby]="'p-' + p.id">
          <div class="row spread">
            <h2 [id]="'p-' + p.id" class="h3">
              {{ name(p) }}
              <span class="badge">{{ p.source }}</span>
              <span class="badge" [attr.data-tone]="p.state === 'pending' ? 'warn' : 'ok'">{{
                p.state
              }}</span>
            </h2>
            <span
              class="confidence"
              [attr.aria-label]="'confidence ' + pct(p.confidence) + ' percent'"
              >{{ pct(p.confidence) }}%</span
            >
          </div>
          <p>
            <code>{{ p.detectedScheme }}://{{ p.detectedHost }}:{{ p.detectedPort }}</code>
            @if (p.availablePorts.length > 1) {
              <span class="muted">
                · ports
                @for (port of p.availablePorts; track port.port) {
                  {{ port.port }}
                }
              </span>
            }
            <span class="muted"> · seen {{ ago(p.lastSeen) }}{{ p.present ? '' : ' (gone)' }}</span>
          </p>
          @if (p.reasons.length) {
            <details>
              <summary>Why {{ pct(p.confidence) }}%</summary>
              <ul>
                @for (r of p.reasons; track $index) {
                  <li>{{ r }}</li>
                }
              </ul>
            </details>
          }
          @for (n of p.securityNotes; track $index) {
            <p class="notice warn">{{ n }}</p>
          }
          @if (p.state === 'pending') {
            @if (editing() === p.id && form(); as f) {
              <form
                class="grid-form"
                (ngSubmit)="approve(p, f)"
                [attr.aria-label]="'Approve ' + name(p)"
              >
                <label
                  >Port
                  <select name="port" [(ngModel)]="f.port">
                    @for (port of ports(p); track port) {
                      <option [ngValue]="port">{{ port }}</option>
                    }
                  </select>
                </label>
                <label>App id <input name="appId" [(ngModel)]="f.appId" required /></label>
                <label>Name <input name="name" [(ngModel)]="f.name" /></label>
                <fieldset>
                  <legend>Expose at</legend>
                  <label class="inline"
                    ><input type="radio" name="exposeAs" value="path" [(ngModel)]="f.exposeAs" />
                    Path</label
                  >
                  <label class="inline"
                    ><input
                      type="radio"
                      name="exposeAs"
                      value="subdomain"
                      [(ngModel)]="f.exposeAs"
                    />
                    Subdomain</label
                  >
                </fieldset>
                @if (f.exposeAs === 'path') {
                  <label>Path <input name="pathBase" [(ngModel)]="f.pathBase" /></label>
                } @else {
                  <label>Subdomain <input name="subdomain" [(ngModel)]="f.subdomain" /></label>
                }
                <label
                  >Scopes (comma-separated)
                  <input name="scopes" [(ngModel)]="f.scopes" />
                </label>
                <label class="inline"
                  ><input type="checkbox" name="stripPrefix" [(ngModel)]="f.stripPrefix" /> Strip
                  prefix</label
                >
                <label class="inline"
                  ><input type="checkbox" name="websockets" [(ngModel)]="f.websockets" />
                  WebSockets</label
                >
                <div class="row">
                  <button type="submit" [disabled]="busy()">Approve</button>
                  <button type="button" class="ghost" (click)="editing.set(undefined)">
                    Cancel
                  </button>
                </div>
              </form>
            } @else {
              <div class="row">
                <button type="button" (click)="openApprove(p)">Approve…</button>
                <button type="button" class="ghost" (click)="reject(p)" [disabled]="busy()">
                  Reject
                </button>
                <button type="button" class="ghost" (click)="dismiss(p)" [disabled]="busy()">
                  Dismiss
                </button>
              </div>
            }
          } @else if (p.decidedBy) {
            <p class="muted">
              {{ p.state }} by {{ p.decidedBy }}{{ p.reason ? ': ' + p.reason : '' }}
            </p>
          }
        </li>
      }
    </ul>
  `,
})
export class DiscoveryPage {
  private readonly api = inject(Api);
  protected readonly ago = ago;
  protected readonly filter = signal<StateFilter>('pending');
  protected readonly editing = signal<string | undefined>(undefined);
  protected readonly form = signal<ApproveForm | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly message = signal<string | undefined>(undefined);
  protected readonly actionError = signal<string | undefined>(undefined);

  protected readonly list = loader(() => {
    const state = this.filter();
    return this.api.get('/api/v1/discovery/proposals', {
      query: state === 'all' ? {} : { state },
    });
  });
  protected readonly proposals = computed(() =>
    [...(this.list.value() ?? [])].sort((a, b) => b.confidence - a.confidence),
  );

  constructor() {
    void this.list.reload();
    const stop = inject(LiveFeed).listen((m) => {
      if (LIVE_TYPES.has(m.type)) void this.list.reload();
    });
    inject(DestroyRef).onDestroy(stop);
  }

  protected name(p: Proposal): string {
    const n = p.suggestedApp['name'];
    return typeof n === 'string' && n ? n : p.detectedHost;
  }

  protected pct(c: number): number {
    return Math.round((c <= 1 ? c * 100 : c) as number);
  }

  protected ports(p: Proposal): number[] {
    const all = new Set([p.detectedPort, ...p.availablePorts.map((x) => x.port)]);
    return [...all].sort((a, b) => a - b);
  }

  protected setFilter(state: StateFilter): void {
    this.filter.set(state);
    void this.list.reload();
  }

  protected openApprove(p: Proposal): void {
    this.form.set(approveFormOf(p));
    this.editing.set(p.id);
  }

  protected approve(p: Proposal, form: ApproveForm): Promise<void> {
    return this.act(async () => {
      const reply = await this.api.post('/api/v1/discovery/proposals/{id}/approve', {
        path: { id: p.id },
        body: approveOverrides(p, form),
      });
      this.editing.set(undefined);
      return `Approved: app ${String(reply.app['id'] ?? '')} is routed.`;
    });
  }

  protected reject(p: Proposal): Promise<void> {
    const reason = prompt(`Reject ${this.name(p)}? Optionally give a reason:`, '');
    if (reason === null) return Promise.resolve();
    return this.act(async () => {
      await this.api.post('/api/v1/discovery/proposals/{id}/reject', {
        path: { id: p.id },
        body: reason ? { reason } : {},
      });
      return `Rejected ${this.name(p)}; it will not be proposed again.`;
    });
  }

  protected dismiss(p: Proposal): Promise<void> {
    return this.act(async () => {
      await this.api.post('/api/v1/discovery/proposals/{id}/dismiss', { path: { id: p.id } });
      return `Dismissed ${this.name(p)}; Rediscover shows it again.`;
    });
  }

  protected rediscover(): Promise<void> {
    return this.act(async () => {
      const r = await this.api.post('/api/v1/discovery/rediscover');
      return r.message;
    });
  }

  private async act(run: () => Promise<string>): Promise<void> {
    this.busy.set(true);
    this.actionError.set(undefined);
    this.message.set(undefined);
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
