/** Longest status message sent, in UTF-16 code units (a trailer, not a payload). */
export const MAX_STATUS_DETAILS = 1024;

/**
 * The one place a status message is made safe to send. grpc-js writes it
 * with `encodeURI`, which throws on a lone UTF-16 surrogate; thrown on the
 * HTTP/2 trailers event that takes the process down. Messages echo request
 * text (and `slice` can split a surrogate pair), so every message is made
 * well-formed, and bounded so a trailer never carries a request's bulk.
 */
export function statusDetails(message: string): string {
  const bounded =
    message.length > MAX_STATUS_DETAILS ? `${message.slice(0, MAX_STATUS_DETAILS - 1)}…` : message;
  return bounded.toWellFormed();
}
