import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

/** The loading, error and empty states every list shows the same way. */
@Component({
  selector: 'app-load-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error(); as message) {
      <div class="notice error" role="alert">
        <span>{{ message }}</span>
        <button type="button" class="ghost" (click)="retry.emit()">Retry</button>
      </div>
    } @else if (loading() && empty()) {
      <p class="muted" role="status" aria-live="polite">Loading…</p>
    } @else if (empty()) {
      <p class="empty">{{ emptyText() }}</p>
    }
  `,
})
export class LoadState {
  readonly loading = input(false);
  readonly error = input<string | undefined>(undefined);
  readonly empty = input(false);
  readonly emptyText = input('Nothing here yet.');
  readonly retry = output();
}
