import { Injectable, signal } from '@angular/core';

export interface Theme {
  id: string;
  name: string;
  description: string;
}

/** Every theme is a set of CSS custom properties in styles.css under `[data-theme=<id>]`. */
export const THEMES: readonly Theme[] = [
  { id: 'terminal', name: 'Terminal', description: 'Green phosphor on black, monospace' },
  { id: 'daylight', name: 'Daylight', description: 'Light, calm and plain' },
  { id: 'midnight', name: 'Midnight', description: 'Dark slate with a blue accent' },
  { id: 'solarized', name: 'Solarized', description: 'Warm light tones' },
  { id: 'amber', name: 'Amber', description: 'Amber monochrome terminal' },
  { id: 'contrast', name: 'High contrast', description: 'Black and white, strongest contrast' },
];

export const DEFAULT_THEME = 'terminal';
export const THEME_KEY = 'nekzus.theme';

/** The chosen theme, kept in this browser's localStorage and applied to the root element. */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  readonly themes = THEMES;
  private readonly current = signal(DEFAULT_THEME);
  readonly theme = this.current.asReadonly();

  constructor() {
    this.apply(this.stored() ?? DEFAULT_THEME);
  }

  select(id: string): void {
    if (!THEMES.some((t) => t.id === id)) return;
    try {
      localStorage.setItem(THEME_KEY, id);
    } catch {
      // private mode: the choice lasts for this page only
    }
    this.apply(id);
  }

  private stored(): string | undefined {
    try {
      const id = localStorage.getItem(THEME_KEY);
      return id && THEMES.some((t) => t.id === id) ? id : undefined;
    } catch {
      return undefined;
    }
  }

  private apply(id: string): void {
    this.current.set(id);
    document.documentElement.dataset['theme'] = id;
  }
}
