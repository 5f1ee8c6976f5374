/**
 * A `Loss` from one function that returns the value and, on request, the gradient.
 * @module
 */
import { type Accumulate, type AccumulatingLoss, defineLoss } from '../loss.js';
import type { NdArray } from '../types.js';

/**
 * `terms(gt, pr, withGrad, out)`: the value, and the gradient w.r.t. pr when `withGrad`, in `out` when given
 * (checked by `defineLoss`; terms that ignore it return a new array, which is copied into it).
 */
export type Terms = (
  gt: NdArray,
  pr: NdArray,
  withGrad: boolean,
  out?: Float32Array,
) => { value: number; grad: Float32Array | null };

/**
 * Wraps {@link Terms} as a `Loss` named `name` (`value` skips the gradient), with `accumulate` when given.
 */
export function lossFromTerms(name: string, terms: Terms, accumulate?: Accumulate): AccumulatingLoss {
  const loss = defineLoss({
    name,
    value: (gt, pr) => terms(gt, pr, false).value,
    valueAndGrad: (gt, pr, out) => {
      const r = terms(gt, pr, true, out);
      return { value: r.value, grad: r.grad ?? new Float32Array(pr.data.length) };
    },
  });
  return accumulate ? Object.assign(loss, { accumulate }) : loss;
}
