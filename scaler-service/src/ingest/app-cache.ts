/**
 * The set of registered app names, for validating ingest batches without a
 * query per batch (metrics has no foreign key: a per-row FK check would
 * halve COPY throughput). Entries live `ttlMs`; a name not in the set
 * triggers one refresh (shared by concurrent callers, at most one per
 * `minRefreshMs`), so a newly registered app is accepted at once and a
 * deleted app is rejected within the TTL.
 */
export class AppNameCache {
  #names = new Set<string>();
  #loadedAt = 0;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<string[]>,
    private readonly ttlMs: number,
    private readonly minRefreshMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `name` is a registered app (refreshing the set when stale or on a miss). */
  async has(name: string): Promise<boolean> {
    if (this.now() - this.#loadedAt > this.ttlMs) await this.refresh();
    if (this.#names.has(name)) return true;
    if (this.now() - this.#loadedAt < this.minRefreshMs) return false;
    await this.refresh();
    return this.#names.has(name);
  }

  /** Synchronous check against the current set (no refresh). */
  hasCached(name: string): boolean {
    return this.#names.has(name) && this.now() - this.#loadedAt <= this.ttlMs;
  }

  /** Reloads the set; concurrent callers share one query. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.load()
      .then((names) => {
        this.#names = new Set(names);
        this.#loadedAt = this.now();
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** Forgets everything (tests; after a delete). */
  invalidate(): void {
    this.#loadedAt = 0;
  }
}
