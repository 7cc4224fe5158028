import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Api, messageOf, type Schemas } from '../../api/client';
import { loader } from '../../core/loader';
import { copyText } from '../../shared/clipboard';
import { ago, fromLocalInput, splitList } from '../../shared/format';
import { LoadState } from '../../shared/load-state';

/** The scopes a key may carry (the gateway also accepts `access:<app id>`). */
export const KEY_SCOPES = [
  'read:catalog',
  'read:events',
  'read:devices',
  'read:metrics',
  'read:*',
  'write:routes',
  'write:devices',
  'write:webhooks',
  'write:*',
  'access:admin',
] as const;

/** API keys: create (the secret is shown once), list, revoke. */
@Component({
  selector: 'app-api-keys-page',
  imports: [FormsModule, LoadState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>API keys</h1>
    @if (created(); as k) {
      <div class="panel secret" role="alert" aria-labelledby="secret-title">
        <h2 id="secret-title" class="h3">Key “{{ k.name }}” created</h2>
        <p>Copy it now: it is shown this once and never again.</p>
        <div class="row">
          <input
            class="mono grow"
            readonly
            [value]="k.key"
            aria-label="The new API key"
            (focus)="$any($event.target).select()"
          />
          <button type="button" (click)="copy(k.key)">Copy</button>
          <button type="button" class="ghost" (click)="created.set(undefined)">Done</button>
        </div>
        @if (copied()) {
          <p class="muted" role="status">Copied to the clipboard.</p>
        }
      </div>
    }
    <form class="panel grid-form" (ngSubmit)="create()" aria-labelledby="new-key-title">
      <h2 id="new-key-title" class="h3 full">New key</h2>
      <label>Name <input name="name" [(ngModel)]="name" required maxlength="100" /></label>
      <label
        >Expires (optional)
        <input name="expires" type="datetime-local" [(ngModel)]="expires" />
      </label>
      <fieldset class="full checks">
        <legend>Scopes</legend>
        @for (s of scopes; track s) {
          <label class="inline"
            ><input
              type="checkbox"
              [name]="'scope-' + s"
              [checked]="chosen().has(s)"
              (change)="toggle(s)"
            />
            <code>{{ s }}</code></label
          >
        }
        <label
          >Other scopes (e.g. access:grafana)
          <input name="extra" [(ngModel)]="extra" />
        </label>
      </fieldset>
      @if (formError(); as e) {
        <p class="notice error full" role="alert">{{ e }}</p>
      }
      <div class="full"><button type="submit" [disabled]="busy()">Create key</button></div>
    </form>
    <h2>Keys</h2>
    @if (actionError(); as e) {
      <p class="notice error" role="alert">{{ e }}</p>
    }
    <app-load-state
      [loading]="list.loading()"
      [error]="list.error()"
      [empty]="keys().length === 0"
      emptyText="No API keys yet."
      (retry)="list.reload()"
    />
    @if (keys().length > 0) {
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (k of keys(); track k.id) {
            <tr>
              <td>{{ k.name }}</td>
              <td>
                <code>{{ k.prefix }}…</code>
              </td>
              <td>{{ k.scopes.join(', ') }}</td>
              <td>{{ ago(k.createdAt) }}</td>
              <td>{{ k.expiresAt ? ago(k.expiresAt) : 'never' }}</td>
              <td>
                <span class="badge" [attr.data-tone]="k.revokedAt ? 'bad' : 'ok'">{{
                  k.revokedAt ? 'revoked' : 'active'
                }}</span>
              </td>
              <td class="actions">
                @if (!k.revokedAt) {
                  <button type="button" class="ghost danger" (click)="revoke(k)">
                    Revoke<span class="visually-hidden"> {{ k.name }}</span>
                  </button>
                }
              </td>
            </tr>
          }
        </tbody>
      </table>
    }
  `,
})
export class ApiKeysPage {
  private readonly api = inject(Api);
  protected readonly ago = ago;
  protected readonly scopes = KEY_SCOPES;
  protected readonly name = signal('');
  protected readonly expires = signal('');
  protected readonly extra = signal('');
  protected readonly chosen = signal(new Set<string>(['read:catalog']));
  protected readonly created = signal<Schemas['ApiKeyCreated'] | undefined>(undefined);
  protected readonly copied = signal(false);
  protected readonly busy = signal(false);
  protected readonly formError = signal<string | undefined>(undefined);
  protected readonly actionError = signal<string | undefined>(undefined);

  protected readonly list = loader(() => this.api.get('/api/v1/apikeys'));
  protected readonly keys = computed(() =>
    [...(this.list.value() ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
  );

  constructor() {
    void this.list.reload();
  }

  protected toggle(scope: string): void {
    this.chosen.update((set) => {
      const next = new Set(set);
      if (next.has(scope)) next.delete(scope);
      else next.add(scope);
      return next;
    });
  }

  protected async create(): Promise<void> {
    this.busy.set(true);
    this.formError.set(undefined);
    try {
      const scopes = [...new Set([...this.chosen(), ...splitList(this.extra())])];
      const expiresAt = fromLocalInput(this.expires());
      const key = await this.api.post('/api/v1/apikeys', {
        body: { name: this.name().trim(), scopes, ...(expiresAt ? { expiresAt } : {}) },
      });
      this.copied.set(false);
      this.created.set(key);
      this.name.set('');
      this.expires.set('');
      this.extra.set('');
      await this.list.reload();
    } catch (e) {
      this.formError.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async copy(text: string): Promise<void> {
    if (await copyText(text)) this.copied.set(true);
    else
      this.formError.set('The browser refused the clipboard; select the key and copy it by hand.');
  }

  protected async revoke(k: Schemas['ApiKey']): Promise<void> {
    if (!confirm(`Revoke the key ${k.name}? Scripts using it stop working at once.`)) return;
    this.actionError.set(undefined);
    try {
      await this.api.delete('/api/v1/apikeys/{keyId}', { path: { keyId: k.id } });
      await this.list.reload();
    } catch (e) {
      this.actionError.set(messageOf(e));
    }
  }
}
