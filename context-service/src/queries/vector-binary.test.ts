import { describe, expect, it } from 'vitest';
import { vectorToBinary } from './similar.js';

// The wire form pgvector's binary receive expects, written one float at a time.
function reference(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * values.length);
  b.writeInt16BE(values.length, 0);
  b.writeInt16BE(0, 2);
  values.forEach((v, i) => {
    b.writeFloatBE(v, 4 + 4 * i);
  });
  return b;
}

describe('vectorToBinary', () => {
  it('matches the big-endian wire form float by float', () => {
    const values = Array.from({ length: 1536 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
    values[0] = -0;
    values[1] = 3.4e38;
    values[2] = 1e-45;
    expect(vectorToBinary(values).equals(reference(values))).toBe(true);
  });

  it('encodes short and typed-array vectors too', () => {
    expect(vectorToBinary([1.5]).equals(reference([1.5]))).toBe(true);
    const f = Float32Array.from([0.25, -2, 7]);
    expect(vectorToBinary(f).equals(reference([...f]))).toBe(true);
  });
});
