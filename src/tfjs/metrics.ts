/**
 * segmentation_models' metrics for TF.js: `fScore`, `iouScore`, `precision`, `recall` as Keras metric
 * functions whose names (`f1-score`, `iou_score`, `precision`, `recall`) become the `history` keys.
 * @module
 */
import { FAMILY_ONLY_KEYS, usesFamilyOptions } from '../core/family/options.js';
import type { RegionMetricOptions } from '../core/family/regionMetric.js';
import type { Metric } from '../core/loss.js';
import { fScore as coreFScore } from '../core/metrics/fScore.js';
import { iouScore as coreIouScore, type IouOptions } from '../core/metrics/iouScore.js';
import { precision as corePrecision } from '../core/metrics/precision.js';
import { recall as coreRecall } from '../core/metrics/recall.js';
import { resolveRegionOptions, type RegionOptions } from '../core/options.js';
import { defineTfMetric, metricFactory } from './compose.js';
import { tfMetricFromCore } from './fromCore.js';
import { view3 } from './input.js';
import { checkRegionCall, regionForward, type RegionCall } from './region.js';
import { PRECISION_SHAPE, RECALL_SHAPE, type ScoreShape, fScoreShape, iouShape } from '../core/scores.js';
import type { TfMetric, TfMetricFactory } from './types.js';

/** Options of {@link fScore}: the core `fScore`'s. */
export type FScoreOptions = RegionOptions & RegionMetricOptions;

/**
 * The score in TF.js ops on every backend: differentiable, as sm's metrics are (the core's metrics have no
 * gradient), and without read-back.
 */
function regionMetric(name: string, call: RegionCall): TfMetric {
  return defineTfMetric(name, (yTrue, yPred) => {
    const { geo, channels } = checkRegionCall(call, yTrue, yPred);
    return regionForward(call, view3(yTrue, geo), view3(yPred, geo), geo, channels).value;
  });
}

function scoreFactory(
  fn: string,
  name: string,
  shape: ScoreShape,
  core: (options?: IouOptions) => Metric,
): TfMetricFactory<IouOptions> {
  return metricFactory((options?: IouOptions) => {
    if (usesFamilyOptions(options)) return tfMetricFromCore(core(options));
    const o = resolveRegionOptions(fn, options, true, false, FAMILY_ONLY_KEYS);
    return regionMetric(name, { fn, shape, options: o });
  });
}

/**
 * F-score (Dice coefficient when β = 1; sm `f_score` / `FScore`):
 * `mean_c w_c·((1+β²)tp + smooth) / ((1+β²)tp + β²fn + fp + smooth)`, named `f<β>-score` (`f1-score`).
 * Soft on probabilities; hard when `threshold` is set (`pr > threshold`).
 * @param options.beta - weight of recall against precision. @default 1
 * @param options.classWeights - one number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to score. @default all
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average. @default false
 * @param options.threshold - binarise `yPred` as `yPred > threshold`. @default none
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: diceLoss, metrics: [fScore({ threshold: 0.5 })] })
 */
export const fScore: TfMetricFactory<FScoreOptions> = metricFactory((options?: FScoreOptions) => {
  if (usesFamilyOptions(options)) return tfMetricFromCore(coreFScore(options));
  const o = resolveRegionOptions('fScore', options, true, true, FAMILY_ONLY_KEYS);
  const call = { fn: 'fScore', shape: fScoreShape(o.beta), options: o };
  return regionMetric(`f${o.beta}-score`, call);
});

/**
 * IoU (Jaccard index; sm `iou_score` / `IOUScore`): `mean_c w_c·(tp + smooth) / (tp + fp + fn + smooth)`,
 * named `iou_score`. Options as {@link fScore} without `beta`.
 * @param options.threshold - binarise `yPred` as `yPred > threshold`. @default none
 * @example model.compile({ optimizer: 'adam', loss: diceLoss, metrics: [iouScore] })
 */
export const iouScore: TfMetricFactory<IouOptions> = scoreFactory(
  'iouScore',
  'iou_score',
  iouShape(),
  coreIouScore,
);

/**
 * Precision (sm `precision`): `mean_c w_c·(tp + smooth) / (tp + fp + smooth)`, named `precision`.
 * Options as {@link fScore} without `beta`.
 * @example model.compile({ optimizer: 'adam', loss: diceLoss, metrics: [precision({ threshold: 0.5 })] })
 */
export const precision: TfMetricFactory<IouOptions> = scoreFactory(
  'precision',
  'precision',
  PRECISION_SHAPE,
  corePrecision,
);

/**
 * Recall (sm `recall`): `mean_c w_c·(tp + smooth) / (tp + fn + smooth)`, named `recall`.
 * Options as {@link fScore} without `beta`.
 * @example model.compile({ optimizer: 'adam', loss: diceLoss, metrics: [recall] })
 */
export const recall: TfMetricFactory<IouOptions> = scoreFactory('recall', 'recall', RECALL_SHAPE, coreRecall);
