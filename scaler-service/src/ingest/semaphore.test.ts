import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('bounds concurrent holders, grants in order, and honours abort while waiting', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    expect(s.available).toBe(0);
    const order: string[] = [];
    const c = s.acquire().then((r) => {
      order.push('c');
      return r;
    });
    const abort = new AbortController();
    const d = s.acquire(abort.signal).catch(() => order.push('d aborted'));
    const e = s.acquire().then((r) => {
      order.push('e');
      return r;
    });
    abort.abort();
    await d;
    a();
    a(); // a second release of the same slot is ignored
    const rc = await c;
    expect(order).toEqual(['d aborted', 'c']);
    b();
    (await e)();
    rc();
    expect(s.available).toBe(2);
  });
});
