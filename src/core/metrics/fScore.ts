/**
 * sm's `f_score` / `FScore` metric.
 * @module
 */
import { withDefaultInstance, type MetricFactory } from '../loss.js';
import type { RegionOptions } from '../options.js';
import { diceShape } from '../family/regionFamily.js';
import { type RegionMetricOptions, regionFamilyMetric } from '../family/regionMetric.js';

/**
 * F-score (Dice coefficient when β = 1):
 * `F_β = ((1 + β²)·tp + smooth) / ((1 + β²)·tp + β²·fn + fp + smooth)` per class, with
 * `tp = Σ gt·pr`, `fp = Σ pr − tp`, `fn = Σ gt − tp` over the batch and the spatial axes (over the spatial
 * axes of each image when `perImage`, then averaged over images); times `classWeights`; mean over the
 * selected classes. On soft predictions this is the soft Dice of Milletari et al. (2016); with `threshold` it
 * scores the hard mask `pr > threshold`. β > 1 weighs recall more, β < 1 precision.
 *
 * Degenerate cases: a class empty in both gt and pr scores `smooth / smooth = 1`; with `smooth = 0` it is
 * 0/0 = NaN (never an exception). Identical to segmentation_models 1.0.1 `f_score`; named `f${beta}-score`
 * (`f1-score`, `f2-score`, `f0.5-score`) as sm's `FScore`.
 *
 * @param options.beta - weight of recall against precision. @default 1
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to score (an index or a list). @default all channels
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average over images. @default false
 * @param options.threshold - binarise `pr > threshold` first. @default none (soft score)
 * @param options.layout - `'channelsLast'` ([N, ...spatial, C]) or `'channelsFirst'`. @default 'channelsLast'
 * @param options.preset - and the other loss-family options (`fromLogits`, `ignoreIndex`, label-map gt, ...):
 *   see {@link RegionMetricOptions}.
 * @example
 * const gt = { data: new Float32Array([1, 0, 1, 0]), shape: [1, 2, 2, 1] };
 * const pr = { data: new Float32Array([1, 1, 0, 0]), shape: [1, 2, 2, 1] };
 * fScore().value(gt, pr); // ≈ 0.5 = 2·1 / (2 + 2)
 * fScore.name; // 'f1-score'
 */
export const fScore: MetricFactory<RegionOptions & RegionMetricOptions> = withDefaultInstance(
  // sm's options are the 'segmentation_models' preset of the one region pipeline (src/core/family).
  (options?: RegionOptions & RegionMetricOptions) =>
    regionFamilyMetric('fScore', `f${options?.beta ?? 1}-score`, options, diceShape, true),
);
