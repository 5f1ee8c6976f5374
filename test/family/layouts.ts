/**
 * Seeded inputs in both layouts for the channels-first (planar) tests: a channels-last call and the same call on
 * the transposed (channels-first) inputs.
 */
import type { NdArray } from '../../src/index.js';
import { rng } from './helpers.js';

export type Kind = 'dense' | 'soft' | 'uint8' | 'int32';

export interface Pair {
  last: { gt: NdArray; pr: NdArray };
  first: { gt: NdArray; pr: NdArray };
}

/** Channel c of pixel s of image b: channels-last index → channels-first index. */
export const toFirst = (i: number, C: number, P: number): number => {
  const b = Math.floor(i / (P * C));
  const r = i - b * P * C;
  return b * P * C + (r % C) * P + Math.floor(r / C);
};

export function transpose(a: Float32Array, C: number, P: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) t[toFirst(i, C, P)] = a[i];
  return t;
}

/**
 * Seeded logits in [−6, 6] of N images of `spatial` pixels, C channels, and targets: one-hot float32 (`dense`),
 * soft float32 targets (`soft`: the bit record does not apply), or a label map (`ignore` on 10 % of pixels); in
 * both layouts.
 */
export function pair(
  seed: number,
  N: number,
  spatial: number[],
  C: number,
  kind: Kind,
  ignore?: number,
): Pair {
  const r = rng(seed);
  const P = spatial.reduce((a, b) => a * b, 1);
  const n = N * P * C;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 12 * r() - 6;
  const labels = new Int32Array(N * P);
  const dense = new Float32Array(n);
  for (let s = 0; s < labels.length; s++) {
    labels[s] = ignore !== undefined && r() < 0.1 ? ignore : Math.floor(r() * C);
    if (kind === 'soft') for (let c = 0; c < C; c++) dense[s * C + c] = r();
    else if (labels[s] !== ignore) dense[s * C + labels[s]] = 1;
  }
  const lastShape = [N, ...spatial, C];
  const firstShape = [N, C, ...spatial];
  const labelMap = kind === 'uint8' ? Uint8Array.from(labels) : labels;
  const isMap = kind === 'uint8' || kind === 'int32';
  return {
    last: {
      pr: { data: x, shape: lastShape },
      gt: isMap ? { data: labelMap, shape: [N, ...spatial] } : { data: dense, shape: lastShape },
    },
    first: {
      pr: { data: transpose(x, C, P), shape: firstShape },
      gt: isMap
        ? { data: labelMap, shape: [N, ...spatial] }
        : { data: transpose(dense, C, P), shape: firstShape },
    },
  };
}
