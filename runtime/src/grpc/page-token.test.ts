import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, filterHash, pageOf } from './page-token.js';

const shape = ['string', 'string'] as const;
const rejects = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/^page_token: /);
    expect((err as ConnectError).rawMessage).toMatch(message);
    return;
  }
  throw new Error('expected a rejection');
};

describe('page tokens', () => {
  const filters = { namespace: 'prod', phases: [3, 4] };

  it('round-trip a position and are opaque base64url', () => {
    const t = encodePageToken('history', filters, ['1700000000000000', '42']);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(t, 'history', filters, shape)).toEqual(['1700000000000000', '42']);
    expect(decodePageToken('', 'history', filters, shape)).toBeUndefined();
  });

  it('hash filters independently of key order', () => {
    expect(filterHash({ a: 1, b: [1, 2] })).toBe(filterHash({ b: [1, 2], a: 1 }));
    expect(filterHash({ a: 1 })).not.toBe(filterHash({ a: 2 }));
  });

  it('refuse malformed, foreign, mismatched and misshapen tokens', () => {
    const t = encodePageToken('history', filters, ['1', '2']);
    rejects(() => decodePageToken('not a token!', 'history', filters, shape), /malformed/);
    rejects(() => decodePageToken('aGVsbG8', 'history', filters, shape), /malformed/);
    rejects(() => decodePageToken('x'.repeat(5000), 'history', filters, shape), /malformed/);
    rejects(() => decodePageToken(t, 'events', filters, shape), /not issued by this RPC/);
    rejects(
      () => decodePageToken(t, 'history', { ...filters, namespace: 'dev' }, shape),
      /different filters/,
    );
    rejects(() => decodePageToken(t, 'history', filters, ['number', 'string']), /malformed/);
    const old = Buffer.from(JSON.stringify({ v: 0, k: 'history', f: filterHash(filters), p: [] }));
    rejects(() => decodePageToken(old.toString('base64url'), 'history', filters, shape), /older/);
  });
});

describe('pageOf', () => {
  const next = { kind: 'apps', filters: {}, positionOf: (last: string) => [last] };

  it('keeps limit rows and points the next token at the last one kept', () => {
    const { page, nextPageToken } = pageOf(['a', 'b', 'c'], 2, next);
    expect(page).toEqual(['a', 'b']);
    expect(decodePageToken(nextPageToken, 'apps', {}, ['string'])).toEqual(['b']);
  });

  it('ends with an empty token when the extra row did not come', () => {
    expect(pageOf(['a', 'b'], 2, next)).toEqual({ page: ['a', 'b'], nextPageToken: '' });
  });
});
