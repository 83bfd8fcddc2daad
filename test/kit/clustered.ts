import { prng as rng } from '../../scaler-service/src/decision/sim/traces.js';
/**
 * Deterministic clustered unit vectors shaped like text embeddings: a few
 * hundred topic centroids, each with its own low-dimensional subspace of
 * variation (real embeddings of related texts vary along few directions),
 * plus a little isotropic noise. Uniform random vectors would make every
 * neighbour equally far and say nothing about recall on real data.
 */
export interface ClusteredOptions {
  dims: number;
  clusters: number;
  /** Directions of variation per cluster. */
  subspace?: number;
  /** Norm of the within-cluster variation relative to the centroid (1). */
  spread?: number;
  /** Norm of the isotropic noise. */
  noise?: number;
  seed?: number;
}

/** mulberry32, the simulator's seeded PRNG: a dataset can be regenerated exactly. */
export { rng };

/** Standard normal samples (Box-Muller). */
export function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(s || 1);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

export function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[bOffset + i]!;
  return s;
}

export class ClusteredVectors {
  private readonly centroids: Float32Array[];
  private readonly bases: Float32Array[][];
  private readonly opts: Required<ClusteredOptions>;

  constructor(options: ClusteredOptions) {
    this.opts = { subspace: 12, spread: 0.6, noise: 0.15, seed: 7, ...options };
    const g = gaussian(rng(this.opts.seed));
    const randomUnit = () => normalize(Float32Array.from({ length: this.opts.dims }, g));
    this.centroids = Array.from({ length: this.opts.clusters }, randomUnit);
    this.bases = this.centroids.map(() => Array.from({ length: this.opts.subspace }, randomUnit));
  }

  /** Cluster of item i (a hash, so clusters are independent of the filter attributes). */
  clusterOf(i: number): number {
    return (Math.imul(i + 1, 0x9e3779b1) >>> 0) % this.opts.clusters;
  }

  /** The i-th vector (unit length). */
  vector(i: number, seedOffset = 0): Float32Array {
    const { dims, subspace, spread, noise } = this.opts;
    const g = gaussian(rng(this.opts.seed * 1_000_003 + i * 7919 + seedOffset));
    const c = this.clusterOf(i);
    const v = Float32Array.from(this.centroids[c]!);
    const basis = this.bases[c]!;
    const a = spread / Math.sqrt(subspace);
    for (let k = 0; k < subspace; k++) {
      const z = g() * a;
      const b = basis[k]!;
      for (let d = 0; d < dims; d++) v[d] = v[d]! + z * b[d]!;
    }
    const e = noise / Math.sqrt(dims);
    for (let d = 0; d < dims; d++) v[d] = v[d]! + g() * e;
    return normalize(v);
  }

  /** A query near item i: the item's vector moved a little (a re-worded incident). */
  queryNear(i: number, jitter = 0.3): Float32Array {
    const base = this.vector(i);
    const other = this.vector(i, 104_729);
    for (let d = 0; d < base.length; d++) base[d] = base[d]! * (1 - jitter) + other[d]! * jitter;
    return normalize(base);
  }
}
