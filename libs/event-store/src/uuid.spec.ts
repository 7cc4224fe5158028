import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('is a valid version 7 UUID carrying the time, and unique across many calls', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    const many = new Set(Array.from({ length: 20_000 }, () => uuidv7(at)));
    expect(many.size).toBe(20_000);
  });

  it('sorts by time', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
  });
});
