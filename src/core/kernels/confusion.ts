/**
 * Confusion-count kernels: label pairs into a C×C matrix, binary pairs into tp/fp/fn/tn, and argmax over a class
 * axis. Strided where a class channel is read; allocation-free over the data; no validation.
 * @module
 */
import type { NumericArray } from '../types.js';

const FAST_MIN = 16384;
let scratch: Uint32Array | undefined;

/**
 * Adds `matrix[g·C + p]` += 1 for every pair g = gt[i], p = pred[i], i in [start, end), skipping pixels whose gt
 * equals `ignoreIndex` (their pred is not read). Two `Uint8Array`s of at least 16384 entries take a fast path:
 * one pass counting `(g << 8) | p` into a 65536-bin histogram, then a fold into `matrix`.
 * @returns the index of the first pixel whose gt or pred is not a class in [0, C) (gt equal to `ignoreIndex`
 * excepted), or -1. After a failure the counts of this call are incomplete and must be discarded.
 */
export function confusionCount(
  gt: NumericArray,
  pred: NumericArray,
  start: number,
  end: number,
  numClasses: number,
  ignoreIndex: number,
  matrix: Float64Array,
): number {
  const C = numClasses;
  if (gt instanceof Uint8Array && pred instanceof Uint8Array && end - start >= FAST_MIN && C <= 256) {
    const h = (scratch ??= new Uint32Array(65536));
    h.fill(0);
    let i = start;
    // Two interleaved streams shorten the store-to-load chains on runs of equal labels.
    for (; i + 1 < end; i += 2) {
      h[(gt[i] << 8) | pred[i]]++;
      h[(gt[i + 1] << 8) | pred[i + 1]]++;
    }
    if (i < end) h[(gt[i] << 8) | pred[i]]++;
    let counted = 0;
    for (let g = 0; g < C; g++) {
      if (g === ignoreIndex) continue;
      const row = g << 8;
      for (let p = 0; p < C; p++) counted += h[row | p];
    }
    let ignored = 0;
    if (ignoreIndex >= 0 && ignoreIndex < 256 && ignoreIndex === (ignoreIndex | 0)) {
      const row = ignoreIndex << 8;
      for (let p = 0; p < 256; p++) ignored += h[row | p];
    }
    if (counted + ignored === end - start) {
      for (let g = 0; g < C; g++) {
        if (g === ignoreIndex) continue;
        const row = g << 8;
        for (let p = 0; p < C; p++) matrix[g * C + p] += h[row | p];
      }
      return -1;
    }
    // Some label is out of range: the plain loop finds the first one.
  }
  const tmp = new Float64Array(C * C);
  for (let i = start; i < end; i++) {
    const g = gt[i];
    if (g === ignoreIndex) continue;
    const p = pred[i];
    if (g >>> 0 !== g || g >= C || p >>> 0 !== p || p >= C) return i;
    tmp[g * C + p]++;
  }
  for (let k = 0; k < C * C; k++) matrix[k] += tmp[k];
  return -1;
}

/**
 * Binary counts of `n` elements read at `gt[gOff + i·stride]`, `pred[pOff + i·stride]`, added to
 * `out[0..3]` = tp, fp, fn, tn. gt must be 0 or 1; pred is positive when `pred ≥ threshold`, or, with
 * `threshold` null, must be 0 or 1.
 * @returns the element index i of the first gt (or, unthresholded, pred) value that is not 0/1, or -1.
 */
export function binaryCount(
  gt: NumericArray,
  gOff: number,
  pred: NumericArray,
  pOff: number,
  stride: number,
  n: number,
  threshold: number | null,
  out: Float64Array,
): number {
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0;
  for (let i = 0; i < n; i++) {
    const g = gt[gOff + i * stride];
    const pv = pred[pOff + i * stride];
    if ((g !== 0 && g !== 1) || (threshold === null && pv !== 0 && pv !== 1)) return i;
    const p = threshold === null ? pv === 1 : pv >= threshold;
    if (g === 1) {
      if (p) tp++;
      else fn++;
    } else if (p) fp++;
    else tn++;
  }
  out[0] += tp;
  out[1] += fp;
  out[2] += fn;
  out[3] += tn;
  return -1;
}

/**
 * Writes into `labels[i]`, i in [0, n), the index of the largest of the C scores
 * `scores[off + i·pixelStride + c·channelStride]` (the first one on ties; NaN never wins).
 */
export function argmaxLabels(
  scores: NumericArray,
  off: number,
  pixelStride: number,
  channelStride: number,
  numClasses: number,
  n: number,
  labels: Uint8Array | Uint16Array | Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const base = off + i * pixelStride;
    let best = 0;
    let max = scores[base];
    for (let c = 1; c < numClasses; c++) {
      const v = scores[base + c * channelStride];
      if (v > max || (max !== max && v === v)) {
        max = v;
        best = c;
      }
    }
    labels[i] = best;
  }
}
