/** Small seeded inputs for the core tests (deterministic, no dependency on fast-check). */
import type { Layout, NdArray } from '../../src/index.js';

/** mulberry32: a tiny seeded generator of uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Pair {
  gt: NdArray & { data: Float64Array };
  pr: NdArray & { data: Float64Array };
}

/**
 * A channels-last pair of shape `shape` = [N, ...spatial, C]: gt one-hot (C > 1) or binary (C = 1), pr
 * softmax-like probabilities in (lo, hi) (not normalised unless `softmax`).
 */
export function randomPair(
  seed: number,
  shape: number[],
  { lo = 0.02, hi = 0.98, softmax = false }: { lo?: number; hi?: number; softmax?: boolean } = {},
): Pair {
  const r = rng(seed);
  const C = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const gt = new Float64Array(size);
  const pr = new Float64Array(size);
  for (let p = 0; p < size / C; p++) {
    if (C === 1) gt[p] = r() < 0.4 ? 1 : 0;
    else gt[p * C + Math.floor(r() * C)] = 1;
    let s = 0;
    for (let c = 0; c < C; c++) {
      pr[p * C + c] = lo + (hi - lo) * r();
      s += pr[p * C + c];
    }
    if (softmax) for (let c = 0; c < C; c++) pr[p * C + c] /= s;
  }
  return { gt: { data: gt, shape }, pr: { data: pr, shape } };
}

/** Moves the channel axis: [N, ...spatial, C] → [N, C, ...spatial]. */
export function toChannelsFirst(x: NdArray): NdArray & { data: Float64Array } {
  const shape = x.shape;
  const N = shape[0];
  const C = shape[shape.length - 1];
  const P = x.data.length / (N * C);
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let p = 0; p < P; p++)
      for (let c = 0; c < C; c++) out[(n * C + c) * P + p] = x.data[(n * P + p) * C + c];
  return { data: out, shape: [N, C, ...shape.slice(1, -1)] };
}

/** The same data seen with another layout name (helper for layout-dependent calls). */
export const LAYOUTS: Layout[] = ['channelsLast', 'channelsFirst'];
