import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('TtlCache', () => {
  it('runs one load for N concurrent identical misses', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10 });
    const d = deferred<number>();
    let loads = 0;
    const load = () => {
      loads++;
      return d.promise;
    };
    const all = Promise.all(Array.from({ length: 20 }, () => cache.get('k', load)));
    d.resolve(42);
    const results = await all;
    expect(loads).toBe(1);
    expect(results.map((r) => r.value)).toEqual(Array(20).fill(42));
    expect(results.filter((r) => !r.hit)).toHaveLength(1);
  });

  it('serves hits until the TTL, then reloads', async () => {
    let t = 0;
    const cache = new TtlCache<string>({ ttlMs: 100, maxEntries: 10, now: () => t });
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('k', load)).toEqual({ value: 'v1', hit: false, ageMs: 0 });
    t = 99;
    expect(await cache.get('k', load)).toEqual({ value: 'v1', hit: true, ageMs: 99 });
    t = 100;
    expect(await cache.get('k', load)).toEqual({ value: 'v2', hit: false, ageMs: 0 });
    expect(await cache.get('other', load)).toMatchObject({ value: 'v3', hit: false });
  });

  it('does not cache failures, and all waiters see the failure', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10 });
    const d = deferred<number>();
    const waiters = [cache.get('k', () => d.promise), cache.get('k', () => d.promise)];
    d.reject(new Error('db down'));
    for (const w of waiters) await expect(w).rejects.toThrow('db down');
    expect(cache.size).toBe(0);
    expect((await cache.get('k', async () => 7)).value).toBe(7);
  });

  it('evicts the oldest entries beyond maxEntries', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 2 });
    await cache.get('a', async () => 1);
    await cache.get('b', async () => 2);
    await cache.get('c', async () => 3);
    expect(cache.size).toBe(2);
    expect((await cache.get('a', async () => 9)).value).toBe(9);
  });

  it('with ttl 0 still coalesces concurrent misses but keeps nothing', async () => {
    const cache = new TtlCache<number>({ ttlMs: 0, maxEntries: 10 });
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a.value, b.value]).toEqual([1, 1]);
    expect(cache.size).toBe(0);
    expect((await cache.get('k', load)).value).toBe(2);
  });

  it('peeks at a stored value within the TTL only, never loading or waiting', async () => {
    let t = 0;
    const cache = new TtlCache<number>({ ttlMs: 100, maxEntries: 10, now: () => t });
    const d = deferred<number>();
    const loading = cache.get('k', () => d.promise);
    expect(cache.peek('k')).toBeUndefined();
    d.resolve(5);
    await loading;
    expect(cache.peek('k')).toBe(5);
    t = 100;
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.peek('never')).toBeUndefined();
  });
});
