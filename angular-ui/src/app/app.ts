import { ChangeDetectionStrategy, Component, effect, inject } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { LiveFeed } from './core/live';
import { Session } from './core/session';
import { ThemeService } from './core/theme';

interface NavItem {
  path: string;
  label: string;
}

export const NAV: readonly NavItem[] = [
  { path: '/overview', label: 'Overview' },
  { path: '/discovery', label: 'Discovery' },
  { path: '/apps', label: 'Apps & routes' },
  { path: '/devices', label: 'Devices' },
  { path: '/toolbox', label: 'Toolbox' },
  { path: '/containers', label: 'Containers' },
  { path: '/api-keys', label: 'API keys' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/audit', label: 'Audit' },
  { path: '/settings', label: 'Settings' },
];

/** The frame: navigation and the live indicator once signed in, the page in the middle. */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    @if (session.signedIn()) {
      <header class="topbar">
        <a class="brand" routerLink="/overview" aria-label="Nekzus overview">
          <span aria-hidden="true">&gt;_</span> nekzus
        </a>
        <nav aria-label="Main" class="nav">
          @for (item of nav; track item.path) {
            <a [routerLink]="item.path" routerLinkActive="active" ariaCurrentWhenActive="page">{{
              item.label
            }}</a>
          }
        </nav>
        <div class="who">
          <span class="live" [attr.data-status]="live.status()" role="status">
            <span class="dot" aria-hidden="true"></span> live: {{ live.status() }}
          </span>
          <span class="muted">{{ session.user()?.username }}</span>
          <button type="button" class="ghost" (click)="signOut()">Sign out</button>
        </div>
      </header>
    }
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
})
export class App {
  protected readonly session = inject(Session);
  protected readonly live = inject(LiveFeed);
  protected readonly nav = NAV;
  private readonly router = inject(Router);

  constructor() {
    inject(ThemeService);
    effect(() => {
      const state = this.session.state();
      if (state === 'signed-in') this.live.connect();
      else this.live.disconnect();
      if (state === 'signed-out' && !this.router.url.startsWith('/sign-in'))
        void this.router.navigate(['/sign-in']);
    });
  }

  protected async signOut(): Promise<void> {
    await this.session.signOut().catch(() => undefined);
    await this.router.navigate(['/sign-in']);
  }
}
