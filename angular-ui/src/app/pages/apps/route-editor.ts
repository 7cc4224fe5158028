import { ChangeDetectionStrategy, Component, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { BOOLEAN_FIELDS, type RouteForm } from './route-form.model';

/** Every field of a route, for a new route or an existing one (presentational). */
@Component({
  selector: 'app-route-editor',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let f = form();
    <form class="grid-form" (ngSubmit)="save.emit(f)" [attr.aria-label]="title()">
      <h3 class="full">{{ title() }}</h3>
      <label
        >Route id
        <input name="routeId" [(ngModel)]="f.routeId" [readonly]="!isNew()" required />
      </label>
      <label>App id <input name="appId" [(ngModel)]="f.appId" required /></label>
      @if (isNew()) {
        <label>App name <input name="appName" [(ngModel)]="f.appName" /></label>
      }
      <label
        >Path on the gateway
        <input name="pathBase" [(ngModel)]="f.pathBase" placeholder="/apps/grafana/" required />
      </label>
      <label
        >Upstream URL
        <input name="to" [(ngModel)]="f.to" placeholder="http://192.168.1.10:3000" required />
      </label>
      <label>Container id <input name="containerId" [(ngModel)]="f.containerId" /></label>
      <label>Scopes (comma-separated) <input name="scopes" [(ngModel)]="f.scopes" /></label>
      <label
        >Routing mode
        <select name="routingMode" [(ngModel)]="f.routingMode">
          <option value="">Default</option>
          <option value="path">Path</option>
          <option value="subdomain">Subdomain</option>
          <option value="both">Both</option>
        </select>
      </label>
      <label>Subdomain <input name="subdomain" [(ngModel)]="f.subdomain" /></label>
      <label
        >Excluded paths (comma-separated)
        <input name="excludePaths" [(ngModel)]="f.excludePaths" />
      </label>
      <label
        >Health check path <input name="healthCheckPath" [(ngModel)]="f.healthCheckPath"
      /></label>
      <label
        >Health check timeout
        <input name="healthCheckTimeout" [(ngModel)]="f.healthCheckTimeout" placeholder="5s" />
      </label>
      <label
        >Health check interval
        <input name="healthCheckInterval" [(ngModel)]="f.healthCheckInterval" placeholder="30s" />
      </label>
      <label
        >Expected status codes
        <input
          name="expectedStatusCodes"
          [(ngModel)]="f.expectedStatusCodes"
          placeholder="200, 204"
        />
      </label>
      <label
        >Body limit (bytes, 0 = gateway default)
        <input name="maxBodyBytes" type="number" min="0" [(ngModel)]="f.maxBodyBytes" />
      </label>
      <label
        >Rate limit per client (requests/minute, 0 = none)
        <input name="rateLimitPerMinute" type="number" min="0" [(ngModel)]="f.rateLimitPerMinute" />
      </label>
      <label
        >Burst (requests at once)
        <input name="rateLimitBurst" type="number" min="0" [(ngModel)]="f.rateLimitBurst" />
      </label>
      <fieldset class="full checks">
        <legend>Options</legend>
        @for (b of booleans; track b[0]) {
          <label class="inline"
            ><input type="checkbox" [name]="b[0]" [(ngModel)]="f[b[0]]" /> {{ b[1] }}</label
          >
        }
      </fieldset>
      @if (error(); as e) {
        <p class="notice error full" role="alert">{{ e }}</p>
      }
      <div class="row full">
        <button type="submit" [disabled]="busy()">{{ isNew() ? 'Add route' : 'Save' }}</button>
        <button type="button" class="ghost" (click)="cancel.emit()">Cancel</button>
      </div>
    </form>
  `,
})
export class RouteEditor {
  readonly form = input.required<RouteForm>();
  readonly isNew = input(false);
  readonly title = input('Route');
  readonly busy = input(false);
  readonly error = input<string | undefined>(undefined);
  readonly save = output<RouteForm>();
  readonly cancel = output();
  protected readonly booleans = BOOLEAN_FIELDS;
  protected readonly touched = signal(false);
}
