import { ValidationFailed, type ErrorDetail } from '#libs/kernel';

/** Which audit entries to show. Every field narrows; all are optional. */
export interface AuditFilter {
  /** Inclusive lower bound on the recorded time (ISO 8601, UTC). */
  since?: string;
  /** Inclusive upper bound on the recorded time. */
  until?: string;
  /** An actor id (`alice`, a device id), or `kind:id` (`device:abc`). */
  actor?: string;
  action?: string;
  /** A target id, or `type:id` (`route:grafana`). */
  target?: string;
  correlationId?: string;
  /** Stream name prefixes (`route-`, `device-abc`). */
  streams?: string[];
  /** Event types (`RouteAdded`). */
  types?: string[];
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * An RFC 3339 time (`2025-06-01T12:00:00Z`, an offset, or a bare date meaning its UTC
 * midnight) as an ISO string in UTC, or undefined when it is not one.
 */
export function parseTime(text: string): string | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  if (h !== undefined && mi !== undefined && Number(h) > 23) return undefined;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return undefined;
  const ms = Date.parse(h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : text.trim());
  if (Number.isNaN(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  // Date.parse rolls 2025-02-31 over to March; refuse dates that do not exist.
  if (h === undefined && iso.slice(0, 10) !== `${y}-${mo}-${d}`) return undefined;
  return iso;
}

const ID = /^[A-Za-z0-9._:@/+=-]{1,200}$/;

export interface RawAuditFilter {
  since?: string | undefined;
  until?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  correlationId?: string | undefined;
  streams?: readonly string[] | undefined;
  types?: readonly string[] | undefined;
}

/** Validates a filter as typed by a person or a URL; every problem at once. */
export function parseAuditFilter(raw: RawAuditFilter): AuditFilter {
  const problems: ErrorDetail[] = [];
  const filter: AuditFilter = {};
  for (const key of ['since', 'until'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    const time = parseTime(value);
    if (time === undefined)
      problems.push({
        field: key,
        message: `"${value}" is not an RFC 3339 time (e.g. 2025-06-01T12:00:00Z or 2025-06-01)`,
      });
    else filter[key] = time;
  }
  if (filter.since && filter.until && filter.since > filter.until)
    problems.push({ field: 'until', message: 'must not be before since' });
  for (const key of ['actor', 'action', 'target', 'correlationId'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (!ID.test(value))
      problems.push({
        field: key,
        message: 'must be 1-200 characters of letters, digits and . _ : @ / + = -',
      });
    else filter[key] = value;
  }
  for (const key of ['streams', 'types'] as const) {
    const values = raw[key];
    if (values === undefined || values.length === 0) continue;
    const bad = values.find((v) => !ID.test(v));
    if (bad !== undefined)
      problems.push({ field: key, message: `"${bad}" is not a stream prefix or type name` });
    else filter[key] = [...values];
  }
  if (problems.length > 0) throw new ValidationFailed(problems);
  return filter;
}

/** `kind:id` or a bare id. */
export function splitQualified(value: string): { qualifier?: string; id: string } {
  const colon = value.indexOf(':');
  return colon > 0
    ? { qualifier: value.slice(0, colon), id: value.slice(colon + 1) }
    : { id: value };
}
