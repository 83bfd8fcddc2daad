import { recordCacheLookup } from '@autoserve/runtime';

// /metrics label: the service's one cache holds aggregate answers.
const CACHE_NAME = 'aggregates';

/** Whether an answer came from the cache, and how old it is. */
export interface Cached<T> {
  value: T;
  hit: boolean;
  ageMs: number;
}

export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<T> {
  promise: Promise<T>;
  /** When the value was stored; undefined while the load is in flight. */
  storedAt: number | undefined;
  value?: T;
}

/**
 * In-process cache for aggregate answers with a TTL and single-flight: while a
 * key is loading, every other caller of that key awaits the same promise, so
 * N concurrent identical misses run one query. Failures are not cached (the
 * next caller retries). Oldest entries are evicted beyond maxEntries.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly now: () => number;

  constructor(private readonly options: TtlCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Number of entries, loading or loaded. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The stored value of `key` if it is within the TTL, without loading it or waiting: for a
   * caller that can do without the value, or fetch it some other way.
   */
  peek(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry?.storedAt === undefined || this.now() - entry.storedAt >= this.options.ttlMs) {
      return undefined;
    }
    recordCacheLookup(CACHE_NAME, true);
    return entry.value;
  }

  async get(key: string, load: () => Promise<T>): Promise<Cached<T>> {
    const t = this.now();
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.storedAt === undefined) {
        recordCacheLookup(CACHE_NAME, true);
        return { value: await existing.promise, hit: true, ageMs: 0 };
      }
      if (t - existing.storedAt < this.options.ttlMs) {
        recordCacheLookup(CACHE_NAME, true);
        return { value: await existing.promise, hit: true, ageMs: t - existing.storedAt };
      }
      this.entries.delete(key);
    }
    recordCacheLookup(CACHE_NAME, false);
    const entry: Entry<T> = { promise: load(), storedAt: undefined };
    this.entries.set(key, entry);
    this.evict();
    try {
      const value = await entry.promise;
      // Only the load that is still current may mark itself stored (a newer one may have
      // replaced it after expiry or eviction).
      if (this.entries.get(key) === entry) {
        if (this.options.ttlMs > 0) {
          entry.storedAt = this.now();
          entry.value = value;
        } else this.entries.delete(key);
      }
      return { value, hit: false, ageMs: 0 };
    } catch (err) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw err;
    }
  }

  private evict(): void {
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
