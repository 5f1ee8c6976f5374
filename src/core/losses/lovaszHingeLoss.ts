/**
 * `lovaszHingeLoss`: the binary Lovász hinge loss (Berman et al. 2018).
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { lossFromTerms } from '../family/termsLoss.js';
import { type LovaszHingeOptions, lovaszHingeTerms } from '../family/lovasz.js';

export type { LovaszHingeOptions } from '../family/lovasz.js';

/**
 * Lovász hinge loss (Berman et al. 2018) for binary segmentation from logits x (one channel) and gt in {0, 1}:
 * hinge errors e_i = 1 − x_i·(2g_i − 1), sorted in decreasing order; loss = Σ_k relu(e_(k))·ΔJ_k with ΔJ the
 * Jaccard increments of the sorted gt; per image then averaged (default), or over the batch.
 * Gradient: ∂loss/∂x_i = −(2g_i − 1)·ΔJ_{rank(i)} where e_i > 0, else 0.
 * @param options.perImage - @default true
 * @example lovaszHingeLoss().valueAndGrad(mask, logits)
 */
export const lovaszHingeLoss: LossFactory<LovaszHingeOptions> = withDefaultInstance(
  (options?: LovaszHingeOptions) => {
    const terms = lovaszHingeTerms('lovaszHingeLoss', options);
    return lossFromTerms('lovasz_hinge_loss', terms);
  },
);
