import { encodePageToken } from '@autoserve/runtime';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { decisionsCursor } from './list-scaling-decisions.js';

const filters = { app: 'web' };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ConnectError ? err.code : 'other';
  }
};

describe('decisions page token', () => {
  it('round-trips the position positionOf writes', () => {
    const at = new Date('2026-11-30T01:02:03.004Z');
    const t = encodePageToken('decisions', filters, [at.toISOString(), '42']);
    expect(decisionsCursor(t, filters)).toEqual([at, '42']);
    expect(decisionsCursor('', filters)).toBeUndefined();
  });

  it('refuses a signed token whose date or id does not parse (InvalidArgument)', () => {
    for (const pos of [
      ['not a date', '1'],
      ['2026-13-45T99:99:99.000Z', '1'],
      ['2026-11-30', '1'],
      ['2026-11-30T01:02:03.004Z', 'x'],
    ]) {
      const t = encodePageToken('decisions', filters, pos);
      expect(
        codeOf(() => decisionsCursor(t, filters)),
        pos.join(),
      ).toBe(Code.InvalidArgument);
    }
  });
});
