import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-not-found-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="auth-card">
      <h1>Not found</h1>
      <p>The portal has no page here. <a routerLink="/overview">Go to the overview</a>.</p>
    </section>
  `,
})
export class NotFoundPage {}
