/**
 * sm's `recall` / `Recall` metric.
 * @module
 */
import { withDefaultInstance, type MetricFactory } from '../loss.js';
import type { IouOptions } from './iouScore.js';
import { regionFamilyMetric } from '../family/regionMetric.js';
import { RECALL_SHAPE } from '../scores.js';

/**
 * Recall (sensitivity): `(tp + smooth) / (tp + fn + smooth)` per class, `tp = Σ gt·pr`, `fn = Σ gt − tp`
 * over the batch and spatial axes (per image when `perImage`, then averaged); times `classWeights`; mean
 * over the selected classes.
 *
 * Degenerate cases: a class absent from gt scores `smooth / smooth = 1`; with `smooth = 0`, NaN.
 * Identical to segmentation_models 1.0.1 `recall`; named `recall`.
 *
 * @param options.classWeights - a number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to score. @default all channels
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average over images. @default false
 * @param options.threshold - binarise `pr > threshold` first. @default none (soft score)
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example
 * const gt = { data: new Float32Array([1, 0, 1, 0]), shape: [1, 2, 2, 1] };
 * const pr = { data: new Float32Array([1, 1, 0, 0]), shape: [1, 2, 2, 1] };
 * recall.value(gt, pr); // ≈ 0.5 = 1 / 2
 */
export const recall: MetricFactory<IouOptions> = withDefaultInstance((options?: IouOptions) =>
  regionFamilyMetric('recall', 'recall', options, () => RECALL_SHAPE),
);
