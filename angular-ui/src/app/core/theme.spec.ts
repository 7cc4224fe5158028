import { TestBed } from '@angular/core/testing';
import { DEFAULT_THEME, THEME_KEY, THEMES, ThemeService } from './theme';

describe('ThemeService', () => {
  beforeEach(() => localStorage.clear());

  it('starts with the terminal theme and offers at least four others', () => {
    const themes = TestBed.inject(ThemeService);
    expect(themes.theme()).toBe(DEFAULT_THEME);
    expect(DEFAULT_THEME).toBe('terminal');
    expect(THEMES.length).toBeGreaterThanOrEqual(5);
    expect(document.documentElement.dataset['theme']).toBe('terminal');
  });

  it('applies and remembers a choice, and ignores unknown ids', () => {
    TestBed.inject(ThemeService).select('daylight');
    expect(localStorage.getItem(THEME_KEY)).toBe('daylight');
    expect(document.documentElement.dataset['theme']).toBe('daylight');
    TestBed.inject(ThemeService).select('nope');
    expect(localStorage.getItem(THEME_KEY)).toBe('daylight');
  });
});
