/**
 * The set of registered app names, for validating ingest batches without a
 * query per batch (metrics has no foreign key: a per-row FK check would
 * halve COPY throughput). The set is reloaded when older than `ttlMs`, and
 * on a miss unless a load that started after the question already answered
 * it, so an app registered a moment ago (by any Scaler) is accepted at once
 * and a deleted app is rejected within the TTL. Concurrent callers share
 * one load.
 */
export class AppNameCache {
  #names = new Set<string>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  /** Loads are numbered; #completed is the number of the last finished one. */
  #tick = 0;
  #completed = 0;
  #inflight: { tick: number; done: Promise<void> } | undefined;

  constructor(
    private readonly load: () => Promise<string[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `name` is a registered app (reloading when stale or on a miss). */
  async has(name: string): Promise<boolean> {
    const asked = this.#tick;
    // Stale: any load in flight will do.
    if (this.now() - this.#loadedAt > this.ttlMs) await (this.#inflight?.done ?? this.refresh());
    if (this.#names.has(name)) return true;
    await this.refresh(asked);
    return this.#names.has(name);
  }

  /** Synchronous check against the current set (no reload; false when stale). */
  hasCached(name: string): boolean {
    return this.#names.has(name) && this.now() - this.#loadedAt <= this.ttlMs;
  }

  /** Ensures a load numbered above `after` (default: any new one) has completed. */
  async refresh(after = this.#tick): Promise<void> {
    if (this.#completed > after) return;
    if (this.#inflight && this.#inflight.tick > after) return this.#inflight.done;
    const tick = ++this.#tick;
    const done = this.load().then((names) => {
      if (tick > this.#completed) {
        this.#names = new Set(names);
        this.#loadedAt = this.now();
        this.#completed = tick;
      }
    });
    this.#inflight = { tick, done };
    try {
      await done;
    } finally {
      if (this.#inflight?.tick === tick) this.#inflight = undefined;
    }
  }
}
