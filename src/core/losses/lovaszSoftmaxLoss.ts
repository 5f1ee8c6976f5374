/**
 * `lovaszSoftmaxLoss`: the Lovász-Softmax loss (Berman et al. 2018).
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { lossFromTerms } from '../family/termsLoss.js';
import { type LovaszSoftmaxOptions, lovaszSoftmaxTerms } from '../family/lovasz.js';

export type { LovaszSoftmaxOptions } from '../family/lovasz.js';

/**
 * Lovász-Softmax loss (Berman, Rannen Triki & Blaschko 2018, "The Lovász-Softmax loss: a tractable surrogate for
 * the optimization of the intersection-over-union measure"): per class c, errors e_i = |g_ic − p_ic| sorted in
 * decreasing order, loss_c = Σ_k e_(k)·ΔJ_k with ΔJ the increments of the Jaccard loss of the sorted gt
 * (the Lovász extension); the mean over classes (present in gt by default), per image or over the batch.
 * Gradient: ∂loss_c/∂p_i = ΔJ_{rank(i)}·sign(p_i − g_ic), then through the softmax when `fromLogits`.
 * A group without a scored class contributes 0.
 * @param options.classes - `'present'`, `'all'` or channel indexes. @default 'present'
 * @param options.perImage - @default false
 * @param options.fromLogits - @default false
 * @example lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255 }).valueAndGrad(labels, logits)
 */
export const lovaszSoftmaxLoss: LossFactory<LovaszSoftmaxOptions> = withDefaultInstance(
  (options?: LovaszSoftmaxOptions) => {
    const terms = lovaszSoftmaxTerms('lovaszSoftmaxLoss', options);
    return lossFromTerms('lovasz_softmax_loss', terms);
  },
);
