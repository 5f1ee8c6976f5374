/**
 * Metrics from confusion counts (tp, fp, fn, tn): the finishers shared by {@link ConfusionMatrix}, the reductions
 * and streaming code that adds counts across files and computes once.
 * @module
 */
import { checkFiniteNumber, formatValue, rangeError, typeError } from '../validate.js';
import type { CountMetric, EmptyReferencePolicy, FromCountsOptions } from './types.js';
import {
  PRECISION_SHAPE,
  RECALL_SHAPE,
  type ScoreShape,
  fScoreShape,
  iouShape,
  mccSidesOf,
  ratioScore,
} from '../scores.js';
import { numberAlgebra as NUM } from '../algebra.js';

/** Every metric name {@link metricFromCounts} accepts. */
export const COUNT_METRICS: readonly CountMetric[] = [
  'iou',
  'dice',
  'f1',
  'fbeta',
  'precision',
  'recall',
  'sensitivity',
  'specificity',
  'accuracy',
  'balancedAccuracy',
  'npv',
  'fpr',
  'fnr',
  'mcc',
];

/** Metrics whose value is defined by the reference positives, subject to the empty-reference policy. */
const REFERENCE_METRICS = new Set<CountMetric>([
  'iou',
  'dice',
  'f1',
  'fbeta',
  'precision',
  'recall',
  'sensitivity',
]);

/** Validated, defaulted finisher options: the hot loops read these fields only. */
export interface ResolvedCountOptions {
  metric: CountMetric;
  /**
   * The score shape (src/core/scores.ts) of the metrics the soft scores share (IoU, Dice, F-β, precision,
   * recall), else null. F-β's is divided through by β² when β > 1, so that a β whose square overflows gives
   * its limit, recall, rather than ∞/∞.
   */
  shape: ScoreShape | null;
  /** β > 0, kept apart because β² may underflow to 0. */
  betaPositive: boolean;
  zeroDivision: number;
  /** null when no empty-reference policy applies to this metric. */
  bothEmpty: number | null;
  predNonEmpty: number;
}

/** Checks a metric name. */
export function checkMetric(fn: string, metric: unknown): CountMetric {
  if (!COUNT_METRICS.includes(metric as CountMetric)) {
    throw typeError(fn, `metric must be one of ${COUNT_METRICS.join(', ')}; got ${formatValue(metric)}.`);
  }
  return metric as CountMetric;
}

/** Validates the finisher options once. */
export function resolveCountOptions(
  fn: string,
  metric: unknown,
  options: FromCountsOptions = {},
): ResolvedCountOptions {
  const m = checkMetric(fn, metric);
  const beta = options.beta === undefined ? 1 : checkFiniteNumber(fn, 'beta', options.beta, 0);
  let zeroDivision = NaN;
  if (options.zeroDivision !== undefined && !Number.isNaN(options.zeroDivision)) {
    zeroDivision = checkFiniteNumber(fn, 'zeroDivision', options.zeroDivision);
  }
  let policy: EmptyReferencePolicy | null = null;
  const er = options.emptyReference;
  if (er === 'metrics-reloaded') policy = {};
  else if (er !== undefined) {
    if (er === null || typeof er !== 'object') {
      throw typeError(
        fn,
        `emptyReference must be 'metrics-reloaded' or { bothEmpty, predNonEmpty }; got ${formatValue(er)}.`,
      );
    }
    policy = er;
  }
  const num = (name: string, v: unknown, d: number): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number') throw typeError(fn, `${name} must be a number; got ${formatValue(v)}.`);
    return v;
  };
  const applies = policy !== null && REFERENCE_METRICS.has(m);
  return {
    metric: m,
    shape: shapeOf(m, beta),
    betaPositive: beta > 0,
    zeroDivision,
    bothEmpty: applies ? num('emptyReference.bothEmpty', policy!.bothEmpty, NaN) : null,
    predNonEmpty: applies ? num('emptyReference.predNonEmpty', policy!.predNonEmpty, 0) : 0,
  };
}

/** The shape of a metric that shares its formula with the soft scores, else null. */
function shapeOf(m: CountMetric, beta: number): ScoreShape | null {
  switch (m) {
    case 'iou':
      return iouShape();
    case 'dice':
    case 'f1':
      return fScoreShape(1);
    case 'fbeta':
      return fScoreShape(beta, true);
    case 'precision':
      return PRECISION_SHAPE;
    case 'recall':
    case 'sensitivity':
      return RECALL_SHAPE;
    default:
      return null;
  }
}

function ratio(num: number, den: number, zd: number): number {
  return den === 0 ? zd : num / den;
}

/**
 * A shaped score on hard counts: 0/0 is `zeroDivision`. When β² underflows (or overflows) a vanishing
 * denominator with a non-zero count is not 0/0: the value is 0 for every β > 0, as the exact formula says.
 */
function shaped(o: ResolvedCountOptions, shape: ScoreShape, tp: number, fp: number, fn: number): number {
  const s = ratioScore(shape, tp, fp, fn);
  if (!Number.isNaN(s)) return s;
  return o.metric === 'fbeta' && o.betaPositive && tp + fp + fn > 0 ? 0 : o.zeroDivision;
}

/** The finisher on resolved options: no validation, no allocation. */
export function countMetric(o: ResolvedCountOptions, tp: number, fp: number, fn: number, tn: number): number {
  const zd = o.zeroDivision;
  if (o.bothEmpty !== null && tp + fn === 0) return tp + fp === 0 ? o.bothEmpty : o.predNonEmpty;
  if (o.shape !== null) return shaped(o, o.shape, tp, fp, fn);
  switch (o.metric) {
    case 'specificity':
      return ratio(tn, tn + fp, zd);
    case 'npv':
      return ratio(tn, tn + fn, zd);
    case 'fpr':
      return ratio(fp, fp + tn, zd);
    case 'fnr':
      return ratio(fn, fn + tp, zd);
    case 'accuracy':
      return ratio(tp + tn, tp + fp + fn + tn, zd);
    case 'balancedAccuracy':
      return tp + fn === 0 || tn + fp === 0 ? zd : (tp / (tp + fn) + tn / (tn + fp)) / 2;
    case 'mcc': {
      const m = mccSidesOf(NUM, tp, fp, fn, tn);
      return ratio(m.num, m.den, zd);
    }
    default:
      return zd;
  }
}

function checkCount(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw typeError(fn, `${name} must be a finite number; got ${formatValue(v)}.`);
  }
  if (v < 0) throw rangeError(fn, `${name} must be ≥ 0; got ${v}.`);
  return v;
}

/**
 * Any count metric from tp, fp, fn, tn (see {@link CountMetric} for the formulas).
 * @param options.beta - F-β weight. @default 1
 * @param options.zeroDivision - value of 0/0. @default NaN
 * @param options.emptyReference - Metrics Reloaded policy for an empty reference. @default undefined
 * @example metricFromCounts('dice', 3, 1, 2, 10) // 2·3/(2·3+1+2) = 0.6667
 */
export function metricFromCounts(
  metric: CountMetric,
  tp: number,
  fp: number,
  fn: number,
  tn = 0,
  options: FromCountsOptions = {},
): number {
  const name = 'metricFromCounts';
  const o = resolveCountOptions(name, metric, options);
  return countMetric(
    o,
    checkCount(name, 'tp', tp),
    checkCount(name, 'fp', fp),
    checkCount(name, 'fn', fn),
    checkCount(name, 'tn', tn),
  );
}

/**
 * Intersection over union (Jaccard) = tp / (tp + fp + fn).
 * Empty class (tp = fp = fn = 0): `zeroDivision` (NaN), or the `emptyReference` policy.
 * @example iouFromCounts(3, 1, 2) // 3/(3+1+2) = 0.5
 */
export function iouFromCounts(tp: number, fp: number, fn: number, options?: FromCountsOptions): number {
  return metricFromCounts('iou', tp, fp, fn, 0, options);
}

/**
 * Dice = F1 = 2tp / (2tp + fp + fn) (Dice 1945, Sørensen 1948).
 * Empty class: `zeroDivision` (NaN), or the `emptyReference` policy.
 * @example diceFromCounts(3, 1, 2) // (2*3)/(2*3+1+2) = 0.6667
 */
export function diceFromCounts(tp: number, fp: number, fn: number, options?: FromCountsOptions): number {
  return metricFromCounts('dice', tp, fp, fn, 0, options);
}

/**
 * F-β = (1+β²)tp / ((1+β²)tp + β²fn + fp); β = 1 is Dice.
 * @param options.beta - weight of recall against precision. @default 1
 * @example fbetaFromCounts(3, 1, 2, { beta: 2 }) // 15/(15+8+1) = 0.625
 */
export function fbetaFromCounts(tp: number, fp: number, fn: number, options?: FromCountsOptions): number {
  return metricFromCounts('fbeta', tp, fp, fn, 0, options);
}

/**
 * Precision (positive predictive value) = tp / (tp + fp).
 * @example precisionFromCounts(3, 1) // 0.75
 */
export function precisionFromCounts(tp: number, fp: number, options?: FromCountsOptions): number {
  return metricFromCounts('precision', tp, fp, 0, 0, options);
}

/**
 * Recall (sensitivity, true positive rate) = tp / (tp + fn).
 * @example recallFromCounts(3, 2) // 0.6
 */
export function recallFromCounts(tp: number, fn: number, options?: FromCountsOptions): number {
  return metricFromCounts('recall', tp, 0, fn, 0, options);
}

/**
 * Specificity (true negative rate) = tn / (tn + fp).
 * @example specificityFromCounts(1, 9) // 0.9
 */
export function specificityFromCounts(fp: number, tn: number, options?: FromCountsOptions): number {
  return metricFromCounts('specificity', 0, fp, 0, tn, options);
}

/**
 * Accuracy = (tp + tn) / (tp + fp + fn + tn).
 * @example accuracyFromCounts(3, 1, 2, 10) // 13/16
 */
export function accuracyFromCounts(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  options?: FromCountsOptions,
): number {
  return metricFromCounts('accuracy', tp, fp, fn, tn, options);
}

/**
 * Balanced accuracy = (recall + specificity) / 2; `zeroDivision` when either is 0/0 (as smp).
 * @example balancedAccuracyFromCounts(3, 1, 2, 9) // (0.6 + 0.9)/2 = 0.75
 */
export function balancedAccuracyFromCounts(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  options?: FromCountsOptions,
): number {
  return metricFromCounts('balancedAccuracy', tp, fp, fn, tn, options);
}

/**
 * Matthews correlation coefficient = (tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn)) (Matthews 1975).
 * @example mccFromCounts(3, 1, 2, 10)
 */
export function mccFromCounts(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
  options?: FromCountsOptions,
): number {
  return metricFromCounts('mcc', tp, fp, fn, tn, options);
}
