/**
 * `focalLoss`: the focal loss of Lin et al. (2017) with per-class α, the softmax form (MONAI `use_softmax`)
 * and logits input.
 * @module
 */
import { defineLoss, type Loss, withDefaultInstance } from '../loss.js';
import { type FocalFamilyOptions, focalTerms, resolveFocalFamilyOptions } from '../family/focal.js';

import type { NdArray } from '../types.js';

export type { FocalFamilyOptions } from '../family/focal.js';

/** A focal loss with its unreduced terms. */
export interface FocalLossInstance extends Loss {
  /** Weighted per-element terms of the selected channels, in pr's layout, before the reduction (MONAI `reduction: 'none'`). */
  elements(gt: NdArray, pr: NdArray): Float64Array;
}

/**
 * Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection").
 * - softmax form (`activation: 'softmax'`, default when C > 1): L = −mean Σ_c α_c·g_c·(1 − p_c)^γ·log p_c;
 * - sigmoid form (`activation: 'sigmoid'`): L = mean[α·t·(1 − p)^γ·(−log p) + (1 − α)·(1 − t)·p^γ·(−log(1 − p))].
 *
 * From logits (`fromLogits: true`) the logs are log-softmax / log-sigmoid, so logits of ±1e4 give finite values
 * and gradients. From probabilities, p is clipped to [1e-7, 1 − 1e-7] as Keras does. With γ = 0 and α = ½ the
 * sigmoid form is ½·BCE.
 * @param options.gamma - focusing parameter. @default 2
 * @param options.alpha - number, one per channel, or null. @default 0.25 (sm), null (MONAI, smp)
 * @param options.preset - `'monai'` gives MONAI's `FocalLoss` numbers (logits, sigmoid form unless
 *   `activation: 'softmax'`). @default 'segmentation_models'
 * @example focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2 }).valueAndGrad(gt, logits)
 */
export const focalLoss: ((options?: FocalFamilyOptions) => FocalLossInstance) & FocalLossInstance =
  withDefaultInstance((options?: FocalFamilyOptions): FocalLossInstance => {
    const fn = 'focalLoss';
    const cfg = resolveFocalFamilyOptions(fn, options);
    const loss = defineLoss({
      name: 'focal_loss',
      value: (gt, pr) => focalTerms(fn, gt, pr, cfg, false).value,
      valueAndGrad: (gt, pr, out) => {
        const r = focalTerms(fn, gt, pr, cfg, true, false, out);
        return { value: r.value, grad: r.grad! };
      },
    });
    return Object.assign(loss, {
      elements: (gt: NdArray, pr: NdArray) => focalTerms(fn, gt, pr, cfg, false, true).elements!,
    });
  });
