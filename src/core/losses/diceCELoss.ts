/**
 * `diceCELoss`: Dice + cross-entropy, MONAI's `DiceCELoss`.
 * @module
 */
import { type LossFactory, withDefaultInstance } from '../loss.js';
import { type DiceCEOptions, createDiceCELoss } from '../family/compound.js';

export type { DiceCEOptions } from '../family/compound.js';

/**
 * λ_dice·Dice (or Jaccard, `jaccard: true`) + λ_ce·cross-entropy. The Dice term takes every region-family option;
 * the CE term always reads `pr` as logits, like PyTorch's `CrossEntropyLoss`: softmax CE over all channels with
 * `ceWeights` (one per channel) and `labelSmoothing` (label maps: mean weighted by Σ w_y; dense targets: mean
 * over pixels), or binary CE with positive weight when C = 1. MONAI's `weight` w maps to
 * `ceWeights: w` and `classWeights: includeBackground ? w : w.slice(1)`.
 * @param options.lambdaDice - @default 1
 * @param options.lambdaCE - @default 1
 * @param options.labelSmoothing - @default 0
 * @example diceCELoss({ preset: 'monai', fromLogits: true }).valueAndGrad(labels, logits)
 */
export const diceCELoss: LossFactory<DiceCEOptions> = withDefaultInstance((options?: DiceCEOptions) =>
  createDiceCELoss(options),
);
