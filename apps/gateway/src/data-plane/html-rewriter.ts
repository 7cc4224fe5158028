/**
 * Streaming HTML rewriting for apps that cannot be told their base path: absolute URLs in
 * `src`, `href`, `action`, `formaction`, `poster`, `data` and `xlink:href` are mapped under
 * the prefix, an existing `<base href>` too, and a `<base href>` naming the page's external
 * directory is placed in the head when the page has none. Text, scripts, styles and comments
 * pass untouched.
 *
 * Chunks are handled as latin1 so every byte survives unchanged; only a construct cut by a
 * chunk boundary is held back, at most MAX_HELD bytes, so memory stays bounded whatever the
 * page's size. A tag longer than that passes through unrewritten.
 */
const MAX_HELD = 64 * 1024;
const URL_ATTRIBUTE =
  /(\s)(src|href|action|formaction|poster|data|xlink:href)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)/gi;
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);
/** Tags that may come before a `<base>` in a head without making it too late for one. */
const BEFORE_BASE = new Set(['meta', 'title', '/title', 'base']);

type Mode = 'data' | 'comment' | 'raw';

export class HtmlRewriter {
  private held = '';
  private mode: Mode = 'data';
  private rawEnd = '';
  /** 'before-head' → 'in-head' (base not decided) → 'done'. */
  private base: 'before-head' | 'in-head' | 'done' = 'before-head';

  constructor(
    private readonly mapUrl: (url: string) => string,
    /** The external directory of the page, e.g. `/apps/x/ui/`. */
    private readonly baseHref: string,
  ) {}

  push(chunk: Buffer): Buffer {
    return Buffer.from(this.run(this.held + chunk.toString('latin1'), false), 'latin1');
  }

  end(): Buffer {
    return Buffer.from(this.run(this.held, true), 'latin1');
  }

  private run(text: string, final: boolean): string {
    this.held = '';
    let out = '';
    let i = 0;
    let lower: string | undefined;
    while (i < text.length) {
      if (this.mode === 'comment') {
        const end = text.indexOf('-->', i);
        if (end === -1) return out + this.hold(text, Math.max(i, text.length - 2), final, i);
        out += text.slice(i, end + 3);
        i = end + 3;
        this.mode = 'data';
        continue;
      }
      if (this.mode === 'raw') {
        lower ??= text.toLowerCase();
        const end = lower.indexOf(this.rawEnd, i);
        if (end === -1) {
          const keep = Math.max(i, text.length - this.rawEnd.length);
          return out + this.hold(text, keep, final, i);
        }
        out += text.slice(i, end);
        i = end;
        this.mode = 'data';
        continue;
      }
      const lt = text.indexOf('<', i);
      if (lt === -1) return out + text.slice(i);
      out += text.slice(i, lt);
      i = lt;
      if (i + 1 >= text.length && !final) {
        this.held = '<';
        return out;
      }
      if (!/[A-Za-z/!?]/.test(text[i + 1] ?? '')) {
        // A "<" in text (`a < b`), not a tag.
        out += '<';
        i += 1;
        continue;
      }
      if (text.startsWith('<!--', i)) {
        out += '<!--';
        i += 4;
        this.mode = 'comment';
        continue;
      }
      const gt = tagEnd(text, i);
      if (gt === -1) {
        if (text.length - i > MAX_HELD || final) return out + text.slice(i);
        this.held = text.slice(i);
        return out;
      }
      out += this.tag(text.slice(i, gt + 1));
      i = gt + 1;
    }
    return out;
  }

  /** Emits text[from, keep) and holds the rest for the next chunk (or emits all at the end). */
  private hold(text: string, keep: number, final: boolean, from: number): string {
    if (final) return text.slice(from);
    this.held = text.slice(keep);
    return text.slice(from, keep);
  }

  private tag(tag: string): string {
    const name = /^<(\/?[A-Za-z][A-Za-z0-9:-]*)/.exec(tag)?.[1]?.toLowerCase();
    if (name === undefined) return tag;
    let before = '';
    if (this.base === 'in-head' && !BEFORE_BASE.has(name)) {
      before = `<base href="${this.baseHref}">`;
      this.base = 'done';
    }
    if (name === 'base') this.base = 'done';
    const rewritten = name.startsWith('/') ? tag : tag.replace(URL_ATTRIBUTE, this.attribute);
    if (name === 'head' && this.base === 'before-head') this.base = 'in-head';
    else if (this.base === 'before-head' && (name === 'body' || name === '/head'))
      this.base = 'done';
    if (RAW_TEXT.has(name) && !tag.endsWith('/>')) {
      this.mode = 'raw';
      this.rawEnd = `</${name}`;
    }
    return before + rewritten;
  }

  private readonly attribute = (
    _match: string,
    space: string,
    name: string,
    equals: string,
    value: string,
  ): string => {
    const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
    const bare = quote ? value.slice(1, -1) : value;
    const mapped = this.mapUrl(bare);
    return `${space}${name}${equals}${quote}${mapped}${quote}`;
  };
}

/** Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values. */
function tagEnd(text: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}
