/**
 * Counting kernel shared by the class-frequency counter (class weights) and the confusion accumulator.
 * Allocation-free over the data (one 256-bin scratch histogram, reused); does not validate its arguments.
 * @module
 */
import type { NumericArray } from '../types.js';

/** Inputs shorter than this take the plain loop: the 256-bin fast path has a fixed cost. */
const FAST_MIN = 4096;
let scratch256: Uint32Array | undefined;
const MAX_U32_RUN = 0xffffffff;

/**
 * Adds, for each class k in [0, numClasses), the number of entries of `labels[start..end)` equal to k to
 * `counts[k]`. Entries equal to `ignoreIndex` are skipped.
 * A `Uint8Array` of at least 4096 entries takes a fast path: one pass counting every byte into a 256-bin
 * histogram, then a fold into `counts` (same result, no per-entry test).
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
  if (labels instanceof Uint8Array && end - start >= FAST_MIN && end - start <= MAX_U32_RUN) {
    const h = (scratch256 ??= new Uint32Array(256));
    h.fill(0);
    for (let i = start; i < end; i++) h[labels[i]]++;
    let bad = false;
    for (let v = 0; v < 256; v++) {
      if (h[v] === 0 || v === ignoreIndex) continue;
      if (v >= numClasses) bad = true;
    }
    if (!bad) {
      for (let v = 0; v < numClasses && v < 256; v++) if (v !== ignoreIndex) counts[v] += h[v];
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
