/** Ids of the exact top-k. */
export type GroundTruth = string[];

/**
 * Exact top-k item indexes by cosine similarity (vectors are unit length, so
 * the dot product), over the items `keep` accepts: the brute-force answer
 * recall is measured against.
 */
export function topK(
  q: Float32Array,
  all: Float32Array,
  n: number,
  k: number,
  keep: (i: number) => boolean,
): number[] {
  const dims = q.length;
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    let s = 0;
    const off = i * dims;
    for (let d = 0; d < dims; d++) s += q[d]! * all[off + d]!;
    // The service's default min_similarity is 0: negatively similar items are never answers.
    if (s < 0) continue;
    if (best.length < k) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
    } else if (s > best[k - 1]!.s) {
      best[k - 1] = { i, s };
      best.sort((a, b) => b.s - a.s);
    }
  }
  return best.map((b) => b.i);
}

/** |found ∩ truth| / |truth| (1 when the truth is empty). */
export function recallAt(found: string[], truth: GroundTruth): number {
  if (truth.length === 0) return 1;
  const set = new Set(found);
  return truth.filter((t) => set.has(t)).length / truth.length;
}
