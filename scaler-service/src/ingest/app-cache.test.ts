import { describe, expect, it } from 'vitest';
import { AppNameCache } from './app-cache.js';

describe('AppNameCache', () => {
  it('loads once for concurrent callers, reloads on a miss and when stale', async () => {
    let names = ['a'];
    let loads = 0;
    let clock = 0;
    const cache = new AppNameCache(
      async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 5));
        return names;
      },
      1000,
      () => clock,
    );
    expect(await Promise.all([cache.has('a'), cache.has('a'), cache.has('a')])).toEqual([
      true,
      true,
      true,
    ]);
    expect(loads).toBe(1);
    expect(cache.hasCached('a')).toBe(true);
    // A name registered since the last load is found by a reload on the miss.
    names = ['a', 'b'];
    expect(await cache.has('b')).toBe(true);
    expect(loads).toBe(2);
    expect(await cache.has('zzz')).toBe(false);
    expect(loads).toBe(3);
    // Stale: reloaded even on a hit; a deleted name disappears.
    names = ['b'];
    clock = 5000;
    expect(cache.hasCached('a')).toBe(false);
    expect(await cache.has('a')).toBe(false);
    expect(await cache.has('b')).toBe(true);
  });
});
