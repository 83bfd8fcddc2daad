import { EMBEDDING_DIMENSIONS, invalidArgument } from '@autoserve/runtime';

/** A query vector: exactly 1536 finite values, not all zero (cosine distance is undefined). */
export function queryVectorOf(field: string, values: number[]): number[] {
  if (values.length !== EMBEDDING_DIMENSIONS) {
    throw invalidArgument(field, `must have ${EMBEDDING_DIMENSIONS} values, got ${values.length}`);
  }
  let nonZero = false;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw invalidArgument(field, `value ${i} is not finite`);
    if (x !== 0) nonZero = true;
  }
  if (!nonZero) throw invalidArgument(field, 'must not be all zero');
  return values;
}
