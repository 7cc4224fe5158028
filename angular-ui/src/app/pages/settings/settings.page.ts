import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ThemeService } from '../../core/theme';

/** Settings of this browser: the theme. */
@Component({
  selector: 'app-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Settings</h1>
    <fieldset class="themes">
      <legend>Theme</legend>
      @for (t of themes.themes; track t.id) {
        <label class="theme-choice" [attr.data-theme]="t.id">
          <input
            type="radio"
            name="theme"
            [value]="t.id"
            [checked]="themes.theme() === t.id"
            (change)="themes.select(t.id)"
          />
          <span class="swatch" aria-hidden="true"><span></span><span></span><span></span></span>
          <span
            ><strong>{{ t.name }}</strong
            ><br /><span class="muted small">{{ t.description }}</span></span
          >
        </label>
      }
    </fieldset>
    <p class="muted">The theme is kept in this browser.</p>
  `,
})
export class SettingsPage {
  protected readonly themes = inject(ThemeService);
}
