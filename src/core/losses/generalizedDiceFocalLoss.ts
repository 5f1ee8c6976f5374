/**
 * `generalizedDiceFocalLoss`: generalized Dice + focal, MONAI's `GeneralizedDiceFocalLoss`.
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { type GeneralizedDiceFocalOptions, createGeneralizedDiceFocalLoss } from '../family/compound.js';

export type { GeneralizedDiceFocalOptions } from '../family/compound.js';

/**
 * λ_gdl·generalized Dice (Sudre et al. 2017) + λ_focal·focal (Lin et al. 2017); the focal term reads `pr` as
 * logits, weighted per selected class by `focalWeights`.
 * @param options.lambdaGdl - @default 1
 * @param options.lambdaFocal - @default 1
 * @param options.gamma - @default 2
 * @example generalizedDiceFocalLoss({ fromLogits: true }).value(gt, logits)
 */
export const generalizedDiceFocalLoss: LossFactory<GeneralizedDiceFocalOptions> = withDefaultInstance(
  (options?: GeneralizedDiceFocalOptions) => createGeneralizedDiceFocalLoss(options),
);
