/**
 * `tverskyLoss`: Tversky and focal Tversky losses.
 * @module
 */
import { withDefaultInstance } from '../loss.js';
import type { RegionLoss } from '../family/regionLoss.js';
import { type TverskyOptions, regionTverskyLoss } from '../family/regionFamily.js';

export type { TverskyOptions } from '../family/regionFamily.js';
export type { RegionLoss } from '../family/regionLoss.js';

/**
 * Tversky loss (Salehi et al. 2017): per class TI = (tp + smoothNr) / (tp + α·fp + β·fn + smoothDr), loss
 * 1 − TI averaged over classes (and images with `perImage`). α weighs false positives, β false negatives:
 * α = β = ½ is the Dice loss (with the smoothing counted once), α = β = 1 the Jaccard loss. With `gamma` ≠ 1 it is
 * the focal Tversky loss (Abraham & Khan 2019): each class term becomes (1 − TI)^γ, or, with `gammaOn: 'mean'`
 * (smp), the mean loss is raised to γ. Every option of the region family applies (`fromLogits`, label maps,
 * `ignoreIndex`, `softLabel`, `logLoss`, `classWeights`, `preset`, ...).
 * @param options.alpha - weight of false positives. @default 0.5
 * @param options.beta - weight of false negatives. @default 0.5
 * @param options.gamma - focal exponent. @default 1
 * @param options.gammaOn - `'class'` or `'mean'`. @default 'class' ('mean' with preset 'smp')
 * @param options.smooth - @default 1e-5 (0 with preset 'smp')
 * @example tverskyLoss({ alpha: 0.3, beta: 0.7, fromLogits: true }).valueAndGrad(gt, logits)
 */
export const tverskyLoss: ((options?: TverskyOptions) => RegionLoss) & RegionLoss = withDefaultInstance(
  (options?: TverskyOptions) => regionTverskyLoss(options),
);
