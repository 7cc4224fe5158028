import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Paths the portal never answers, not even with its SPA fallback: the API, the proxy, GraphQL,
 * metrics, the health probes and the pairing page keep their own answers (and real 404s).
 */
export const RESERVED_PREFIXES = [
  '/api',
  '/apps',
  '/graphql',
  '/metrics',
  '/healthz',
  '/livez',
  '/readyz',
  '/pair',
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** Text worth compressing; fonts and images are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/** Angular's output hashing: `main-ABCD1234.js`, `chunk-…`, `styles-…`, `media/…-HASH.woff2`. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The page itself is never cached (a new build must show at once); everything it loads is
 * hashed. Angular's component styles are inline `<style>` elements, hence the style source.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const;

interface Asset {
  body: Buffer;
  gzipped?: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
  compressible: boolean;
}

/**
 * The built portal (`dist/ui`), served from memory: every file is read once at start, so a
 * request can only ever get one of those files — a path is a key, never a file-system path.
 */
export class StaticUi {
  private readonly assets = new Map<string, Asset>();
  private readonly index: Asset;

  constructor(
    readonly root: string,
    /** Paths other parts of the gateway own besides the fixed ones (`metrics.path`). */
    private readonly alsoReserved: () => readonly string[] = () => [],
  ) {
    for (const file of listFiles(root)) {
      const key = '/' + relative(root, file).split(sep).join('/');
      const ext = extname(file).toLowerCase();
      const body = readFileSync(file);
      this.assets.set(key, {
        body,
        type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cacheControl: key === '/index.html' || !HASHED.test(key) ? 'no-cache' : IMMUTABLE,
        compressible: COMPRESSIBLE.has(ext) && body.length > 1024,
      });
    }
    const index = this.assets.get('/index.html');
    if (!index) throw new Error(`${root} has no index.html`);
    this.index = index;
  }

  /** Whether this request is the portal's: a GET or HEAD of a file, or of a client-side route. */
  handles(req: IncomingMessage): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req.url);
    if (path === undefined || isReserved(path, this.alsoReserved())) return false;
    if (this.assets.has(path)) return true;
    // The SPA fallback: an extension-less path is one of the portal's own routes. A missing
    // file (`/x.js`) or a path that tries to climb out goes on to a real 404.
    const last = path.slice(path.lastIndexOf('/') + 1);
    return !last.includes('.') && !path.includes('//') && !path.includes('\\');
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req.url) ?? '/';
    const asset = this.assets.get(path) ?? this.index;
    const headers: Record<string, string | number> = {
      'content-type': asset.type,
      'cache-control': asset.cacheControl,
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
      ...(asset === this.index ? PAGE_HEADERS : {}),
    };
    if (asset.compressible) headers['vary'] = 'accept-encoding';
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    let body = asset.body;
    if (asset.compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      asset.gzipped ??= gzipSync(asset.body, { level: 9 });
      body = asset.gzipped;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

export function isReserved(path: string, also: readonly string[] = []): boolean {
  return [...RESERVED_PREFIXES, ...also].some(
    (prefix) => path === prefix || path.startsWith(prefix + '/') || path.startsWith(prefix + '.'),
  );
}

/** The decoded path of a request URL, or undefined when it cannot be decoded. */
function pathOf(url: string | undefined): string | undefined {
  const raw = (url ?? '/').split('?', 1)[0]!;
  try {
    const path = decodeURIComponent(raw);
    return path.startsWith('/') && !path.includes('\0') ? path : undefined;
  } catch {
    return undefined;
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * The portal built by `npm run build` (`dist/ui/browser` above this file, from the sources or
 * from `dist/`), or undefined when it was never built: the gateway then runs without it.
 */
export function findUiDir(from = __dirname): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'ui', 'browser');
    if (existsSync(join(candidate, 'index.html')) && statSync(candidate).isDirectory())
      return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function openStaticUi(
  alsoReserved: () => readonly string[] = () => [],
  dir = findUiDir(),
): StaticUi | undefined {
  return dir === undefined ? undefined : new StaticUi(dir, alsoReserved);
}
