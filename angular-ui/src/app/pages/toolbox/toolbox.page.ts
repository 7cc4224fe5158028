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
import { LoadState } from '../../shared/load-state';

type Template = Schemas['ToolboxService'];
type Deployment = Schemas['ToolboxDeployment'];

/** The catalogue, a deploy form made from a template's variables, and the deployments. */
@Component({
  selector: 'app-toolbox-page',
  imports: [LoadState, FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Toolbox</h1>
      <button type="button" class="ghost" (click)="reload()">Refresh</button>
    </div>
    @if (catalog.value()?.enabled === false) {
      <p class="notice" role="status">
        The toolbox is off. Turn it on with <code>toolbox.enabled: true</code> in the config file.
      </p>
    }
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <h2>Deployments</h2>
    <app-load-state
      [loading]="deployments.loading()"
      [error]="deployments.error()"
      [empty]="deploymentRows().length === 0"
      emptyText="Nothing deployed yet."
      (retry)="deployments.reload()"
    />
    @for (d of deploymentRows(); track d.id) {
      <section class="panel" [attr.aria-labelledby]="'dep-' + d.id">
        <div class="row spread">
          <h3 class="h3" [id]="'dep-' + d.id">
            {{ d.service_name }} <span class="muted">({{ d.service_template_id }})</span>
            <span class="badge" [attr.data-tone]="tone(d.status)">{{ d.status }}</span>
          </h3>
          <div class="row">
            @if (d.status === 'deployed') {
              <button type="button" class="ghost" (click)="act(d, 'stop')">
                Stop<span class="visually-hidden"> {{ d.service_name }}</span>
              </button>
            } @else if (d.status !== 'deploying') {
              <button type="button" (click)="act(d, 'start')">
                Start<span class="visually-hidden"> {{ d.service_name }}</span>
              </button>
            }
            <button type="button" class="ghost danger" (click)="remove(d)">
              Remove<span class="visually-hidden"> {{ d.service_name }}</span>
            </button>
          </div>
        </div>
        @if (d.progress) {
          <p class="muted" role="status">{{ progressText(d.progress) }}</p>
        }
        @if (d.error_message) {
          <p class="error-text">Failed in {{ d.failed_phase }}: {{ d.error_message }}</p>
        }
        <p class="muted">
          Containers: {{ names(d) || '—' }} · volumes: {{ d.volume_names.join(', ') || '—' }}
        </p>
      </section>
    }

    <h2>Catalogue</h2>
    <div class="filters">
      <label
        >Category
        <select name="category" [ngModel]="category()" (ngModelChange)="category.set($event)">
          <option value="">All</option>
          @for (c of categories(); track c) {
            <option [value]="c">{{ c }}</option>
          }
        </select>
      </label>
      <label
        >Search <input name="search" [ngModel]="search()" (ngModelChange)="search.set($event)"
      /></label>
    </div>
    <app-load-state
      [loading]="catalog.loading()"
      [error]="catalog.error()"
      [empty]="templates().length === 0"
      emptyText="No service matches."
      (retry)="catalog.reload()"
    />
    <ul class="cards-list plain">
      @for (t of templates(); track t.id) {
        <li class="panel">
          <div class="row spread">
            <h3 class="h3">
              {{ t.name }} <span class="muted">{{ t.category }}</span>
            </h3>
            <button type="button" (click)="choose(t)">
              Deploy…<span class="visually-hidden"> {{ t.name }}</span>
            </button>
          </div>
          <p>{{ t.description }}</p>
          @if (chosen()?.id === t.id) {
            <form class="grid-form" (ngSubmit)="deploy(t)" [attr.aria-label]="'Deploy ' + t.name">
              <label
                >Service name
                <input name="service_name" [(ngModel)]="serviceName" required maxlength="63" />
              </label>
              @for (v of t.env_vars; track v.name) {
                <label
                  >{{ v.label }}{{ v.required ? ' *' : '' }}
                  <input
                    [name]="'var-' + v.name"
                    [type]="
                      v.type === 'password' ? 'password' : v.type === 'number' ? 'number' : 'text'
                    "
                    [required]="v.required"
                    [placeholder]="v.default ?? ''"
                    [ngModel]="values()[v.name] || ''"
                    (ngModelChange)="setValue(v.name, $event)"
                  />
                  @if (v.message || v.description) {
                    <small class="muted">{{ v.message || v.description }}</small>
                  }
                </label>
              }
              <label class="inline full"
                ><input type="checkbox" name="auto_start" [(ngModel)]="autoStart" /> Start it
                now</label
              >
              @if (formError(); as e) {
                <p class="notice error full" role="alert">{{ e }}</p>
              }
              <div class="row full">
                <button type="submit" [disabled]="busy()">Deploy</button>
                <button type="button" class="ghost" (click)="chosen.set(undefined)">Cancel</button>
              </div>
            </form>
          }
        </li>
      }
    </ul>
    @if (broken().length > 0) {
      <h2>Templates that do not load</h2>
      <ul>
        @for (b of broken(); track b.id) {
          <li>
            <code>{{ b.id }}</code>: {{ b.reason }}
          </li>
        }
      </ul>
    }
  `,
})
export class ToolboxPage {
  private readonly api = inject(Api);
  private readonly live = inject(LiveFeed);
  protected readonly category = signal('');
  protected readonly search = signal('');
  protected readonly chosen = signal<Template | undefined>(undefined);
  protected readonly values = signal<Record<string, string>>({});
  protected readonly busy = signal(false);
  protected readonly formError = signal<string | undefined>(undefined);
  protected readonly actionError = signal<string | undefined>(undefined);
  protected serviceName = '';
  protected autoStart = true;

  protected readonly catalog = loader(() => this.api.get('/api/v1/toolbox/services'));
  protected readonly deployments = loader(() => this.api.get('/api/v1/toolbox/deployments'));
  protected readonly deploymentRows = computed(() => this.deployments.value()?.deployments ?? []);
  protected readonly broken = computed(() => this.catalog.value()?.broken ?? []);
  protected readonly categories = computed(() =>
    [...new Set((this.catalog.value()?.services ?? []).map((t) => t.category))].sort(),
  );
  protected readonly templates = computed(() => {
    const words = this.search().trim().toLowerCase();
    return (this.catalog.value()?.services ?? []).filter(
      (t) =>
        (!this.category() || t.category === this.category()) &&
        (!words ||
          `${t.name} ${t.description} ${(t.tags ?? []).join(' ')}`.toLowerCase().includes(words)),
    );
  });

  constructor() {
    this.reload();
    // Progress and status arrive over the WebSocket: the list follows them without polling.
    const stop = this.live.listen((m) => {
      if (m.type.startsWith('toolbox.deployment')) void this.deployments.reload();
    });
    inject(DestroyRef).onDestroy(stop);
  }

  protected reload(): void {
    void this.catalog.reload();
    void this.deployments.reload();
  }

  protected tone(status: string): string {
    return status === 'deployed' ? 'ok' : status === 'failed' ? 'bad' : 'warn';
  }

  protected names(d: Deployment): string {
    return d.containers.map((c) => c.name).join(', ');
  }

  protected progressText(progress: unknown): string {
    const p = progress as { phase?: unknown; message?: unknown };
    return [p.phase, p.message].filter((x) => typeof x === 'string').join(': ');
  }

  protected choose(t: Template): void {
    this.chosen.set(t);
    this.serviceName = t.id;
    this.values.set({});
    this.formError.set(undefined);
  }

  protected setValue(name: string, value: unknown): void {
    this.values.update((all) => ({ ...all, [name]: String(value ?? '') }));
  }

  protected async deploy(t: Template): Promise<void> {
    this.busy.set(true);
    this.formError.set(undefined);
    try {
      const envVars = Object.fromEntries(Object.entries(this.values()).filter(([, v]) => v !== ''));
      await this.api.post('/api/v1/toolbox/deploy', {
        body: {
          service_id: t.id,
          service_name: this.serviceName.trim(),
          env_vars: envVars,
          auto_start: this.autoStart,
        },
      });
      this.chosen.set(undefined);
      await this.deployments.reload();
    } catch (e) {
      this.formError.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async act(d: Deployment, action: 'start' | 'stop'): Promise<void> {
    this.actionError.set(undefined);
    try {
      const path = `/api/v1/toolbox/deployments/{id}/${action}` as const;
      await this.api.post(path, { path: { id: d.id } });
      await this.deployments.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    }
  }

  protected async remove(d: Deployment): Promise<void> {
    if (!confirm(`Remove ${d.service_name} and its containers?`)) return;
    const volumes = confirm(
      `Also delete its volumes (${d.volume_names.join(', ') || 'none'})? Their data is lost.`,
    );
    this.actionError.set(undefined);
    try {
      await this.api.delete('/api/v1/toolbox/deployments/{id}', {
        path: { id: d.id },
        query: { removeVolumes: volumes ? 'true' : 'false' },
      });
      await this.deployments.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    }
  }
}
