/**
 * `diceFocalLoss`: Dice + focal, MONAI's `DiceFocalLoss`.
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { type DiceFocalOptions, createDiceFocalLoss } from '../family/compound.js';

export type { DiceFocalOptions } from '../family/compound.js';

/**
 * λ_dice·Dice (or Jaccard) + λ_focal·focal loss (Lin et al. 2017). The focal term reads `pr` as logits;
 * it is the sigmoid form with preset 'monai' (as MONAI, whatever its Dice activation), else the form of
 * `activation` (`focalActivation` overrides). `classWeights` weigh both terms.
 * @param options.lambdaDice - @default 1
 * @param options.lambdaFocal - @default 1
 * @param options.gamma - focal γ. @default 2
 * @param options.alpha - focal α. @default null
 * @example diceFocalLoss({ preset: 'monai', fromLogits: true, activation: 'sigmoid' }).value(gt, logits)
 */
export const diceFocalLoss: LossFactory<DiceFocalOptions> = withDefaultInstance(
  (options?: DiceFocalOptions) => createDiceFocalLoss(options),
);
