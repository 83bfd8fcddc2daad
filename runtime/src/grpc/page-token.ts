import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.js';
import { pageTokenKeyring } from './page-token-keys.js';

/** Bumped whenever the token layout changes; older tokens are then refused. */
const VERSION = 2;
const MAX_TOKEN_LENGTH = 2048;
/** base64url body, a dot, base64url HMAC. */
const TOKEN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** A keyset position: the sort key of the last row returned. */
export type Position = (string | number)[];

interface TokenBody {
  v: number;
  /** RPC the token belongs to, so a token of one list cannot steer another. */
  k: string;
  /** Hash of the filters the first page used. */
  f: string;
  p: Position;
  /** Issued at (ms since the epoch): tokens older than the keyring's max age are stale. */
  t: number;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(typeof value === 'bigint' ? value.toString() : (value ?? null));
}

/** Short hash of a request's filters (everything but page size and token). */
export function filterHash(filters: unknown): string {
  return createHash('sha256').update(stable(filters)).digest('base64url').slice(0, 16);
}

/**
 * Opaque page tokens: base64url of a small JSON document with a version, the
 * RPC, a hash of the filters, the keyset position and the issue time, then an
 * HMAC-SHA256 of it with the deployment's page-token key. Bound to the filters
 * because a position only means something in the ordering of the same
 * filtered set; signed so a caller cannot hand the queries positions (values
 * the handlers then parse and bind) that no server ever produced.
 */
export function encodePageToken(kind: string, filters: unknown, position: Position): string {
  const keys = pageTokenKeyring();
  const body: TokenBody = {
    v: VERSION,
    k: kind,
    f: filterHash(filters),
    p: position,
    t: keys.now(),
  };
  const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${encoded}.${keys.sign(encoded)}`;
}

/**
 * The position in `token`, or undefined for an empty token (first page).
 * Throws InvalidArgument naming `field` when the token is malformed, from
 * another RPC or version, bound to other filters, or its position does not
 * have the expected shape.
 */
export function decodePageToken(
  token: string,
  kind: string,
  filters: unknown,
  shape: readonly ('string' | 'number')[],
  field = 'page_token',
): Position | undefined {
  if (token === '') return undefined;
  const parts = token.length > MAX_TOKEN_LENGTH ? null : TOKEN.exec(token);
  if (!parts) throw invalidArgument(field, 'malformed page token');
  const keys = pageTokenKeyring();
  // Verify before parsing: nothing of an unsigned token is looked at.
  if (!keys.verify(parts[1]!, parts[2]!)) {
    throw invalidArgument(
      field,
      'page token was not issued by this deployment (or its key was rotated out): start from the first page',
    );
  }
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw invalidArgument(field, 'malformed page token');
  }
  if (!body || typeof body !== 'object' || typeof body.k !== 'string') {
    throw invalidArgument(field, 'malformed page token');
  }
  if (body.v !== VERSION || body.k !== kind) {
    throw invalidArgument(field, 'page token was not issued by this RPC (or by an older version)');
  }
  const age = keys.now() - (typeof body.t === 'number' ? body.t : Number.NaN);
  if (!(age >= -60_000 && age <= keys.maxAgeMs)) {
    throw invalidArgument(field, 'page token is stale: start again from the first page');
  }
  if (body.f !== filterHash(filters)) {
    throw invalidArgument(
      field,
      'page token belongs to different filters; keep them unchanged between pages',
    );
  }
  const p = body.p;
  if (
    !Array.isArray(p) ||
    p.length !== shape.length ||
    !p.every((x, i) =>
      shape[i] === 'number' ? typeof x === 'number' && Number.isFinite(x) : typeof x === 'string',
    )
  ) {
    throw invalidArgument(field, 'malformed page token');
  }
  return p as Position;
}

/**
 * One page of `rows`, fetched with limit + 1 (the extra row only says there is
 * more), and the token of the next page, positioned at the last row kept.
 */
export function pageOf<R>(
  rows: R[],
  limit: number,
  next: { kind: string; filters: unknown; positionOf: (last: R) => Position },
): { page: R[]; nextPageToken: string } {
  if (rows.length <= limit) return { page: rows, nextPageToken: '' };
  const page = rows.slice(0, limit);
  return {
    page,
    nextPageToken: encodePageToken(next.kind, next.filters, next.positionOf(page[limit - 1]!)),
  };
}

/** Page size: 0 means `fallback`, else 1..max (InvalidArgument naming `field`). */
export function pageSize(field: string, value: number, fallback: number, max: number): number {
  if (value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(field, `must be 1..${max}`);
  }
  return value;
}
