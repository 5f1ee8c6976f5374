/**
 * The one table of region score shapes: every overlap score of the library (F-β / Dice, Jaccard / IoU,
 * Tversky, precision, recall, generalized Dice) as a function of the statistics tp, fp, fn, with its
 * closed-form derivative, and the transforms a loss applies to a score (1 − s, −log s, the focal exponent,
 * log-cosh). The soft losses and metrics of every preset (`src/core/family/`) and the hard-count finishers
 * (`src/core/evaluation/fromCounts.ts`) take their formulas from here, so a formula is written once.
 *
 * A shape `{ a, wfp, wfn }` stands for the ratio
 * `s = (a·tp + smoothNr) / max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`:
 *
 * | score | a | wfp | wfn |
 * |---|---:|---:|---:|
 * | F-β (Dice at β = 1; van Rijsbergen 1979, Milletari 2016) | 1 + β² | 1 | β² |
 * | Jaccard / IoU (Jaccard 1912) | 1 | 1 | 1 |
 * | Tversky (Salehi 2017) | 1 | α | β |
 * | precision | 1 | 1 | 0 |
 * | recall | 1 | 0 | 1 |
 *
 * Multiplying a shape by a constant leaves the score unchanged when there is no smoothing (MONAI's Jaccard is
 * the IoU shape times 2, smp's Dice the F-β shape divided by 1 + β²; with smoothing they differ, as in those
 * libraries). On soft statistics (tp = Σp·g, fp = Σp − tp, fn = Σg − tp) the derivative with respect to a
 * prediction p is `∂s/∂p = (∂s/∂tp − ∂s/∂fp − ∂s/∂fn)·g + ∂s/∂fp`, affine in g: the pipeline's gradient pass.
 * @module
 */

/** Coefficients of the ratio score `s = (a·tp + smoothNr) / max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`. */
export interface ScoreShape {
  /** Weight of tp, in the numerator and the denominator. */
  readonly a: number;
  /** Weight of fp in the denominator. */
  readonly wfp: number;
  /** Weight of fn in the denominator. */
  readonly wfn: number;
}

/**
 * The F-β shape (Dice at β = 1): `a = 1 + β²`, `wfp = 1`, `wfn = β²`. With `normalized` and β² > 1 the shape is
 * divided through by β² (`a = 1 + 1/β²`, `wfp = 1/β²`, `wfn = 1`): the same score without smoothing, finite
 * for a β whose square overflows (its limit, recall). β > 1 weighs recall more, β < 1 precision.
 * @param beta - finite, ≥ 0 (not checked here).
 * @param normalized - divide by β² when β² > 1 (for hard counts without smoothing). @default false
 * @example fScoreShape(2) // { a: 5, wfp: 1, wfn: 4 }
 */
export function fScoreShape(beta: number, normalized = false): ScoreShape {
  const b2 = beta * beta;
  if (normalized && b2 > 1) {
    const inv = 1 / b2;
    return { a: 1 + inv, wfp: inv, wfn: 1 };
  }
  return { a: 1 + b2, wfp: 1, wfn: b2 };
}

/**
 * The Jaccard / IoU shape `tp / (tp + fp + fn)`, every weight times `scale` (MONAI's Jaccard uses 2).
 * @param scale - @default 1
 * @example iouShape() // { a: 1, wfp: 1, wfn: 1 }
 */
export function iouShape(scale = 1): ScoreShape {
  return { a: scale, wfp: scale, wfn: scale };
}

/**
 * The Tversky shape `tp / (tp + α·fp + β·fn)` (Salehi et al. 2017); α = β = ½ is Dice, α = β = 1 IoU.
 * @example tverskyShape(0.3, 0.7) // { a: 1, wfp: 0.3, wfn: 0.7 }
 */
export function tverskyShape(alpha: number, beta: number): ScoreShape {
  return { a: 1, wfp: alpha, wfn: beta };
}

/** Precision `tp / (tp + fp)`. @example ratioScore(PRECISION_SHAPE, 3, 1, 2) // 0.75 */
export const PRECISION_SHAPE: ScoreShape = { a: 1, wfp: 1, wfn: 0 };

/** Recall (sensitivity) `tp / (tp + fn)`. @example ratioScore(RECALL_SHAPE, 3, 1, 2) // 0.6 */
export const RECALL_SHAPE: ScoreShape = { a: 1, wfp: 0, wfn: 1 };

/**
 * A shape times a constant k (smp's Dice: the F-β shape divided by 1 + β², so that its smoothing counts once).
 * @example scaleShape(fScoreShape(1), 0.5) // { a: 1, wfp: 0.5, wfn: 0.5 }
 */
export function scaleShape(shape: ScoreShape, k: number): ScoreShape {
  return { a: shape.a * k, wfp: shape.wfp * k, wfn: shape.wfn * k };
}

/**
 * The ratio score of a shape, `s = (a·tp + smoothNr) / max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`, and,
 * into `grad[at … at + 2]` when given, `∂s/∂tp = a/D − a·s/D`, `∂s/∂fp = −wfp·s/D`, `∂s/∂fn = −wfn·s/D` (0 where
 * the eps clamp holds D constant). 0/0 is NaN (an empty class without smoothing), never an exception.
 * @param smoothNr - added to the numerator. @default 0
 * @param smoothDr - added to the denominator. @default 0
 * @param eps - lower clamp of the denominator; 0 = none. @default 0
 * @example ratioScore(fScoreShape(1), 3, 1, 2) // (2*3)/(2*3+1+2) = 0.6667
 */
export function ratioScore(
  shape: ScoreShape,
  tp: number,
  fp: number,
  fn: number,
  smoothNr = 0,
  smoothDr = 0,
  eps = 0,
  grad?: Float64Array,
  at = 0,
): number {
  const num = shape.a * tp + smoothNr;
  const raw = shape.a * tp + shape.wfp * fp + shape.wfn * fn + smoothDr;
  const clamped = eps > 0 && raw < eps;
  const den = clamped ? eps : raw;
  if (grad !== undefined) {
    const q2 = clamped ? 0 : num / (den * den);
    grad[at] = shape.a / den - shape.a * q2;
    grad[at + 1] = -shape.wfp * q2;
    grad[at + 2] = -shape.wfn * q2;
  }
  return num / den;
}

/** ∂s/∂(tp, fp, fn) per (row, class), the layout the pipeline's reducers fill. */
export interface ScoreGrads {
  dtp: Float64Array;
  dfp: Float64Array;
  dfn: Float64Array;
}

/**
 * A class-weighted ratio over K classes at `at … at + K − 1` (generalized Dice, Sudre et al. 2017, with the
 * Dice shape): `s = (smoothNr + Σ_k w_k·a·tp_k) / (smoothDr + Σ_k w_k·(a·tp_k + wfp·fp_k + wfn·fn_k))`. With
 * `grads`, adds `scale·∂s/∂x_k` into them (`∂s/∂tp_k = w_k·(a/D − a·s/D)`, `∂s/∂fp_k = −w_k·wfp·s/D`, …).
 * @example weightedRatioScore(fScoreShape(1), [1, 1], [3, 0], [1, 0], [2, 0], 0, 2) // 6/9, class 1 empty
 */
export function weightedRatioScore(
  shape: ScoreShape,
  w: ArrayLike<number>,
  tp: ArrayLike<number>,
  fp: ArrayLike<number>,
  fn: ArrayLike<number>,
  at: number,
  K: number,
  smoothNr = 0,
  smoothDr = 0,
  grads?: ScoreGrads,
  scale = 1,
): number {
  let num = smoothNr;
  let den = smoothDr;
  for (let k = 0; k < K; k++) {
    const q = at + k;
    num += w[k] * shape.a * tp[q];
    den += w[k] * (shape.a * tp[q] + shape.wfp * fp[q] + shape.wfn * fn[q]);
  }
  if (grads !== undefined) {
    const q2 = num / (den * den);
    for (let k = 0; k < K; k++) {
      const q = at + k;
      grads.dtp[q] += scale * w[k] * (shape.a / den - shape.a * q2);
      grads.dfp[q] += -scale * w[k] * shape.wfp * q2;
      grads.dfn[q] += -scale * w[k] * shape.wfn * q2;
    }
  }
  return num / den;
}

/**
 * The per-class loss of a score: `1 − s`, or with `logLoss` `−log(max(s, eps))` (smp's `log_loss`; its
 * derivative −1/s, 0 where the clamp holds). Writes ∂loss/∂s into `d[at]`.
 * @example scoreLoss(0.75, false, 0, d, 0) // 0.25, d[0] = −1
 */
export function scoreLoss(s: number, logLoss: boolean, eps: number, d: Float64Array, at: number): number {
  if (!logLoss) {
    d[at] = -1;
    return 1 - s;
  }
  const lo = eps > 0 ? eps : 0;
  if (s > lo) {
    d[at] = -1 / s;
    return -Math.log(s);
  }
  d[at] = 0;
  return -Math.log(lo);
}

/**
 * The focal exponent of focal Tversky (Abraham & Khan 2019): `max(l, 0)^γ`, and ∂/∂l = γ·l^(γ−1) into
 * `d[at]` (0 at l = 0 for γ ≠ 1: the loss is the constant 0 there, where torch's γ < 1 gives NaN).
 * @example focalPower(0.25, 2, d, 0) // 0.0625, d[0] = 0.5
 */
export function focalPower(l: number, gamma: number, d: Float64Array, at: number): number {
  const base = Math.max(l, 0);
  d[at] = base > 0 ? gamma * Math.pow(base, gamma - 1) : gamma === 1 ? 1 : 0;
  return Math.pow(base, gamma);
}

/**
 * log-cosh of a loss (Jadon 2020), `log(cosh(v)) = |v| + log1p(e^(−2|v|)) − log 2` (stable for large |v|); its
 * derivative is `tanh(v)`, written into `d[at]`.
 * @example logCosh(0, d, 0) // 0, d[0] = 0
 */
export function logCosh(v: number, d: Float64Array, at: number): number {
  d[at] = Math.tanh(v);
  const a = Math.abs(v);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}
