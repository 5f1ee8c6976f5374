/**
 * Counting kernel shared by the class-frequency counter (class weights) and the confusion accumulator.
 * Allocation-free over the data (one 1024-bin scratch histogram, reused); does not validate its arguments.
 * @module
 */
import type { NumericArray } from '../types.js';

/** Inputs shorter than this take the plain loop: the byte fast path has a fixed cost. */
const FAST_MIN = 4096;
let scratch: Uint32Array | undefined;

/**
 * Adds, for each class k in [0, numClasses), the number of entries of `labels[start..end)` equal to k to
 * `counts[k]`. Entries equal to `ignoreIndex` are skipped.
 *
 * A `Uint8Array` of at least 4096 entries takes a fast path: 4 bytes per read (a Uint32Array view), 4
 * interleaved 256-bin histograms (no store-to-load chain on runs of one label), repeated words counted once
 * (label maps are piecewise constant), then a fold into `counts`. Same result as the plain loop.
 * @returns the index of the first entry that is neither a class in [0, numClasses) nor `ignoreIndex`
 * (that entry and all after it are not counted), or -1 when every entry was valid.
 */
export function bincount(
  labels: NumericArray,
  start: number,
  end: number,
  numClasses: number,
  ignoreIndex: number,
  counts: Float64Array,
): number {
  if (labels instanceof Uint8Array && end - start >= FAST_MIN) {
    const h = (scratch ??= new Uint32Array(1024));
    h.fill(0);
    byteHistogram4(labels, start, end, h);
    let bad = false;
    for (let v = 0; v < 256; v++) {
      if (v === ignoreIndex || v < numClasses) continue;
      if (h[v] + h[256 + v] + h[512 + v] + h[768 + v] !== 0) bad = true;
    }
    if (!bad) {
      for (let v = 0; v < numClasses && v < 256; v++) {
        if (v !== ignoreIndex) counts[v] += h[v] + h[256 + v] + h[512 + v] + h[768 + v];
      }
      return -1;
    }
  }
  for (let i = start; i < end; i++) {
    const v = labels[i];
    if (v === ignoreIndex) continue;
    // `v >>> 0 === v` rejects negatives, fractions and NaN in one test.
    if (v >>> 0 !== v || v >= numClasses) return i;
    counts[v]++;
  }
  return -1;
}

/** Counts the bytes of a[start..end) into the 4 lane histograms h[lane·256 + byte] (h: 1024 bins). */
function byteHistogram4(a: Uint8Array, start: number, end: number, h: Uint32Array): void {
  let i = start;
  while (i < end && ((a.byteOffset + i) & 3) !== 0) h[a[i++]]++;
  const words = (end - i) >> 2;
  const w = new Uint32Array(a.buffer, a.byteOffset + i, words);
  let prev = words > 0 ? w[0] : 0;
  let rep = 0;
  for (let j = 0; j < words; j++) {
    const x = w[j];
    if (x === prev) {
      rep++;
      continue;
    }
    h[prev & 255] += rep;
    h[256 | ((prev >>> 8) & 255)] += rep;
    h[512 | ((prev >>> 16) & 255)] += rep;
    h[768 | (prev >>> 24)] += rep;
    prev = x;
    rep = 1;
  }
  if (rep > 0) {
    h[prev & 255] += rep;
    h[256 | ((prev >>> 8) & 255)] += rep;
    h[512 | ((prev >>> 16) & 255)] += rep;
    h[768 | (prev >>> 24)] += rep;
  }
  for (i += words << 2; i < end; i++) h[a[i]]++;
}
