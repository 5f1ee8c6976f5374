/**
 * Input conversion for the kernels: they read only Float32Array or Float64Array, so that their loops stay
 * monomorphic (fast) whatever the caller passes.
 * @module
 */
import type { NumericArray } from '../types.js';
import type { FloatArray } from './regionStats.js';

/**
 * Returns `data` itself when it is a Float32Array or Float64Array; otherwise a Float64Array copy (exact for
 * every integer typed array and for number[]).
 */
export function toFloatArray(data: NumericArray): FloatArray {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  return Float64Array.from(data);
}
