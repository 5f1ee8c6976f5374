/**
 * `maskedDiceLoss`: the Dice (or Jaccard) loss on a masked region, MONAI's `MaskedDiceLoss`.
 * @module
 */
import type { GradOptions, Loss, ValueAndGrad } from '../loss.js';
import type { NdArray } from '../types.js';
import { checkOptionKeys } from '../options.js';
import { checkBoolean } from '../validate.js';
import { maskedLoss, maskInputs } from '../family/masked.js';
import { ArrayScratch } from '../family/scratch.js';
import { REGION_FAMILY_KEYS, resolveFamilyOptions } from '../family/options.js';
import { type DiceFamilyOptions, regionDiceLoss, regionJaccardLoss } from '../family/regionFamily.js';

/** Options of {@link maskedDiceLoss}: the loss-family options of `diceLoss`, `jaccard`, and the preset. */
export interface MaskedDiceOptions extends DiceFamilyOptions {
  /** Score Jaccard instead of Dice (MONAI `jaccard=True`). @default false */
  jaccard?: boolean;
}

/** A loss of `(gt, pr, mask)`: MONAI's `MaskedDiceLoss(input=pr, target=gt, mask=mask)`. */
export interface MaskedLoss {
  /** `dice_loss` or `jaccard_loss`. */
  readonly name: string;
  /** The loss of (gt·mask, pr·mask). */
  value(gt: NdArray, pr: NdArray, mask: NdArray): number;
  /** The value and ∂value/∂pr = mask ⊙ ∂loss/∂(pr·mask); `{ out }` as every loss. */
  valueAndGrad(gt: NdArray, pr: NdArray, mask: NdArray, options?: GradOptions): ValueAndGrad;
  /** The per-(image,) class terms before the reduction (MONAI `reduction='none'`). */
  terms(gt: NdArray, pr: NdArray, mask: NdArray): number[][];
  /** A plain `Loss` of (gt, pr) with this mask fixed (for `plus`, `times` and `segkit/tfjs`). */
  withMask(mask: NdArray): Loss;
}

/**
 * Masked Dice loss, MONAI's `MaskedDiceLoss` (with `preset: 'monai'`, the default here): the mask
 * (`[N or 1, 1, ...spatial]`, values in [0, 1]) multiplies the prediction and the target **before** the
 * Dice loss runs, as MONAI does. So with `fromLogits` the activation sees the masked logits: a masked-out pixel
 * contributes σ(0) = ½ (softmax: 1/C) to Σp, not 0; a label map becomes trunc(label·mask) (masked-out pixels
 * turn into class 0). Gradient: mask ⊙ ∂Dice/∂(pr·mask). With an all-ones mask it equals `diceLoss` with the
 * same options. Milletari et al. 2016 (Dice loss).
 * @param options.preset - @default 'monai'
 * @param options.jaccard - @default false
 * @example
 * const gt = { data: [1, 0, 1, 0], shape: [1, 1, 2, 2] };
 * const pr = { data: [1, 0, 1, 1], shape: [1, 1, 2, 2] };
 * maskedDiceLoss().value(gt, pr, { data: [1, 1, 1, 0], shape: [1, 1, 2, 2] }) // 0 (pr = gt where the mask is 1)
 */
export function maskedDiceLoss(options: MaskedDiceOptions = {}): MaskedLoss {
  const fn = 'maskedDiceLoss';
  const { jaccard, ...rest } = checkOptionKeys(fn, options, [
    ...REGION_FAMILY_KEYS,
    'beta',
    'jaccard',
  ]) as MaskedDiceOptions;
  const useJaccard = checkBoolean(fn, 'jaccard', jaccard, false);
  const dice: DiceFamilyOptions = { preset: 'monai', ...rest };
  const inner = useJaccard ? regionJaccardLoss(dice, fn) : regionDiceLoss(dice, fn);
  const cfg = resolveFamilyOptions(fn, dice, ['beta']);
  // The masked inputs are built in arrays this loss reuses from call to call.
  const scratch = new ArrayScratch();
  const withMask = (mask: NdArray): Loss => maskedLoss(fn, inner, mask, cfg.layout, cfg.ignoreIndex, scratch);
  return {
    name: inner.name,
    value: (gt, pr, mask) => withMask(mask).value(gt, pr),
    valueAndGrad: (gt, pr, mask, o) => withMask(mask).valueAndGrad(gt, pr, o),
    terms: (gt, pr, mask) => {
      const a = maskInputs(fn, gt, pr, mask, cfg.layout, cfg.ignoreIndex);
      return inner.terms(a.g, a.p);
    },
    withMask,
  };
}
