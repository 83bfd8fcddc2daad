import { EMBEDDING_DIMENSIONS, type Embedder, l2Normalize } from './embedder.js';

/** Name stored with vectors of this embedder. Bump it whenever the features below change. */
export const HASH_EMBEDDER_NAME = 'hash-v1';

// Feature weights: whole words carry meaning; word bigrams keep some word order; character
// trigrams make near-identical texts (typos, inflections, ids differing in one place) land
// close together instead of sharing nothing.
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.25;

const WORD = /[\p{L}\p{N}]+/gu;
// Container ids, pod hashes, request ids: collapse them so "pod api-7f9c2d1e crashed" and
// "pod api-0b3e8a44 crashed" read as the same incident.
const HEX_ID = /^(?=.*\d)[0-9a-f]{8,}$/;
const LONG_NUMBER = /^\d{5,}$/;

/** Lower-cased NFKC words with volatile identifiers collapsed. */
export function tokenize(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
  return words.map((w) => (HEX_ID.test(w) ? '<hex>' : LONG_NUMBER.test(w) ? '<num>' : w));
}

/** FNV-1a over UTF-16 code units: tiny, fast and identical on every platform. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: decorrelates the sign bit from the bucket index. */
function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function add(v: Float32Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  const sign = fmix32(h ^ 0x9e3779b9) & 1 ? -1 : 1;
  const i = h % EMBEDDING_DIMENSIONS;
  v[i] = v[i]! + sign * weight;
}

/**
 * Signed feature hashing (the "hashing trick") of words, word bigrams and
 * character trigrams into 1536 dimensions, L2-normalised. Deterministic and
 * offline, so text search works with no model; quality is lexical, not
 * semantic. Never returns a zero vector: a text without words hashes its raw
 * characters instead.
 */
export function hashEmbed(text: string): Float32Array {
  const v = new Float32Array(EMBEDDING_DIMENSIONS);
  const words = tokenize(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    add(v, `w:${w}`, WORD_WEIGHT);
    if (i > 0) add(v, `b:${words[i - 1]}\u0001${w}`, BIGRAM_WEIGHT);
    const padded = `^${w}$`;
    for (let j = 0; j + 3 <= padded.length; j++) {
      add(v, `c:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
    }
  }
  if (words.length === 0) add(v, `r:${text.trim()}`, WORD_WEIGHT);
  return l2Normalize(v);
}

/** The offline default embedder. */
export function createHashEmbedder(): Embedder {
  return {
    name: HASH_EMBEDDER_NAME,
    dimensions: EMBEDDING_DIMENSIONS,
    async embed(texts, signal) {
      signal?.throwIfAborted();
      return texts.map(hashEmbed);
    },
  };
}
