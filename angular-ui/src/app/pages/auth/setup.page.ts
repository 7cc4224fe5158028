import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { messageOf } from '../../api/client';
import { Session } from '../../core/session';

/** First run: the gateway has no administrator yet; this creates it and signs in. */
@Component({
  selector: 'app-setup-page',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="auth-card" aria-labelledby="setup-title">
      <h1 id="setup-title"><span aria-hidden="true">&gt;_</span> Welcome to Nekzus</h1>
      <p class="muted">Create the administrator account. You can sign in with it from now on.</p>
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
            autocomplete="new-password"
            required
            minlength="8"
            [(ngModel)]="password"
          />
        </label>
        <label
          >Repeat the password
          <input
            name="repeat"
            type="password"
            autocomplete="new-password"
            required
            [(ngModel)]="repeat"
          />
        </label>
        @if (error(); as message) {
          <p class="notice error" role="alert">{{ message }}</p>
        }
        <button type="submit" [disabled]="busy()">Create account</button>
      </form>
    </section>
  `,
})
export class SetupPage {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  protected readonly username = signal('admin');
  protected readonly password = signal('');
  protected readonly repeat = signal('');
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);

  protected async submit(): Promise<void> {
    if (this.password() !== this.repeat()) {
      this.error.set('The two passwords differ.');
      return;
    }
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await this.session.setup(this.username().trim(), this.password());
      await this.router.navigate(['/overview']);
    } catch (e) {
      this.error.set(messageOf(e));
    } finally {
      this.busy.set(false);
    }
  }
}
