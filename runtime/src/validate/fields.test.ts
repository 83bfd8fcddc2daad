import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import {
  checkNumber,
  countOrDefault,
  durationMs,
  knownEnum,
  knownEnums,
  optionalText,
  requiredText,
  timeRange,
  timestampText,
} from './index.js';

const invalid = (fn: () => unknown, field: string) => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  expect((err as ConnectError).rawMessage.startsWith(`${field}: `)).toBe(true);
};
const ts = (seconds: number, nanos = 0) => ({ seconds: BigInt(seconds), nanos });
const Names: Record<number, string> = { 0: 'UNSPECIFIED', 1: 'A', 2: 'B' };

describe('field validation', () => {
  it('checks strings', () => {
    expect(requiredText('ns', 'x')).toBe('x');
    invalid(() => requiredText('ns', ''), 'ns');
    invalid(() => requiredText('ns', 'x'.repeat(256)), 'ns');
    expect(optionalText('f', '')).toBeUndefined();
    invalid(() => optionalText('f', 'x'.repeat(300)), 'f');
  });

  it('checks counts, numbers and enums', () => {
    expect(countOrDefault('limit', 0, 10, 100)).toBe(10);
    expect(countOrDefault('limit', 100, 10, 100)).toBe(100);
    invalid(() => countOrDefault('limit', 101, 10, 100), 'limit');
    invalid(() => countOrDefault('limit', -1, 10, 100), 'limit');
    invalid(() => checkNumber('min_similarity', Number.NaN, 0, 1), 'min_similarity');
    invalid(() => checkNumber('min_similarity', 1.5, 0, 1), 'min_similarity');
    expect(knownEnum('w', 0, Names, { allowUnspecified: true })).toBe(0);
    invalid(() => knownEnum('w', 0, Names, { allowUnspecified: false }), 'w');
    invalid(() => knownEnum('w', 7, Names, { allowUnspecified: true }), 'w');
    expect(knownEnums('phases', [1, 2, 1], Names)).toEqual([1, 2]);
    invalid(() => knownEnums('phases', [1, 0], Names), 'phases');
  });

  it('renders timestamps with microseconds and refuses inverted ranges', () => {
    expect(timestampText('t', ts(1_700_000_000, 123_456_789))).toBe('2023-11-14T22:13:20.123456Z');
    invalid(() => timestampText('t', ts(1, -1)), 't');
    invalid(() => timestampText('t', ts(300_000_000_000)), 't');
    expect(timeRange('a', ts(10), 'b', ts(10))).toEqual({
      after: '1970-01-01T00:00:10.000000Z',
      before: '1970-01-01T00:00:10.000000Z',
    });
    invalid(() => timeRange('a', ts(10), 'b', ts(9)), 'b');
    expect(timeRange('a', undefined, 'b', ts(9)).after).toBeUndefined();
  });

  it('checks durations', () => {
    expect(durationMs('window', ts(5, 500_000_000), 1000, 10_000)).toBe(5500);
    invalid(() => durationMs('window', ts(0, 5), 1000, 10_000), 'window');
    invalid(() => durationMs('window', ts(1, -5), 0, 10_000), 'window');
  });
});
