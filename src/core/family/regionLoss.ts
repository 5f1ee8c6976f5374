/**
 * Builds `Loss` objects on the general region path: counts → reduction → closed-form gradient.
 * @module
 */
import { defineLoss, type Loss } from '../loss.js';
import type { NdArray } from '../types.js';
import type { RegionConfig } from './options.js';
import { fusedDenseValueAndGrad } from './denseFused.js';
import {
  type CountForm,
  type RegionCounts,
  type RegionTerms,
  fusedRegionValueAndGrad,
  regionBackward,
  regionCounts,
} from './region.js';

/** A reduction of region counts to a value and ∂value/∂(tp, fp, fn). */
export type RegionReducer = (fn: string, counts: RegionCounts, cfg: RegionConfig) => RegionTerms;

/** A region loss with an extra inspection method. */
export interface RegionLoss extends Loss {
  /** Per-(image or batch, selected class) loss terms after class weights, before the reduction (MONAI `reduction: 'none'`). */
  terms(gt: NdArray, pr: NdArray): number[][];
}

/** Creates a region loss named `name` from a resolved config and a reducer. */
export function createRegionLoss(
  fn: string,
  name: string,
  cfg: RegionConfig,
  reduce: RegionReducer,
  form: CountForm = cfg,
): RegionLoss {
  const loss = defineLoss({
    name,
    value: (gt, pr) => reduce(fn, regionCounts(fn, gt, pr, cfg, form).counts, cfg).value,
    valueAndGrad: (gt, pr, out) => {
      // Per-image losses on the fused softmax kernels: both passes image by image.
      // Per-image losses on the fused softmax kernels, or on the dense stage's fused form (sigmoid logits,
      // squared probabilities): both passes image by image.
      const r1 = (c: RegionCounts) => reduce(fn, c, cfg);
      const fused =
        fusedRegionValueAndGrad(fn, gt, pr, cfg, form, r1, out) ??
        fusedDenseValueAndGrad(fn, gt, pr, cfg, form, r1, out);
      if (fused !== null) return fused;
      const state = regionCounts(fn, gt, pr, cfg, form, { wantGrad: true, out });
      const r = reduce(fn, state.counts, cfg);
      return { value: r.value, grad: regionBackward(state, r.grads, form, out) };
    },
  });
  return Object.assign(loss, {
    terms: (gt: NdArray, pr: NdArray) => {
      const { counts } = regionCounts(fn, gt, pr, cfg, form);
      const r = reduce(fn, counts, cfg);
      const K = r.terms.length / counts.R;
      const rows: number[][] = [];
      for (let q = 0; q < counts.R; q++) rows.push(Array.from(r.terms.subarray(q * K, (q + 1) * K)));
      return rows;
    },
  }) as RegionLoss;
}
