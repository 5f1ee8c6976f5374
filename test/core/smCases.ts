/**
 * Maps segmentation_models reference cases (test/vectors/sm) onto segkit calls: sm's snake_case
 * keyword arguments → camelCase options, `backend.image_data_format` → `layout`.
 */
import {
  binaryCrossentropy,
  binaryFocalLoss,
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  fScore,
  iouScore,
  jaccardLoss,
  precision,
  recall,
} from '../../src/index.js';
import type { Layout, Loss, Metric, NdArray } from '../../src/index.js';
import { resolveRegionConfig, type RegionConfig } from '../../src/core/family/options.js';
import { reduceRegion } from '../../src/core/family/region.js';
import { diceShape, jaccardShape } from '../../src/core/family/regionFamily.js';
import { createRegionLoss } from '../../src/core/family/regionLoss.js';
import { PRECISION_SHAPE, RECALL_SHAPE, type ScoreShape } from '../../src/core/scores.js';
import type { VectorCase } from '../helpers/vectors.js';

const CAMEL: Record<string, string> = {
  class_weights: 'classWeights',
  class_indexes: 'classIndexes',
  per_image: 'perImage',
  smooth: 'smooth',
  beta: 'beta',
  threshold: 'threshold',
  alpha: 'alpha',
  gamma: 'gamma',
};

/** sm options of a case in segkit spelling, with the layout of the Keras backend. */
export function smOptions(c: VectorCase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) {
    const name = CAMEL[k];
    if (name === undefined) throw new Error(`sm option ${k} has no segkit mapping (case ${c.id})`);
    if (v !== null) out[name] = v;
  }
  const layout: Layout = c.backend?.image_data_format === 'channels_first' ? 'channelsFirst' : 'channelsLast';
  if (layout === 'channelsFirst') out.layout = layout;
  return out;
}

/** Which score of the shape table a sm metric is. */
export type RegionKind = 'fScore' | 'iou' | 'precision' | 'recall';

const SHAPES: Record<RegionKind, (cfg: RegionConfig, beta: number) => ScoreShape> = {
  fScore: diceShape,
  iou: (cfg) => jaccardShape(cfg),
  precision: () => PRECISION_SHAPE,
  recall: () => RECALL_SHAPE,
};

/**
 * The soft score of a sm option set and its gradient through the one pipeline (metrics expose only values):
 * under the sm preset's 'score' weighting the loss is 1 − score, so score = 1 − loss and ∂score = −∂loss.
 */
export function scoreValueAndGrad(
  fn: string,
  kind: RegionKind,
  options: Record<string, unknown>,
  gt: NdArray,
  pr: NdArray,
): { value: number; grad: Float32Array; loss: Loss } {
  const cfg = resolveRegionConfig(fn, options, { threshold: false, beta: kind === 'fScore' }, ['beta']);
  const beta = (options.beta as number | undefined) ?? 1;
  const shape = SHAPES[kind](cfg, beta);
  const loss = createRegionLoss(fn, 'score', cfg, (f, counts, c) => reduceRegion(f, counts, c, shape));
  const r = loss.valueAndGrad(gt, pr);
  return { value: 1 - r.value, grad: r.grad.map((v) => -v), loss };
}

export const SM_METRICS: Record<
  string,
  { kind: RegionKind; fn: string; make: (o: object) => Metric; beta: boolean }
> = {
  f_score: { kind: 'fScore', fn: 'fScore', make: (o) => fScore(o), beta: true },
  iou_score: { kind: 'iou', fn: 'iouScore', make: (o) => iouScore(o), beta: false },
  precision: { kind: 'precision', fn: 'precision', make: (o) => precision(o), beta: false },
  recall: { kind: 'recall', fn: 'recall', make: (o) => recall(o), beta: false },
};

export const SM_LOSSES: Record<string, (o: object) => Loss> = {
  DiceLoss: (o) => diceLoss(o),
  JaccardLoss: (o) => jaccardLoss(o),
  BinaryCELoss: (o) => binaryCrossentropy(o),
  CategoricalCELoss: (o) => categoricalCrossentropy(o),
  BinaryFocalLoss: (o) => binaryFocalLoss(o),
  CategoricalFocalLoss: (o) => categoricalFocalLoss(o),
};

/** The soft metric's value and gradient (the engine's own path; metrics expose only values). */
export function metricValueAndGrad(
  name: string,
  options: Record<string, unknown>,
  gt: NdArray,
  pr: NdArray,
): { value: number; grad: Float32Array | undefined } {
  const m = SM_METRICS[name];
  if (options.threshold !== undefined) throw new Error(`a thresholded ${name} has no gradient`);
  const { value, grad } = scoreValueAndGrad(m.fn, m.kind, options, gt, pr);
  // The metric itself must give the same value as the loss form it is checked through.
  const direct = m.make(options).value(gt, pr);
  if (Math.abs(direct - value) > 1e-12 * Math.max(1, Math.abs(value))) {
    throw new Error(`${name}: metric ${direct} and 1 − loss ${value} differ`);
  }
  return { value, grad };
}
