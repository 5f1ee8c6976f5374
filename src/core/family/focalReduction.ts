/**
 * The reductions of the family's focal loss, written once over the numeric {@link Algebra} so the core's JS
 * loops (numbers) and the TF.js op path (tensors, nothing read back) share them:
 *
 * - `'mean'` over the counted elements (0 when none is counted); the MONAI preset's `'sum'` (Σ over images and
 *   classes of the spatial mean: the total over the pixels of one image); plain `'sum'` otherwise;
 * - smp's per-class mean of the sigmoid form: class k's terms reduced by their own count and the classes
 *   weighted by `w_k / Σ w`.
 *
 * Citations: MONAI `monai.losses.FocalLoss`; segmentation_models_pytorch `FocalLoss` (per-class loop).
 * @module
 */
import type { Algebra } from '../algebra.js';
import { numberAlgebra } from '../algebra.js';

/** What the reductions read of a focal configuration. */
export interface FocalReductionConfig {
  reduction: 'mean' | 'sum';
  preset?: string;
}

/**
 * The reduced value of a focal loss whose (weighted) terms sum to `total` over `count` counted elements:
 * `'mean'`: `total / count` (0 when count = 0); MONAI `'sum'`: `total / pixels`; `'sum'`: `total`.
 * With `total = 1` it is the scale of the terms (and of their gradient).
 * @param count - the counted elements (a number or a tensor).
 * @param pixels - the pixels (spatial size) of one image.
 * @example focalReductionOf(numberAlgebra, { reduction: 'mean' }, 6, 4, 2) // 1.5
 */
export function focalReductionOf<T, M>(
  A: Algebra<T, M>,
  cfg: FocalReductionConfig,
  total: T | number,
  count: T,
  pixels: number,
): T | number {
  if (cfg.reduction === 'mean') return A.where(A.gt(count, 0), A.div(total, A.max(count, 1)), 0);
  return cfg.preset === 'monai' ? A.div(total, pixels) : total;
}

/**
 * smp's class shares `w_k / Σ w` of the per-class reduction.
 * @example smpClassShares([1, 3]) // Float64Array [0.25, 0.75]
 */
export function smpClassShares(classW: ArrayLike<number>): Float64Array {
  let wsum = 0;
  for (let k = 0; k < classW.length; k++) wsum += classW[k];
  const share = new Float64Array(classW.length);
  for (let k = 0; k < classW.length; k++) share[k] = classW[k] / wsum;
  return share;
}

/**
 * smp's factor of class k's summed terms: `share_k · (mean ? 1 / count_k : 1)`, 0 for a class with no counted
 * element under `'mean'` ({@link smpClassShares} gives `share_k`).
 * @example smpClassFactorOf(numberAlgebra, 0.25, 10, 'mean') // 0.025
 */
export function smpClassFactorOf<T, M>(
  A: Algebra<T, M>,
  share: T | number,
  count: T,
  reduction: 'mean' | 'sum',
): T {
  const perCount = reduction === 'mean' ? A.where(A.gt(count, 0), A.div(1, A.max(count, 1)), 0) : 1;
  return A.mul(share, perCount);
}

/**
 * smp's per-class factors of the sigmoid focal loss on numbers: class k's terms are reduced by its own mean (or
 * sum) and the classes weighted, `factor_k = w_k / Σ w · (mean ? 1 / count_k : 1)` (0 for a class with no
 * counted element under `'mean'`).
 * @example smpClassFactors(Float64Array.of(1, 3), Float64Array.of(10, 10), 'mean') // Float64Array [0.025, 0.075]
 */
export function smpClassFactors(
  classW: ArrayLike<number>,
  counts: ArrayLike<number>,
  reduction: 'mean' | 'sum',
): Float64Array {
  const factor = smpClassShares(classW);
  for (let k = 0; k < factor.length; k++) {
    factor[k] = smpClassFactorOf(numberAlgebra, factor[k], counts[k], reduction);
  }
  return factor;
}
