import { createHash } from 'node:crypto';
import { invalidArgument } from '@autoserve/runtime';

/**
 * Opaque page tokens: base64url JSON carrying the kind of list, a digest of
 * the request's filters and the keyset position. A token is validated on the
 * way in, so a forged or mangled token, or one taken from a differently
 * filtered request, is InvalidArgument instead of a wrong page.
 */
interface TokenBody {
  v: 1;
  k: string;
  f: string;
  p: unknown[];
}

/** Digest of the filters a token belongs to. */
export function filterDigest(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

/** Encodes a keyset position for list `kind` under `filters`. */
export function encodePageToken(kind: string, filters: unknown, position: unknown[]): string {
  const body: TokenBody = { v: 1, k: kind, f: filterDigest(filters), p: position };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * Decodes a token for list `kind`; returns undefined for the empty token.
 * `shape` lists the expected type of each position element.
 */
export function decodePageToken(
  token: string,
  kind: string,
  filters: unknown,
  shape: readonly ('string' | 'number')[],
  field = 'page_token',
): unknown[] | undefined {
  if (token === '') return undefined;
  const bad = () => invalidArgument(field, 'is not a valid page token for this request');
  if (token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw bad();
  }
  if (
    !body ||
    typeof body !== 'object' ||
    body.v !== 1 ||
    body.k !== kind ||
    !Array.isArray(body.p) ||
    body.p.length !== shape.length ||
    !body.p.every((x, i) => typeof x === shape[i] && (typeof x !== 'number' || Number.isFinite(x)))
  ) {
    throw bad();
  }
  if (body.f !== filterDigest(filters)) {
    throw invalidArgument(field, 'belongs to a request with different filters');
  }
  return body.p;
}

/** Page size: 0 means `fallback`, else 1..max. */
export function pageSize(field: string, value: number, fallback: number, max: number): number {
  if (value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(field, `must be 1..${max}`);
  }
  return value;
}
