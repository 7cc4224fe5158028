import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { messageOf } from '../../api/client';
import { Session } from '../../core/session';

@Component({
  selector: 'app-sign-in-page',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="auth-card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title"><span aria-hidden="true">&gt;_</span> Sign in to Nekzus</h1>
      <form (ngSubmit)="submit()" class="stack">
        <label
          >Username
          <input name="username" autocomplete="username" required [(ngModel)]="username" />
        </label>
        <label
          >Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            [(ngModel)]="password"
          />
        </label>
        @if (error(); as message) {
          <p class="notice error" role="alert">{{ message }}</p>
        }
        <button type="submit" [disabled]="busy()">Sign in</button>
      </form>
    </section>
  `,
})
export class SignInPage {
  /** Where to go afterwards (the page that asked for a sign-in). */
  readonly next = input<string>();
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  protected readonly username = signal('');
  protected readonly password = signal('');
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);

  protected async submit(): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await this.session.signIn(this.username().trim(), this.password());
      const next = this.next();
      // Only a path of this portal, never another origin.
      await this.router.navigateByUrl(
        next?.startsWith('/') && !next.startsWith('//') ? next : '/overview',
      );
    } catch (e) {
      this.error.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }
}
