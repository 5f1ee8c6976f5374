/**
 * sm's `JaccardLoss` / `jaccard_loss`.
 * @module
 */
import { withDefaultInstance, type LossFactory } from '../loss.js';
import type { RegionOptions } from '../options.js';
import type { RegionFamilyOptions } from '../family/options.js';
import { regionJaccardLoss } from '../family/regionFamily.js';

/** Options of {@link jaccardLoss}: the region options without `beta` and `threshold`. */
export type JaccardLossOptions = Omit<RegionOptions, 'beta' | 'threshold'> & RegionFamilyOptions;

/**
 * Jaccard loss `1 − IoU(gt, pr)` with the soft IoU of {@link iouScore}:
 * `IoU = (I + smooth) / (U + smooth)`, `I = Σ gt·pr`, `U = Σ gt + Σ pr − I`.
 *
 * Gradient (closed form, affine in gt per class and group g):
 * `∂loss/∂pr = −(w_c / (K·N_g)) · ((1 + J)·gt − J) / (U + smooth)` with J the class score.
 *
 * Degenerate cases: an empty class scores 1; with `smooth = 0` it is NaN. Identical to segmentation_models
 * 1.0.1 `JaccardLoss`; named `jaccard_loss`. `jaccardLoss` is also its own default instance (sm's
 * `jaccard_loss`).
 *
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to use. @default all channels
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average over images. @default false
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @param options.preset - and the other loss-family options: see {@link RegionFamilyOptions}.
 * @example
 * jaccardLoss({ classIndexes: [1, 2] }).value(gt, pr);
 */
export const jaccardLoss: LossFactory<JaccardLossOptions> = withDefaultInstance(
  (options?: JaccardLossOptions) =>
    // sm's options are the 'segmentation_models' preset of the one region pipeline (src/core/family).
    regionJaccardLoss(options, 'jaccardLoss', true),
);
