import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken, filterHash, pageOf } from './page-token.js';
import {
  createPageTokenKeyring,
  pageTokenKeyring,
  setPageTokenKeyring,
} from './page-token-keys.js';

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
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
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
    const old = Buffer.from(
      JSON.stringify({ v: 1, k: 'history', f: filterHash(filters), p: ['1', '2'], t: Date.now() }),
    ).toString('base64url');
    const signedOld = `${old}.${pageTokenKeyring().sign(old)}`;
    rejects(() => decodePageToken(signedOld, 'history', filters, shape), /older/);
  });
});

describe('signed page tokens', () => {
  const filters = { app: 'web' };
  const A = 'a'.repeat(32);
  const B = 'b'.repeat(32);
  let clock = 1_700_000_000_000;
  const keyring = (keys: string[]) =>
    createPageTokenKeyring(keys, { maxAgeMs: 60_000 * 60, now: () => clock });
  const saved = pageTokenKeyring();
  afterAll(() => setPageTokenKeyring(saved));

  it('refuse a forged body, an unsigned token and a token of another key', () => {
    setPageTokenKeyring(keyring([A]));
    const t = encodePageToken('apps', filters, ['b']);
    const [body, sig] = t.split('.') as [string, string];
    const forgedBody = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('"b"', '"zzz"'),
    ).toString('base64url');
    rejects(
      () => decodePageToken(`${forgedBody}.${sig}`, 'apps', filters, ['string']),
      /not issued by this deployment/,
    );
    rejects(() => decodePageToken(body, 'apps', filters, ['string']), /malformed/);
    setPageTokenKeyring(keyring([B]));
    rejects(() => decodePageToken(t, 'apps', filters, ['string']), /not issued by this deployment/);
  });

  it('accept tokens of every configured key, so keys rotate with a grace period', () => {
    setPageTokenKeyring(keyring([A]));
    const t = encodePageToken('apps', filters, ['b']);
    setPageTokenKeyring(keyring([B, A]));
    expect(decodePageToken(t, 'apps', filters, ['string'])).toEqual(['b']);
    // New tokens are signed with the first key only.
    const t2 = encodePageToken('apps', filters, ['c']);
    setPageTokenKeyring(keyring([B]));
    expect(decodePageToken(t2, 'apps', filters, ['string'])).toEqual(['c']);
  });

  it('refuse a stale token', () => {
    setPageTokenKeyring(keyring([A]));
    const t = encodePageToken('apps', filters, ['b']);
    clock += 60_000 * 60 + 1;
    rejects(() => decodePageToken(t, 'apps', filters, ['string']), /stale/);
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
