/**
 * Confusion-count kernels: label pairs into a C×C matrix, binary pairs into tp/fp/fn/tn, and argmax over a class
 * axis. Strided where a class channel is read; allocation-free over the data; no validation.
 * @module
 */
import type { NumericArray } from '../types.js';

const FAST_MIN = 16384;
let scratch: Uint32Array | undefined;

/** Adds `rep` to the 4 lane entries of the 4 (gt byte, pred byte) pairs of the words `ga`, `pb`. */
function addPair(h: Uint32Array, ga: number, pb: number, rep: number): void {
  h[((ga & 255) << 8) | (pb & 255)] += rep;
  h[65536 | (ga & 0xff00) | ((pb >>> 8) & 255)] += rep;
  h[131072 | ((ga >>> 8) & 0xff00) | ((pb >>> 16) & 255)] += rep;
  h[196608 | ((ga >>> 16) & 0xff00) | (pb >>> 24)] += rep;
}

/**
 * Counts the pairs (g, p) of gt[start..end), pred[start..end) into 4 lane tables h[lane·65536 + (g << 8 | p)]:
 * 4 bytes of each per read when both are equally aligned, repeated word pairs counted once.
 */
function pairHistogram4(gt: Uint8Array, pred: Uint8Array, start: number, end: number, h: Uint32Array): void {
  let i = start;
  const aligned = ((gt.byteOffset + i) & 3) === ((pred.byteOffset + i) & 3);
  if (aligned) {
    while (i < end && ((gt.byteOffset + i) & 3) !== 0) h[(gt[i] << 8) | pred[i++]]++;
    const words = (end - i) >> 2;
    const a = new Uint32Array(gt.buffer, gt.byteOffset + i, words);
    const b = new Uint32Array(pred.buffer, pred.byteOffset + i, words);
    let pa = words > 0 ? a[0] : 0;
    let pb = words > 0 ? b[0] : 0;
    let rep = 0;
    let j = 0;
    // two word pairs (8 pixels) per step; a pair equal to the previous one only bumps `rep`
    for (; j + 1 < words; j += 2) {
      const x0 = a[j];
      const y0 = b[j];
      const x1 = a[j + 1];
      const y1 = b[j + 1];
      if (((x0 ^ pa) | (y0 ^ pb) | (x1 ^ pa) | (y1 ^ pb)) === 0) {
        rep += 2;
        continue;
      }
      if (((x0 ^ pa) | (y0 ^ pb)) === 0) rep++;
      else {
        addPair(h, pa, pb, rep);
        pa = x0;
        pb = y0;
        rep = 1;
      }
      if (((x1 ^ pa) | (y1 ^ pb)) === 0) rep++;
      else {
        addPair(h, pa, pb, rep);
        pa = x1;
        pb = y1;
        rep = 1;
      }
    }
    if (j < words) {
      if (((a[j] ^ pa) | (b[j] ^ pb)) === 0) rep++;
      else {
        addPair(h, pa, pb, rep);
        pa = a[j];
        pb = b[j];
        rep = 1;
      }
    }
    addPair(h, pa, pb, rep);
    i += words << 2;
  } else {
    for (; i + 3 < end; i += 4) {
      h[(gt[i] << 8) | pred[i]]++;
      h[65536 | (gt[i + 1] << 8) | pred[i + 1]]++;
      h[131072 | (gt[i + 2] << 8) | pred[i + 2]]++;
      h[196608 | (gt[i + 3] << 8) | pred[i + 3]]++;
    }
  }
  for (; i < end; i++) h[(gt[i] << 8) | pred[i]]++;
}

/**
 * Adds `matrix[g·C + p]` += 1 for every pair g = gt[i], p = pred[i], i in [start, end), skipping pixels whose gt
 * equals `ignoreIndex` (their pred is not read). Two `Uint8Array`s of at least 16384 entries take a fast path
 * (4 pixels per read, 4 interleaved 65536-bin tables, repeated word pairs counted once; only the entries read
 * back are cleared afterwards), with the same result.
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
    const h = (scratch ??= new Uint32Array(4 * 65536));
    pairHistogram4(gt, pred, start, end, h);
    const take = (k: number): number => {
      const v = h[k] + h[65536 | k] + h[131072 | k] + h[196608 | k];
      h[k] = h[65536 | k] = h[131072 | k] = h[196608 | k] = 0;
      return v;
    };
    const ig = ignoreIndex >= 0 && ignoreIndex < 256 && ignoreIndex === (ignoreIndex | 0) ? ignoreIndex : -1;
    let seen = 0;
    if (ig >= 0) for (let p = 0; p < 256; p++) seen += take((ig << 8) | p);
    const block = new Float64Array(C * C);
    for (let g = 0; g < C; g++) {
      if (g === ig) continue;
      for (let p = 0; p < C; p++) seen += block[g * C + p] = take((g << 8) | p);
    }
    if (seen === end - start) {
      for (let k = 0; k < C * C; k++) matrix[k] += block[k];
      return -1;
    }
    // Some label is out of range: clear the tables, and the plain loop finds the first one.
    h.fill(0);
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
 * `out[0..3]` = tp, fp, fn, tn. gt must be 0 or 1; pred is positive when `pred > threshold` (strictly, as everywhere in segkit), or, with
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
    const p = threshold === null ? pv === 1 : pv > threshold;
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

/**
 * The non-zero confusion cells of the pairs g = gt[i], p = pred[i], i in [start, end), pixels whose gt equals
 * `ignoreIndex` skipped (their pred is not read): the key g·C + p of every counted pixel is written to `keys`
 * (length ≥ end − start; C ≤ 65536 keeps keys below 2^32), the keys are sorted, and each distinct key is
 * appended to `out` with its count (`key, count, key, count, …`, keys increasing). Time O(P log P) and memory
 * O(P) for P pixels, whatever C: the sparse twin of {@link confusionCount} for many classes.
 * @returns the index of the first pixel whose gt or pred is not a class in [0, C) (gt equal to `ignoreIndex`
 * excepted), or -1; after a failure `out` is unchanged.
 */
export function confusionCells(
  gt: NumericArray,
  pred: NumericArray,
  start: number,
  end: number,
  numClasses: number,
  ignoreIndex: number,
  keys: Uint32Array,
  out: number[],
): number {
  const C = numClasses;
  let n = 0;
  for (let i = start; i < end; i++) {
    const g = gt[i];
    if (g === ignoreIndex) continue;
    const p = pred[i];
    if (g >>> 0 !== g || g >= C || p >>> 0 !== p || p >= C) return i;
    keys[n++] = g * C + p;
  }
  const sorted = keys.subarray(0, n).sort();
  for (let i = 0; i < n;) {
    const k = sorted[i];
    let j = i + 1;
    while (j < n && sorted[j] === k) j++;
    out.push(k, j - i);
    i = j;
  }
  return -1;
}
