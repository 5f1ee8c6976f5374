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
import { evaluateRegion, type RegionKind } from '../../src/core/metrics/region.js';
import { resolveRegionOptions } from '../../src/core/options.js';
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
  const o = resolveRegionOptions(m.fn, options, true, m.beta);
  const r = evaluateRegion(m.fn, m.kind, o, gt, pr, true, false);
  return { value: r.value, grad: r.grad };
}
