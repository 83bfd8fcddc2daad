import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { endCopy } from './copy-stream.js';

/** Uncaught exceptions while `fn` and a few turns after it run. */
async function uncaughtDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (err: unknown) => seen.push(err);
  process.on('uncaughtException', record);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 30));
  } finally {
    process.off('uncaughtException', record);
  }
  return seen;
}

describe('endCopy', () => {
  it('resolves when the COPY finished', async () => {
    const stream = new Writable({ write: (_c, _e, cb) => cb(), final: (cb) => cb() });
    await expect(endCopy(stream, Buffer.from('x'))).resolves.toBeUndefined();
  });

  it("rejects with the server's error; a second error of the stream is not thrown", async () => {
    const seen = await uncaughtDuring(async () => {
      // pg-copy-streams' shape: handleError emits 'error' directly, then its _final fails on
      // the detached connection once the socket drained.
      const stream = new Writable({
        write: (_c, _e, cb) => cb(),
        final(cb) {
          this.emit('error', new Error('canceling statement due to statement timeout'));
          setTimeout(
            () => cb(new TypeError("Cannot read properties of null (reading 'stream')")),
            5,
          );
        },
      });
      await expect(endCopy(stream, Buffer.from('x'))).rejects.toThrow('statement timeout');
    });
    expect(seen).toEqual([]);
  });
});
