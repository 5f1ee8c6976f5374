/**
 * `logCoshDiceLoss`: log-cosh Dice loss (Jadon 2020).
 * @module
 */
import { withDefaultInstance } from '../loss.js';
import type { RegionLoss } from '../family/regionLoss.js';
import { type DiceFamilyOptions, regionLogCoshDiceLoss } from '../family/regionFamily.js';

export type { DiceFamilyOptions } from '../family/regionFamily.js';
export type { ClassWeightMode, EmptyClassPolicy, Preset, RegionFamilyOptions } from '../family/options.js';

/**
 * Log-cosh Dice loss (Jadon 2020, "A survey of loss functions for semantic segmentation"):
 * L = log(cosh(D)) with D the Dice loss of the same options; ∂L = tanh(D)·∂D. Smooth near 0 and bounded
 * gradients. Evaluated as |D| + log1p(e^{−2|D|}) − log 2.
 * @param options - every option of the Dice loss on the general path. @default as `diceLoss`
 * @example logCoshDiceLoss({ fromLogits: true }).value(gt, logits)
 */
export const logCoshDiceLoss: ((options?: DiceFamilyOptions) => RegionLoss) & RegionLoss =
  withDefaultInstance((options?: DiceFamilyOptions) => regionLogCoshDiceLoss(options));
