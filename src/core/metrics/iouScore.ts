/**
 * sm's `iou_score` / `IOUScore` metric.
 * @module
 */
import { withDefaultInstance, type MetricFactory } from '../loss.js';
import type { RegionOptions } from '../options.js';
import { jaccardShape } from '../family/regionFamily.js';
import { type RegionMetricOptions, regionFamilyMetric } from '../family/regionMetric.js';

/** Options of {@link iouScore}: the region options without `beta`. */
export type IouOptions = Omit<RegionOptions, 'beta'> & Omit<RegionMetricOptions, 'beta'>;

/**
 * Intersection over union (Jaccard index):
 * `IoU = (tp + smooth) / (Σ gt + Σ pr − tp + smooth)` per class, `tp = Σ gt·pr` over the batch and the
 * spatial axes (per image when `perImage`, then averaged over images); times `classWeights`; mean over the
 * selected classes. On hard masks IoU = F1 / (2 − F1).
 *
 * Degenerate cases: a class empty in gt and pr scores 1; with `smooth = 0` it is NaN. Identical to
 * segmentation_models 1.0.1 `iou_score`; named `iou_score`.
 *
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to score. @default all channels
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average over images. @default false
 * @param options.threshold - binarise `pr > threshold` first. @default none (soft score)
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @param options.preset - and the other loss-family options: see {@link RegionMetricOptions}.
 * @example
 * const gt = { data: new Float32Array([1, 0, 1, 0]), shape: [1, 2, 2, 1] };
 * const pr = { data: new Float32Array([1, 1, 0, 0]), shape: [1, 2, 2, 1] };
 * iouScore.value(gt, pr); // ≈ 1/3 = 1 / (2 + 2 − 1)
 */
export const iouScore: MetricFactory<IouOptions> = withDefaultInstance((options?: IouOptions) =>
  regionFamilyMetric('iouScore', 'iou_score', options, (cfg) => jaccardShape(cfg)),
);
