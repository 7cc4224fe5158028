import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
} from '@angular/core';
import { Api, messageOf } from '../../api/client';
import { LiveFeed, type LiveMessage } from '../../core/live';
import { loader } from '../../core/loader';
import { LoadState } from '../../shared/load-state';

/** Lines kept in the log panel. */
const MAX_LINES = 500;

interface LogLine {
  stream: string;
  message: string;
}

/** The Docker engine's containers: state, start/stop/restart, and live logs. */
@Component({
  selector: 'app-containers-page',
  imports: [LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Containers</h1>
      <button type="button" class="ghost" (click)="list.reload()">Refresh</button>
    </div>
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <app-load-state
      [loading]="list.loading()"
      [error]="list.error()"
      [empty]="rows().length === 0"
      emptyText="The engine has no containers."
      (retry)="list.reload()"
    />
    @if (rows().length > 0) {
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Image</th>
            <th scope="col">State</th>
            <th scope="col">Ports</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (c of rows(); track c.id) {
            <tr>
              <td>
                <code>{{ c.name }}</code>
              </td>
              <td>{{ c.image }}</td>
              <td>
                <span class="badge" [attr.data-tone]="c.state === 'running' ? 'ok' : 'bad'">{{
                  c.state
                }}</span>
                <span class="muted">{{ c.status }}</span>
              </td>
              <td>{{ ports(c) }}</td>
              <td class="actions">
                @if (c.state === 'running') {
                  <button type="button" class="ghost" (click)="act(c.id, 'stop')">
                    Stop<span class="visually-hidden"> {{ c.name }}</span>
                  </button>
                  <button type="button" class="ghost" (click)="act(c.id, 'restart')">
                    Restart<span class="visually-hidden"> {{ c.name }}</span>
                  </button>
                } @else {
                  <button type="button" (click)="act(c.id, 'start')">
                    Start<span class="visually-hidden"> {{ c.name }}</span>
                  </button>
                }
                <button type="button" class="ghost" (click)="toggleLogs(c.id)">
                  {{ following() === c.id ? 'Hide logs' : 'Logs'
                  }}<span class="visually-hidden"> of {{ c.name }}</span>
                </button>
              </td>
            </tr>
          }
        </tbody>
      </table>
    }
    @if (following(); as id) {
      <section class="panel" aria-labelledby="logs-title">
        <h2 id="logs-title" class="h3">Logs of {{ nameOf(id) }}</h2>
        @if (logNote(); as n) {
          <p class="muted" role="status">{{ n }}</p>
        }
        <pre
          class="logs"
          aria-live="polite"
        >@for (l of lines(); track $index) {<span [class]="l.stream">{{ l.message }}
</span>}</pre>
      </section>
    }
  `,
})
export class ContainersPage {
  private readonly api = inject(Api);
  private readonly live = inject(LiveFeed);
  protected readonly actionError = signal<string | undefined>(undefined);
  protected readonly following = signal<string | undefined>(undefined);
  protected readonly lines = signal<LogLine[]>([]);
  protected readonly logNote = signal<string | undefined>(undefined);
  protected readonly list = loader(() => this.api.get('/api/v1/containers'));
  protected readonly rows = computed(() => this.list.value() ?? []);

  constructor() {
    void this.list.reload();
    const stop = this.live.listenLogs((m) => this.onLog(m));
    inject(DestroyRef).onDestroy(() => {
      stop();
      this.unfollow();
    });
  }

  protected ports(c: { ports: { publicPort?: number; privatePort: number; type: string }[] }) {
    return c.ports
      .map((p) => (p.publicPort ? `${p.publicPort}→${p.privatePort}` : `${p.privatePort}`))
      .join(', ');
  }

  protected nameOf(id: string): string {
    return this.rows().find((c) => c.id === id)?.name ?? id;
  }

  protected async act(id: string, action: 'start' | 'stop' | 'restart'): Promise<void> {
    this.actionError.set(undefined);
    try {
      const path = `/api/v1/containers/{id}/${action}` as const;
      await this.api.post(path, { path: { id } });
      await this.list.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    }
  }

  protected toggleLogs(id: string): void {
    const was = this.following();
    this.unfollow();
    if (was === id) return;
    this.lines.set([]);
    this.following.set(id);
    if (!this.live.send('container.logs.subscribe', { containerId: id, tail: 200 }))
      this.logNote.set('Not connected to the gateway; logs start when the connection is back.');
  }

  private unfollow(): void {
    const id = this.following();
    if (id) this.live.send('container.logs.unsubscribe', { containerId: id });
    this.following.set(undefined);
    this.logNote.set(undefined);
  }

  private onLog(m: LiveMessage): void {
    const data = (m.data ?? {}) as Record<string, unknown>;
    if (data['containerId'] !== this.following()) return;
    if (m.type === 'container.logs') {
      const line = { stream: String(data['stream']), message: String(data['message']) };
      this.lines.update((all) => [...all, line].slice(-MAX_LINES));
    } else if (m.type === 'container.logs.started') this.logNote.set('Following…');
    else if (m.type === 'container.logs.ended')
      this.logNote.set(
        data['reason'] === 'container_stopped' ? 'The container stopped.' : 'Logs ended.',
      );
    else if (m.type === 'container.logs.error') this.logNote.set(String(data['message']));
  }
}
