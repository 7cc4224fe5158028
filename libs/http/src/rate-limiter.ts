/** A token bucket: `burst` requests at once, refilled at `perMinute`; perMinute 0 is unlimited. */
export interface RateLimitRule {
  perMinute: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The bucket size (`burst`). */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available: at least 1 when refused, 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Buckets kept per category; the least recently used goes first. Default 10,000. */
  maxKeys?: number;
  /** Milliseconds; injected so tests control time. */
  now?: () => number;
}

interface Bucket {
  key: string;
  tokens: number;
  at: number;
  /** Neighbours in use order: `older` towards the least recently used. */
  older: Bucket | undefined;
  newer: Bucket | undefined;
}

/**
 * The buckets of one category, in a Map for lookup and a linked list for use order. (A Map
 * alone, re-inserted on touch and evicted from the front, is much slower at this size: V8
 * keeps deleted entries as holes that every new iterator walks past.)
 */
class BucketTable {
  readonly byKey = new Map<string, Bucket>();
  oldest: Bucket | undefined;
  newest: Bucket | undefined;

  get size(): number {
    return this.byKey.size;
  }

  /** Marks a bucket (new or known) as the most recently used. */
  touch(bucket: Bucket): void {
    if (this.newest === bucket) return;
    if (this.byKey.get(bucket.key) === bucket) this.unlink(bucket);
    else this.byKey.set(bucket.key, bucket);
    bucket.older = this.newest;
    bucket.newer = undefined;
    if (this.newest) this.newest.newer = bucket;
    else this.oldest = bucket;
    this.newest = bucket;
  }

  remove(bucket: Bucket): void {
    this.unlink(bucket);
    this.byKey.delete(bucket.key);
  }

  private unlink(bucket: Bucket): void {
    if (bucket.older) bucket.older.newer = bucket.newer;
    else this.oldest = bucket.newer;
    if (bucket.newer) bucket.newer.older = bucket.older;
    else this.newest = bucket.older;
    bucket.older = bucket.newer = undefined;
  }
}

/** Full buckets looked at (and dropped) per request, least recently used first. */
const SWEEP = 2;

/**
 * Token buckets per category and key (client address, identity). Memory is bounded: each
 * category keeps at most `maxKeys` buckets and evicts the least recently used, and a bucket
 * that has refilled completely is dropped, since it says nothing a fresh one would not.
 */
export class RateLimiter {
  private rules = new Map<string, RateLimitRule>();
  private readonly tables = new Map<string, BucketTable>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(rules: Record<string, RateLimitRule>, options: RateLimiterOptions = {}) {
    this.maxKeys = options.maxKeys ?? 10_000;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1)
      throw new Error(`maxKeys must be a positive integer, not ${this.maxKeys}`);
    this.now = options.now ?? Date.now;
    this.reconfigure(rules);
  }

  /** Takes one token for `key` in `category` when there is one; a refusal takes nothing. */
  take(category: string, key: string): RateDecision {
    const rule = this.ruleOf(category);
    if (rule.perMinute === 0)
      return {
        allowed: true,
        limit: rule.burst,
        remaining: rule.burst,
        resetSeconds: 0,
        retryAfterSeconds: 0,
      };
    const table = this.tableOf(category);
    const now = this.now();
    const perMs = rule.perMinute / 60_000;
    const tokensOf = (b: Bucket) =>
      Math.min(rule.burst, b.tokens + Math.max(0, now - b.at) * perMs);

    let bucket = table.byKey.get(key);
    let tokens = bucket ? tokensOf(bucket) : rule.burst;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;

    // Never full after a request (burst >= 1), so the bucket is always worth keeping.
    if (bucket) {
      bucket.tokens = tokens;
      bucket.at = now;
    } else {
      if (table.size >= this.maxKeys) table.remove(table.oldest!);
      bucket = { key, tokens, at: now, older: undefined, newer: undefined };
    }
    table.touch(bucket);
    for (let i = 0; i < SWEEP && table.oldest && tokensOf(table.oldest) >= rule.burst; i++)
      table.remove(table.oldest);

    return {
      allowed,
      limit: rule.burst,
      remaining: Math.floor(tokens),
      resetSeconds: Math.max(0, Math.ceil((rule.burst - tokens) / perMs / 1000)),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
    };
  }

  /**
   * New limits take effect on the next request. Buckets of categories still present are kept
   * (and capped at the new burst when next used); categories no longer present are dropped.
   */
  reconfigure(rules: Record<string, RateLimitRule>): void {
    const next = new Map<string, RateLimitRule>();
    for (const [category, rule] of Object.entries(rules)) {
      if (!Number.isFinite(rule.perMinute) || rule.perMinute < 0)
        throw new Error(`rate limit "${category}": perMinute must be 0 or more`);
      if (!Number.isFinite(rule.burst) || rule.burst < 1)
        throw new Error(`rate limit "${category}": burst must be 1 or more`);
      next.set(category, { perMinute: rule.perMinute, burst: rule.burst });
    }
    for (const category of this.tables.keys())
      if (!next.has(category)) this.tables.delete(category);
    this.rules = next;
  }

  /** The limits of a category; throws for a category nobody configured. */
  ruleOf(category: string): RateLimitRule {
    const rule = this.rules.get(category);
    if (!rule) throw new Error(`no rate limit category "${category}"`);
    return rule;
  }

  /** How many buckets the category keeps now. */
  size(category: string): number {
    this.ruleOf(category);
    return this.tables.get(category)?.size ?? 0;
  }

  private tableOf(category: string): BucketTable {
    let table = this.tables.get(category);
    if (!table) {
      table = new BucketTable();
      this.tables.set(category, table);
    }
    return table;
  }
}
