import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { spawned } from './spawned.js';

/** Unhandled rejections and uncaught exceptions while `fn` and a few turns after it run. */
async function escaping(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  }
  return seen;
}

describe('spawned', () => {
  it('resolves on spawn; later errors of the child are reported, never thrown', async () => {
    const late: Error[] = [];
    const seen = await escaping(async () => {
      const child = new EventEmitter();
      const started = spawned(child, (e) => late.push(e));
      child.emit('spawn');
      await started;
      child.emit('error', new Error('kill failed'));
      child.emit('error', new Error('kill failed again'));
    });
    expect(seen).toEqual([]);
    expect(late.map((e) => e.message)).toEqual(['kill failed', 'kill failed again']);
  });

  it('rejects with the spawn error and leaves no listener but the late one', async () => {
    const child = new EventEmitter();
    const started = spawned(child);
    child.emit('error', Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));
    await expect(started).rejects.toThrow('spawn ENOENT');
    expect(child.listenerCount('spawn')).toBe(0);
    expect(child.listenerCount('error')).toBe(1);
  });
});
