/**
 * `generalizedDiceLoss`: the generalized Dice loss of Sudre et al. (2017).
 * @module
 */
import { withDefaultInstance } from '../loss.js';
import type { RegionLoss } from '../family/regionLoss.js';
import { type GeneralizedDiceOptions, regionGeneralizedDiceLoss } from '../family/regionFamily.js';

export type { GeneralizedDiceOptions } from '../family/regionFamily.js';

/**
 * Generalized Dice loss (Sudre et al. 2017): per image (or batch, `perImage: false`)
 * GDL = 1 − (2·Σ_c w_c·tp_c + smoothNr) / (Σ_c w_c·(2·tp_c + fp_c + fn_c) + smoothDr), with class weights from
 * the gt volume G_c: `'square'` 1/G_c², `'simple'` 1/G_c, `'uniform'` 1 (then it is the Dice loss of the
 * classes pooled). A class absent from gt (G_c = 0) gets the largest finite weight of its image
 * (`absentWeight: 'max'`, MONAI's and NiftyNet's rule) or 0 (`'zero'`); an image where every class is absent
 * gets weight 0 everywhere and loss 1 − smoothNr/smoothDr. Weights are constants of gt: no gradient flows
 * through them.
 * @param options.weightType - @default 'square'
 * @param options.absentWeight - @default 'max'
 * @param options.perImage - @default false (true with preset 'monai', whose `batch` defaults to false)
 * @example generalizedDiceLoss({ preset: 'monai', fromLogits: true }).valueAndGrad(labels, logits)
 */
export const generalizedDiceLoss: ((options?: GeneralizedDiceOptions) => RegionLoss) & RegionLoss =
  withDefaultInstance((options?: GeneralizedDiceOptions) => regionGeneralizedDiceLoss(options));
