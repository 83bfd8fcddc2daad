import { decodePageToken, invalidArgument } from '@autoserve/runtime';

/**
 * The (microseconds since the epoch, id) position of a newest-first keyset
 * page token, both as decimal text so int8 values survive JSON; undefined on
 * the first page. InvalidArgument when the token is not one of ours.
 */
export function timeIdCursor(
  token: string,
  kind: string,
  filters: unknown,
): { us: string; id: string } | undefined {
  const pos = decodePageToken(token, kind, filters, ['string', 'string']);
  if (!pos) return undefined;
  const [us, id] = pos as [string, string];
  if (!(/^-?\d{1,19}$/.test(us) && /^\d{1,19}$/.test(id))) {
    throw invalidArgument('page_token', 'malformed page token');
  }
  return { us, id };
}
