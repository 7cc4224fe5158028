import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Api } from '../../api/client';
import { LiveFeed, type LiveMessage } from '../../core/live';
import { loader } from '../../core/loader';
import { LoadState } from '../../shared/load-state';
import { ago } from '../../shared/format';
import { appHealth, describeMessage } from './overview.model';

/** Counts, every app's health, the projections and the live activity feed. */
@Component({
  selector: 'app-overview-page',
  imports: [RouterLink, LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Overview</h1>
    <app-load-state
      [loading]="data.loading()"
      [error]="data.error()"
      [empty]="!data.value()"
      (retry)="data.reload()"
    />
    @if (data.value(); as d) {
      <ul class="cards" aria-label="Counts">
        <li class="card">
          <a routerLink="/apps"
            ><span class="big">{{ d.apps.length }}</span> apps</a
          >
        </li>
        <li class="card">
          <a routerLink="/apps"
            ><span class="big">{{ d.routes.length }}</span> routes</a
          >
        </li>
        <li class="card">
          <a routerLink="/devices"
            ><span class="big">{{ d.devices.length }}</span> devices</a
          >
        </li>
        <li class="card">
          <a routerLink="/discovery"
            ><span class="big">{{ d.pending }}</span> pending proposals</a
          >
        </li>
        <li class="card">
          <span class="big">{{ d.health?.eventStore?.head ?? '—' }}</span> event-store head
        </li>
        <li class="card">
          <span class="big">{{ maxLag() }}</span> max projection lag
        </li>
      </ul>
      <div class="grid-2">
        <section aria-labelledby="health-title">
          <h2 id="health-title">App health</h2>
          @if (health().length === 0) {
            <p class="empty">No apps yet. Approve a proposal or add a route.</p>
          } @else {
            <table>
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Health</th>
                  <th scope="col">Routes</th>
                </tr>
              </thead>
              <tbody>
                @for (a of health(); track a.id) {
                  <tr>
                    <td>{{ a.name }}</td>
                    <td>
                      <span class="badge" [attr.data-tone]="a.tone">{{ a.status }}</span>
                    </td>
                    <td>{{ a.routes }}</td>
                  </tr>
                }
              </tbody>
            </table>
          }
          <h2>Projections</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Projection</th>
                <th scope="col">State</th>
                <th scope="col">Position</th>
                <th scope="col">Lag</th>
              </tr>
            </thead>
            <tbody>
              @for (p of d.health?.projections ?? []; track p.name) {
                <tr>
                  <td>{{ p.name }}</td>
                  <td>
                    <span class="badge" [attr.data-tone]="p.state === 'live' ? 'ok' : 'warn'">{{
                      p.state
                    }}</span>
                  </td>
                  <td>{{ p.position }}</td>
                  <td>{{ p.lag }}</td>
                </tr>
              }
            </tbody>
          </table>
        </section>
        <section aria-labelledby="activity-title">
          <h2 id="activity-title">Recent activity</h2>
          <ol class="feed" aria-live="polite" aria-label="Live activity">
            @for (a of d.activity; track $index) {
              <li>
                <span class="muted">{{ ago(a.timestamp) }}</span>
                <span [class]="a.iconClass">{{ a.message }}</span>
                @if (a.details) {
                  <span class="muted">— {{ a.details }}</span>
                }
              </li>
            } @empty {
              @for (m of live.recent(); track $index) {
                <li>
                  <span class="muted">{{ ago(m.timestamp) }}</span>
                  <span>{{ describe(m) }}</span>
                </li>
              } @empty {
                <li class="empty">Nothing has happened yet; changes appear here as they happen.</li>
              }
            }
          </ol>
        </section>
      </div>
    }
  `,
})
export class OverviewPage {
  private readonly api = inject(Api);
  protected readonly live = inject(LiveFeed);
  protected readonly ago = ago;
  protected readonly describe = (m: LiveMessage) => describeMessage(m);

  protected readonly data = loader(async () => {
    const [apps, routes, devices, proposals, health, activity] = await Promise.all([
      this.api.get('/api/v1/apps'),
      this.api.get('/api/v1/routes'),
      this.api.get('/api/v1/devices'),
      this.api.get('/api/v1/discovery/proposals', { query: { state: 'pending' } }),
      this.api.get('/healthz').catch(() => undefined),
      // The gateway's activity feed (a projection of the log): it is there before any live
      // message, and the page reloads it whenever one arrives.
      this.api.get('/api/v1/activity/recent', { query: { limit: 20 } }).catch(() => undefined),
    ]);
    return {
      apps,
      routes,
      devices: Array.isArray(devices) ? devices : devices.devices,
      pending: proposals.length,
      health,
      activity:
        activity === undefined ? [] : Array.isArray(activity) ? activity : activity.activities,
    };
  });

  protected readonly health = computed(() => {
    const d = this.data.value();
    return d ? appHealth(d.apps, d.routes) : [];
  });

  protected readonly maxLag = computed(() =>
    Math.max(0, ...(this.data.value()?.health?.projections ?? []).map((p) => p.lag)),
  );

  constructor() {
    void this.data.reload();
    const stop = this.live.listen(() => void this.data.reload());
    inject(DestroyRef).onDestroy(stop);
  }
}
