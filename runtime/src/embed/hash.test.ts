import { describe, expect, it } from 'vitest';
import { createHashEmbedder, HASH_EMBEDDER_NAME, hashEmbed, tokenize } from './hash.js';

const cos = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const norm = (a: Float32Array) => Math.sqrt(cos(a, a));

describe('hash-v1 embedder', () => {
  it('is deterministic, 1536-d, unit length and finite', async () => {
    const e = createHashEmbedder();
    expect(e.name).toBe(HASH_EMBEDDER_NAME);
    const [a, b] = await e.embed(['OOMKilled in api-server', 'OOMKilled in api-server']);
    expect(a!.length).toBe(1536);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(a!.every(Number.isFinite)).toBe(true);
  });

  it('pins the vector space (changing features needs a new name)', () => {
    const v = hashEmbed('High CPU on checkout');
    const nz = Array.from(v)
      .map((x, i) => [i, x] as const)
      .filter(([, x]) => x !== 0);
    expect(nz.length).toBeGreaterThan(10);
    // A fingerprint of the space: if this changes, stored hash-v1 vectors no longer match.
    const sig = nz
      .slice(0, 4)
      .map(([i, x]) => `${i}:${x.toFixed(4)}`)
      .join(',');
    expect(sig).toBe('9:-0.1037,42:0.1037,105:-0.2074,191:-0.1037');
  });

  it('scores near-identical texts high and unrelated ones low', () => {
    const a = hashEmbed('Pod api-7f9c2d1e OOMKilled: memory limit 512Mi exceeded in checkout');
    const b = hashEmbed('pod api-0b3e8a44 OOMKilled - memory limit 512Mi exceeded in checkout');
    const c = hashEmbed('Pod api OOMKiled memory limit exceded in checkout');
    const d = hashEmbed('TLS certificate for ingress expires in 3 days');
    expect(cos(a, b)).toBeGreaterThan(0.95);
    expect(cos(a, c)).toBeGreaterThan(0.6);
    expect(Math.abs(cos(a, d))).toBeLessThan(0.2);
  });

  it('collapses volatile ids and never returns a zero vector', () => {
    expect(tokenize('Request 1234567 on 7f9c2d1e0a FAILED')).toEqual([
      'request',
      '<num>',
      'on',
      '<hex>',
      'failed',
    ]);
    expect(norm(hashEmbed('!!! ???'))).toBeCloseTo(1, 5);
    expect(norm(hashEmbed(''))).toBeCloseTo(1, 5);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(createHashEmbedder().embed(['x'], ac.signal)).rejects.toThrow('gone');
  });
});
