/**
 * The region losses of the family on the general path: Dice / F-score, Jaccard, Tversky (and focal Tversky),
 * generalized Dice and log-cosh Dice, each a reducer over the shared counts.
 * @module
 */
import { numberAlgebra as NUM } from '../algebra.js';
import { checkFiniteNumber, checkFScoreBeta, formatValue, rangeError, typeError } from '../validate.js';
import { type RegionFamilyOptions, checkEnum, resolveFamilyOptions, resolveRegionConfig } from './options.js';
import type { RegionConfig } from './options.js';
import { type RegionCounts, type RegionTerms, reduceRegion } from './region.js';
import {
  type ScoreShape,
  fScoreShape,
  generalizedDiceWeightOf,
  iouShape,
  logCosh,
  scoreLossOf,
  tverskyShape,
  unitTpShape,
  weightedRatioScore,
} from '../scores.js';

/** Generalized Dice is the class-weighted Dice shape (Sudre et al. 2017). @example GDL_SHAPE // { a: 2, wfp: 1, wfn: 1 } */
export const GDL_SHAPE = fScoreShape(1);
import { type RegionLoss, type RegionReducer, createRegionLoss } from './regionLoss.js';

/** Options of the Dice / F-score loss on the general path. */
export interface DiceFamilyOptions extends RegionFamilyOptions {
  /** Weight of recall against precision (F-β). @default 1 */
  beta?: number;
}

/** Options of the Tversky loss. */
export interface TverskyOptions extends RegionFamilyOptions {
  /** Weight of false positives. @default 0.5 */
  alpha?: number;
  /** Weight of false negatives. @default 0.5 */
  beta?: number;
  /** Focal Tversky exponent (Abraham & Khan 2019): each class term becomes (1 − TI)^γ. @default 1 */
  gamma?: number;
  /** Apply γ to each class term (`'class'`, the paper) or to the mean loss (`'mean'`, smp). @default 'class' ('mean' for smp) */
  gammaOn?: 'class' | 'mean';
}

/** Options of the generalized Dice loss. */
export interface GeneralizedDiceOptions extends Omit<
  RegionFamilyOptions,
  'squared' | 'logLoss' | 'classWeights' | 'classWeightMode' | 'emptyClass' | 'eps'
> {
  /** Class weights from the gt volume G: `'square'` 1/G², `'simple'` 1/G, `'uniform'` 1. @default 'square' */
  weightType?: 'square' | 'simple' | 'uniform';
  /**
   * Weight of a class absent from gt (G = 0, where 1/G is infinite): `'max'` the largest finite weight of the
   * image (MONAI, NiftyNet), or `'zero'` (the class drops out). @default 'max'
   */
  absentWeight?: 'max' | 'zero';
}

/** Score shape of the F-β / Dice score: a = 1 + β², wfp = 1, wfn = β² (divided by 1 + β² for smp's Tversky form). */
export function diceShape(cfg: RegionConfig, beta: number): ScoreShape {
  const shape = fScoreShape(beta);
  return cfg.diceAsTversky ? unitTpShape(shape) : shape;
}

/** Score shape of the Jaccard / IoU score: (tp + snr)/(tp + fp + fn + sdr), every term doubled for MONAI. */
export function jaccardShape(cfg: RegionConfig): ScoreShape {
  return iouShape(cfg.jaccardScale);
}

/** Dice (F-β) reducer: s = ((1+β²)·tp + snr)/((1+β²)·tp + β²·fn + fp + sdr). */
export function diceReducer(beta: number): RegionReducer {
  return (fn, counts, cfg) => reduceRegion(fn, counts, cfg, diceShape(cfg, beta));
}

/** Jaccard reducer: s = (tp + snr)/(tp + fp + fn + sdr) (MONAI: (2·tp + snr)/(2·(tp + fp + fn) + sdr)). */
export const jaccardReducer: RegionReducer = (fn, counts, cfg) =>
  reduceRegion(fn, counts, cfg, jaccardShape(cfg));

/**
 * Dice / F-score loss of the region pipeline. With `smOptionSet` (the public `diceLoss`), sm's own option set
 * is resolved as the `'segmentation_models'` preset with sm's checks ({@link resolveRegionConfig}).
 */
export function regionDiceLoss(
  options: DiceFamilyOptions = {},
  fn = 'diceLoss',
  smOptionSet = false,
): RegionLoss {
  const cfg = smOptionSet
    ? resolveRegionConfig(fn, options, { threshold: false, beta: true }, ['beta'])
    : resolveFamilyOptions(fn, options, ['beta']);
  const beta = options.beta === undefined ? 1 : checkFScoreBeta(fn, options.beta);
  return createRegionLoss(fn, 'dice_loss', cfg, diceReducer(beta));
}

/** Jaccard loss of the region pipeline (`smOptionSet`: as {@link regionDiceLoss}). */
export function regionJaccardLoss(
  options: RegionFamilyOptions = {},
  fn = 'jaccardLoss',
  smOptionSet = false,
): RegionLoss {
  const cfg = smOptionSet
    ? resolveRegionConfig(fn, options, { threshold: false, beta: false })
    : resolveFamilyOptions(fn, options);
  return createRegionLoss(fn, 'jaccard_loss', cfg, jaccardReducer);
}

/** Tversky / focal Tversky loss. */
export function regionTverskyLoss(options: TverskyOptions = {}, fn = 'tverskyLoss'): RegionLoss {
  const cfg = resolveFamilyOptions(fn, options, ['alpha', 'beta', 'gamma', 'gammaOn']);
  const alpha = options.alpha === undefined ? 0.5 : checkFiniteNumber(fn, 'alpha', options.alpha, 0);
  const beta = options.beta === undefined ? 0.5 : checkFiniteNumber(fn, 'beta', options.beta, 0);
  const gamma = options.gamma === undefined ? 1 : checkFiniteNumber(fn, 'gamma', options.gamma, 0);
  if (gamma === 0) throw rangeError(fn, `gamma must be > 0 (the loss would be constant); got 0.`);
  const gammaOn = checkEnum(
    fn,
    'gammaOn',
    options.gammaOn,
    ['class', 'mean'],
    cfg.preset === 'smp' ? 'mean' : 'class',
  );
  const reducer: RegionReducer = (f, counts, c) =>
    reduceRegion(f, counts, c, tverskyShape(alpha, beta), { gamma, gammaOn });
  return createRegionLoss(fn, gamma === 1 ? 'tversky_loss' : 'focal_tversky_loss', cfg, reducer);
}

/** Generalized Dice reducer (Sudre 2017) with weights from G per row. */
export function generalizedDiceReducer(
  weightType: 'square' | 'simple' | 'uniform',
  absentWeight: 'max' | 'zero',
): RegionReducer {
  return (_fn: string, counts: RegionCounts, cfg: RegionConfig): RegionTerms => {
    const { R, channels, tp, fp, fn: fnA, G } = counts;
    const K = channels.length;
    const terms = new Float64Array(R);
    const grads = {
      dtp: new Float64Array(R * K),
      dfp: new Float64Array(R * K),
      dfn: new Float64Array(R * K),
    };
    const scale = cfg.reduction === 'mean' ? 1 / R : 1;
    const w = new Float64Array(K);
    let value = 0;
    for (let r = 0; r < R; r++) {
      let wmax = 0;
      for (let k = 0; k < K; k++) {
        const g = G[r * K + k];
        // The table's weight (0 for an absent class); an absent class, or one whose weight overflows, is filled below.
        const v = generalizedDiceWeightOf(NUM, g, weightType);
        w[k] = g === 0 && weightType !== 'uniform' ? Infinity : v;
        if (Number.isFinite(w[k]) && v > wmax) wmax = v;
      }
      for (let k = 0; k < K; k++) if (!Number.isFinite(w[k])) w[k] = absentWeight === 'max' ? wmax : 0;
      const s = weightedRatioScore(
        GDL_SHAPE,
        w,
        tp,
        fp,
        fnA,
        r * K,
        K,
        cfg.smoothNr,
        cfg.smoothDr,
        grads,
        -scale,
      );
      terms[r] = scoreLossOf(NUM, s, false, 0);
      value += terms[r];
    }
    return { terms, value: value * scale, grads };
  };
}

/** Generalized Dice loss. */
export function regionGeneralizedDiceLoss(
  options: GeneralizedDiceOptions = {},
  fn = 'generalizedDiceLoss',
): RegionLoss {
  for (const k of ['squared', 'logLoss', 'classWeights', 'classWeightMode', 'emptyClass', 'eps'] as const) {
    const v = (options as RegionFamilyOptions)[k];
    if (v !== undefined) {
      throw typeError(
        fn,
        `options must not set ${k} (the weights come from weightType); got ${formatValue(v)}.`,
      );
    }
  }
  const cfg = resolveFamilyOptions(fn, options as RegionFamilyOptions, ['weightType', 'absentWeight']);
  const weightType = checkEnum(
    fn,
    'weightType',
    options.weightType,
    ['square', 'simple', 'uniform'],
    'square',
  );
  const absentWeight = checkEnum(fn, 'absentWeight', options.absentWeight, ['max', 'zero'], 'max');
  return createRegionLoss(fn, 'generalized_dice_loss', cfg, generalizedDiceReducer(weightType, absentWeight));
}

/** log-cosh wrapper of a reducer (Jadon 2020): L = log(cosh(ℓ)), ∂L = tanh(ℓ)·∂ℓ. */
export function logCoshReducer(inner: RegionReducer): RegionReducer {
  return (fn, counts, cfg) => {
    const r = inner(fn, counts, cfg);
    const v = r.value;
    const d = new Float64Array(1);
    const value = logCosh(v, d, 0);
    const t = d[0];
    for (const arr of [r.grads.dtp, r.grads.dfp, r.grads.dfn])
      for (let q = 0; q < arr.length; q++) arr[q] *= t;
    return { terms: r.terms, value, grads: r.grads };
  };
}

/** Log-cosh Dice loss. */
export function regionLogCoshDiceLoss(options: DiceFamilyOptions = {}, fn = 'logCoshDiceLoss'): RegionLoss {
  const cfg = resolveFamilyOptions(fn, options, ['beta']);
  const beta = options.beta === undefined ? 1 : checkFScoreBeta(fn, options.beta);
  return createRegionLoss(fn, 'log_cosh_dice_loss', cfg, logCoshReducer(diceReducer(beta)));
}
