import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
} from '@angular/core';
import { Api, messageOf, type Schemas } from '../../api/client';
import { LiveFeed } from '../../core/live';
import { loader } from '../../core/loader';
import { LoadState } from '../../shared/load-state';
import { RouteEditor } from './route-editor';
import {
  emptyRouteForm,
  newRoute,
  routeFormOf,
  routePatch,
  type RouteForm,
} from './route-form.model';

type Route = Schemas['Route'];

const LIVE_TYPES = new Set([
  'app_registered',
  'route_added',
  'route_removed',
  'config_reload',
  'health_change',
  'proposal_approved',
]);

/** Apps with their routes and health: open, edit every field, delete, add by hand. */
@Component({
  selector: 'app-apps-page',
  imports: [LoadState, RouteEditor],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Apps &amp; routes</h1>
      <button type="button" (click)="startNew()">Add a route</button>
    </div>
    @if (message(); as m) {
      <p class="notice" role="status">{{ m }}</p>
    }
    @if (editing() === '+new' && form(); as f) {
      <div class="panel">
        <app-route-editor
          [form]="f"
          [isNew]="true"
          title="New route"
          [busy]="busy()"
          [error]="formError()"
          (save)="create($event)"
          (cancel)="editing.set(undefined)"
        />
      </div>
    }
    <app-load-state
      [loading]="data.loading()"
      [error]="data.error()"
      [empty]="apps().length === 0"
      emptyText="No apps yet. Approve a discovery proposal or add a route by hand."
      (retry)="data.reload()"
    />
    <ul class="app-list">
      @for (a of apps(); track a.app.id) {
        <li class="panel" [attr.aria-labelledby]="'app-' + a.app.id">
          <div class="row spread">
            <h2 class="h3" [id]="'app-' + a.app.id">
              {{ a.app.name || a.app.id }} <span class="muted">({{ a.app.id }})</span>
            </h2>
            <div class="row">
              @if (a.app.proxyPath) {
                <a class="button" [href]="a.app.proxyPath" target="_blank" rel="noopener"
                  >Open<span class="visually-hidden"> {{ a.app.name }}</span></a
                >
              }
              <button type="button" class="danger ghost" (click)="removeApp(a.app)">
                Delete app<span class="visually-hidden"> {{ a.app.name }}</span>
              </button>
            </div>
          </div>
          <table>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Path</th>
                <th scope="col">Upstream</th>
                <th scope="col">Health</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (r of a.routes; track r.routeId) {
                <tr>
                  <td>{{ r.routeId }}</td>
                  <td>
                    <code>{{ r.pathBase }}</code>
                  </td>
                  <td>
                    <code>{{ r.to }}</code>
                  </td>
                  <td>
                    <span class="badge" [attr.data-tone]="tone(r)">{{ r.status }}</span>
                  </td>
                  <td class="actions">
                    <button type="button" class="ghost" (click)="startEdit(r)">
                      Edit<span class="visually-hidden"> route {{ r.routeId }}</span>
                    </button>
                    <button type="button" class="ghost danger" (click)="removeRoute(r)">
                      Delete<span class="visually-hidden"> route {{ r.routeId }}</span>
                    </button>
                  </td>
                </tr>
              } @empty {
                <tr>
                  <td colspan="5" class="empty">No routes.</td>
                </tr>
              }
            </tbody>
          </table>
          <!-- The editor sits below the table, not in a row of it: a narrow screen scrolls the
               table sideways but must fit the form. -->
          @for (r of a.routes; track r.routeId) {
            @if (editing() === r.routeId && form(); as f) {
              <app-route-editor
                [form]="f"
                [title]="'Edit route ' + r.routeId"
                [busy]="busy()"
                [error]="formError()"
                (save)="update(r, $event)"
                (cancel)="editing.set(undefined)"
              />
            }
          }
        </li>
      }
    </ul>
  `,
})
export class AppsPage {
  private readonly api = inject(Api);
  protected readonly editing = signal<string | undefined>(undefined);
  protected readonly form = signal<RouteForm | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly formError = signal<string | undefined>(undefined);
  protected readonly message = signal<string | undefined>(undefined);

  protected readonly data = loader(async () => {
    const [apps, routes] = await Promise.all([
      this.api.get('/api/v1/apps'),
      this.api.get('/api/v1/routes'),
    ]);
    return { apps, routes };
  });

  protected readonly apps = computed(() => {
    const d = this.data.value();
    if (!d) return [];
    return [...d.apps]
      .sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id))
      .map((app) => ({ app, routes: d.routes.filter((r) => r.appId === app.id) }));
  });

  constructor() {
    void this.data.reload();
    const stop = inject(LiveFeed).listen((m) => {
      // A reload while editing would not touch the form: the form holds its own copy.
      if (LIVE_TYPES.has(m.type)) void this.data.reload();
    });
    inject(DestroyRef).onDestroy(stop);
  }

  protected tone(r: Route): string {
    return r.status === 'ACTIVE' ? 'ok' : r.status === 'UNHEALTHY' ? 'bad' : 'warn';
  }

  protected startNew(): void {
    this.formError.set(undefined);
    this.form.set(emptyRouteForm());
    this.editing.set('+new');
  }

  protected startEdit(r: Route): void {
    this.formError.set(undefined);
    this.form.set(routeFormOf(r));
    this.editing.set(r.routeId);
  }

  protected create(form: RouteForm): Promise<void> {
    return this.act(async () => {
      const route = await this.api.post('/api/v1/routes', { body: newRoute(form) });
      return `Route ${route.routeId} added at ${route.pathBase}.`;
    });
  }

  protected update(original: Route, form: RouteForm): Promise<void> {
    return this.act(async () => {
      const patch = routePatch(original, form);
      if (Object.keys(patch).length === 0) return 'Nothing changed.';
      await this.api.patch('/api/v1/routes/{routeId}', {
        path: { routeId: original.routeId },
        body: patch,
      });
      return `Route ${original.routeId} saved (${Object.keys(patch).join(', ')}).`;
    });
  }

  protected async removeRoute(r: Route): Promise<void> {
    if (!confirm(`Delete route ${r.routeId} (${r.pathBase})? Requests to it will get 404.`)) return;
    await this.act(async () => {
      await this.api.delete('/api/v1/routes/{routeId}', { path: { routeId: r.routeId } });
      return `Route ${r.routeId} deleted.`;
    });
  }

  protected async removeApp(app: Schemas['App']): Promise<void> {
    if (!confirm(`Delete app ${app.name || app.id} and all of its routes?`)) return;
    await this.act(async () => {
      await this.api.delete('/api/v1/apps/{appId}', { path: { appId: app.id } });
      return `App ${app.id} deleted.`;
    });
  }

  private async act(run: () => Promise<string>): Promise<void> {
    this.busy.set(true);
    this.formError.set(undefined);
    try {
      this.message.set(await run());
      this.editing.set(undefined);
      await this.data.reload();
    } catch (e) {
      this.formError.set(messageOf(e));
      if (this.editing() === undefined) this.message.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }
}
