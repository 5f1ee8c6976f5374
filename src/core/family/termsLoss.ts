/**
 * A `Loss` from one function that returns the value and, on request, the gradient.
 * @module
 */
import { defineLoss, type Loss } from '../loss.js';
import type { NdArray } from '../types.js';

/** `terms(gt, pr, withGrad)`: the value, and the gradient w.r.t. pr when `withGrad`. */
export type Terms = (
  gt: NdArray,
  pr: NdArray,
  withGrad: boolean,
) => { value: number; grad: Float32Array | null };

/** Wraps {@link Terms} as a `Loss` named `name` (`value` skips the gradient). */
export function lossFromTerms(name: string, terms: Terms): Loss {
  return defineLoss({
    name,
    value: (gt, pr) => terms(gt, pr, false).value,
    valueAndGrad: (gt, pr) => {
      const r = terms(gt, pr, true);
      return { value: r.value, grad: r.grad ?? new Float32Array(pr.data.length) };
    },
  });
}
