/** Dimensions of every stored incident embedding (incident_embeddings.embedding vector(1536)). */
export const EMBEDDING_DIMENSIONS = 1536;

/**
 * Turns texts into vectors comparable by cosine similarity. Both services use
 * the same implementation so vectors written by the scaler side and queries
 * embedded by the context side land in the same space; `name` is stored next
 * to every vector (incident_embeddings.embedder) because vectors of different
 * embedders must never be compared.
 */
export interface Embedder {
  /** Stable identity of the vector space, e.g. "hash-v1" or "openai:text-embedding-3-small". */
  readonly name: string;
  readonly dimensions: typeof EMBEDDING_DIMENSIONS;
  /** One L2-normalised vector per text, in order. Honours `signal` for cancellation. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Scales a vector to unit length in place; a zero vector stays zero. Returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}
