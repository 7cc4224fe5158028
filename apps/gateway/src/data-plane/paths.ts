import type { RouteSpec } from '#libs/routing';
import type { Upstream } from './upstream';

/**
 * A path with `.`/`..` segments or empty segments, cleaned (as Go's ServeMux does before
 * Nekzus sees it), or undefined when it is clean already. Encoded characters are left alone:
 * `%2e%2e` is data to us, not a segment.
 */
export function cleanedPath(path: string): string | undefined {
  if (!path.includes('//') && !path.includes('/.')) return undefined;
  const segments = path.split('/');
  const out: string[] = [];
  let dirty = false;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      dirty = true;
      if (segment === '..') out.pop();
      if (last) out.push('');
    } else if (segment === '' && !last) dirty = true;
    else out.push(segment);
  }
  return dirty ? `/${out.join('/')}` : undefined;
}

/** The upstream path (and query) for an external path: strip-prefix, then the target's path in front, one slash between. */
export function upstreamPathOf(route: RouteSpec, upstream: Upstream, path: string): string {
  const rest = route.stripPrefix ? path.slice(route.pathBase.length - 1) || '/' : path;
  return `${upstream.basePath}${rest.startsWith('/') ? rest : `/${rest}`}`;
}

/**
 * Maps paths the upstream writes (redirect targets, cookie paths, links in pages) back to what
 * the client must request: the target's own path removed, the path base put in front when the
 * route strips it. Paths already under the path base, and paths under one of the route's
 * `excludePaths` (as the app sees them), are left as written.
 */
export class PathMapper {
  /** The path base without its final slash. */
  readonly prefix: string;

  constructor(
    private readonly route: RouteSpec,
    private readonly upstream: Upstream,
  ) {
    this.prefix = route.pathBase.slice(0, -1);
  }

  /** Whether responses of this route can need any rewriting at all. */
  get active(): boolean {
    return this.route.stripPrefix || this.upstream.basePath !== '';
  }

  excluded(appPath: string): boolean {
    const excluded = this.route.excludePaths;
    for (let i = 0; i < excluded.length; i++) if (appPath.startsWith(excluded[i]!)) return true;
    return false;
  }

  /** An absolute path (no scheme, no host), with or without query and fragment. */
  path(written: string): string {
    if (!written.startsWith('/') || written.startsWith('//')) return written;
    const base = this.upstream.basePath;
    let appPath = written;
    if (base !== '') {
      if (written === base || written.startsWith(`${base}/`) || written.startsWith(`${base}?`))
        appPath = written.slice(base.length) || '/';
      else if (!this.route.stripPrefix) return written;
    }
    if (appPath.startsWith('?') || appPath.startsWith('#')) appPath = `/${appPath}`;
    if (!this.route.stripPrefix) return appPath;
    if (this.excluded(appPath)) return written;
    if (appPath === this.prefix || appPath.startsWith(this.route.pathBase)) return appPath;
    return `${this.prefix}${appPath}`;
  }

  /**
   * A `Location` (or `Content-Location`) value. Absolute URLs that point at the upstream itself
   * become paths under the prefix (the client cannot reach the upstream); those that point at
   * the gateway's own host get the prefix; others are someone else's and stay.
   */
  location(value: string, requestHost: string | undefined): string {
    if (value.startsWith('/')) return this.path(value);
    const scheme = /^https?:\/\//i.exec(value);
    if (!scheme) return value;
    const hostEnd = value.slice(scheme[0].length).search(/[/?#]/);
    const authorityEnd = hostEnd === -1 ? value.length : scheme[0].length + hostEnd;
    const host = value.slice(scheme[0].length, authorityEnd).toLowerCase();
    const rest = value.slice(authorityEnd) || '/';
    if (host === this.upstream.host.toLowerCase()) return this.path(rest);
    if (requestHost !== undefined && host === requestHost.toLowerCase())
      return `${value.slice(0, authorityEnd)}${this.path(rest)}`;
    return value;
  }

  /** A `Set-Cookie` value with its `Path` attribute mapped; cookies without one are left alone. */
  cookie(value: string): string {
    const match = /;\s*path=([^;]*)/i.exec(value);
    if (!match) return value;
    const written = match[1]!.trim();
    const mapped = this.path(written === '' ? '/' : written);
    if (mapped === written) return value;
    const path = written === '/' || written === '' ? `${this.prefix}/` : mapped;
    return `${value.slice(0, match.index)}; Path=${path}${value.slice(match.index + match[0].length)}`;
  }
}
