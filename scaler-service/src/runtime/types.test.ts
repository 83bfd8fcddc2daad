import { describe, expect, it } from 'vitest';
import { generationOf } from './types.js';

describe('generationOf', () => {
  it('keeps what create writes and drops anything a bigint column would refuse', () => {
    expect(generationOf('1')).toBe('1');
    expect(generationOf('42')).toBe('42');
    expect(generationOf(undefined)).toBeUndefined();
    expect(generationOf(3)).toBeUndefined();
    expect(generationOf('0')).toBeUndefined();
    expect(generationOf('07')).toBeUndefined();
    expect(generationOf('2; DROP')).toBeUndefined();
    expect(generationOf('9'.repeat(19))).toBeUndefined();
  });
});
