/**
 * Request message limits of the Context RPCs that carry more than the
 * transport's 64 KiB default: a similarity query holds a 1536-float vector
 * (6-8 KB) or up to 32K characters of text to embed (UTF-8, up to 4 bytes
 * each), plus filters.
 */
export const CONTEXT_REQUEST_LIMITS: Readonly<Record<string, number>> = {
  SearchSimilarIncidents: 256 * 1024,
  ListNearDuplicates: 256 * 1024,
};
