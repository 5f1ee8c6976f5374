/**
 * sm's `DiceLoss` / `dice_loss`.
 * @module
 */
import { withDefaultInstance, type LossFactory } from '../loss.js';
import type { RegionOptions } from '../options.js';
import { regionDiceLoss, type DiceFamilyOptions } from '../family/regionFamily.js';

/** Options of {@link diceLoss}: the region options without `threshold` (a loss must stay differentiable). */
export type DiceLossOptions = Omit<RegionOptions, 'threshold'> & DiceFamilyOptions;

/**
 * Dice loss `1 − F_β(gt, pr)` with the soft F-score of {@link fScore} (β = 1: the soft Dice coefficient
 * `(2·Σ gt·pr + smooth) / (Σ gt + Σ pr + smooth)`, Milletari et al. 2016). Because each class is scored
 * against its own size, a small class weighs as much as a large one, which is why Dice loss helps with
 * imbalanced classes (Sudre et al. 2017).
 *
 * Gradient (closed form, affine in gt per class and group g): with `D = β²·Σgt + Σpr + smooth` and
 * `F` the class score, `∂loss/∂pr = −(w_c / (K·N_g)) · ((1 + β²)·gt − F) / D`, where K = number of selected
 * classes, N_g = N when `perImage` else 1. Computed in two passes: sums (float64), then `grad = a·gt + b`.
 *
 * Degenerate cases: an empty class (gt and pr all 0) scores 1 (loss 0 for that class); with `smooth = 0`
 * it is NaN. Identical to segmentation_models 1.0.1 `DiceLoss`; named `dice_loss` whatever β.
 *
 * `diceLoss` is both the factory (`diceLoss({ beta: 2 })` = sm's `DiceLoss(beta=2)`) and the ready-made
 * default instance (`diceLoss.value(gt, pr)` = sm's `dice_loss`).
 *
 * @param options.beta - weight of recall against precision. @default 1
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to use. @default all channels
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average over images. @default false
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @param options.preset - and the other loss-family options (`fromLogits`, `activation`, `ignoreIndex`,
 *   `squared`, `softLabel`, `logLoss`, `classWeightMode`, `includeBackground`, `emptyClass`, `smoothNr`,
 *   `smoothDr`, `eps`, `reduction`): see {@link RegionFamilyOptions}; `diceLoss({ preset: 'monai' })` gives
 *   MONAI's `DiceLoss`, `{ preset: 'smp' }` smp's.
 * @example
 * const { value, grad } = diceLoss.valueAndGrad(gt, pr); // grad: Float32Array shaped like pr
 */
export const diceLoss: LossFactory<DiceLossOptions> = withDefaultInstance((options?: DiceLossOptions) =>
  // sm's options are the 'segmentation_models' preset of the one region pipeline (src/core/family).
  regionDiceLoss(options, 'diceLoss', true),
);
