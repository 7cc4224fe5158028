import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '#libs/kernel';
import { parseAuditFilter, parseTime } from './audit-filter';

describe('audit filters', () => {
  it('read RFC 3339 times with offsets and bare dates as UTC', () => {
    expect(parseTime('2025-06-01T14:00:00+02:00')).toBe('2025-06-01T12:00:00.000Z');
    expect(parseTime('2025-06-01')).toBe('2025-06-01T00:00:00.000Z');
    expect(parseTime('2025-02-31')).toBeUndefined();
    expect(parseTime('yesterday')).toBeUndefined();
    expect(parseTime('2025-06-01T25:00:00Z')).toBeUndefined();
  });

  it('list every bad value at once', () => {
    let error: unknown;
    try {
      parseAuditFilter({ since: 'x', until: '2025-01-01', actor: 'bad actor!' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).details.map((d) => d.field)).toEqual(['since', 'actor']);
    expect(() => parseAuditFilter({ since: '2025-02-01', until: '2025-01-01' })).toThrow(
      /until: must not be before since/,
    );
  });
});
