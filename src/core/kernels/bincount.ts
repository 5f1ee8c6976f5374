/**
 * Counting kernel shared by the class-frequency counter (class weights) and the confusion accumulator.
 * Allocation-free over the data; does not validate its arguments.
 * @module
 */
import type { NumericArray } from '../types.js';

/**
 * Adds, for each class k in [0, numClasses), the number of entries of `labels[start..end)` equal to k to
 * `counts[k]`. Entries equal to `ignoreIndex` are skipped.
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
  for (let i = start; i < end; i++) {
    const v = labels[i];
    if (v === ignoreIndex) continue;
    // `v >>> 0 === v` rejects negatives, fractions and NaN in one test.
    if (v >>> 0 !== v || v >= numClasses) return i;
    counts[v]++;
  }
  return -1;
}
