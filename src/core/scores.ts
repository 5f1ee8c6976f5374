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
 * Each formula is written once, generically over the small numeric {@link Algebra} of `./algebra.ts` (the
 * `…Of` functions): the core runs it on numbers, the TF.js op path (`src/tfjs/family/regionOps.ts`,
 * `src/tfjs/region.ts`) on tensors. The closed-form derivatives the core's backward pass needs sit next to
 * them (`ratioPartialsOf`, `scoreLossDerivative`, `focalPowerDerivative`).
 * @module
 */
import { type Algebra, numberAlgebra as NUM } from './algebra.js';

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
 * The two sides of a shape's ratio before smoothing: `num = a·tp`, `den = a·tp + wfp·fp + wfn·fn` (a term whose
 * weight is 0 is left out, so that precision never reads fn nor recall fp).
 * @example ratioTermsOf(numberAlgebra, fScoreShape(1), 3, 1, 2) // { num: 6, den: 9 }
 */
export function ratioTermsOf<T, M>(
  A: Algebra<T, M>,
  shape: ScoreShape,
  tp: T,
  fp: T,
  fn: T,
): { num: T; den: T } {
  const num = A.mul(tp, shape.a);
  let den = num;
  if (shape.wfp !== 0) den = A.add(den, A.mul(fp, shape.wfp));
  if (shape.wfn !== 0) den = A.add(den, A.mul(fn, shape.wfn));
  return { num, den };
}

/** A ratio score and the pieces its derivative reads. */
export interface RatioParts<T, M> {
  /** `a·tp + smoothNr`. */
  num: T;
  /** `max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`. */
  den: T;
  /** `num / den`. */
  s: T;
  /** Where the eps clamp holds the denominator constant (null without a clamp). */
  clamped: M | null;
}

/**
 * A shape divided through by its tp weight a (smp's Dice as a Tversky index: the smoothing then counts once).
 * @example unitTpShape(fScoreShape(1)) // { a: 1, wfp: 0.5, wfn: 0.5 }
 */
export function unitTpShape(shape: ScoreShape): ScoreShape {
  return scaleShape(shape, 1 / shape.a);
}

/**
 * The ratio score of a shape on any algebra: `s = (a·tp + smoothNr) / max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`
 * (no clamp when eps = 0). 0/0 is NaN (an empty class without smoothing).
 * @param smoothNr - added to the numerator. @default 0
 * @param smoothDr - added to the denominator. @default 0
 * @param eps - lower clamp of the denominator; 0 = none. @default 0
 * @example ratioScoreOf(numberAlgebra, fScoreShape(1), 3, 1, 2).s // (2*3)/(2*3+1+2) = 0.6667
 */
export function ratioScoreOf<T, M>(
  A: Algebra<T, M>,
  shape: ScoreShape,
  tp: T,
  fp: T,
  fn: T,
  smoothNr = 0,
  smoothDr = 0,
  eps = 0,
): RatioParts<T, M> {
  const t = ratioTermsOf(A, shape, tp, fp, fn);
  const num = smoothNr !== 0 ? A.add(t.num, smoothNr) : t.num;
  const raw = smoothDr !== 0 ? A.add(t.den, smoothDr) : t.den;
  const clamped = eps > 0 ? A.lt(raw, eps) : null;
  const den = eps > 0 ? A.max(raw, eps) : raw;
  return { num, den, s: A.div(num, den), clamped };
}

/**
 * The closed-form partial derivatives of a ratio score, `[∂s/∂tp, ∂s/∂fp, ∂s/∂fn] = [a/D − a·q, −wfp·q, −wfn·q]`
 * with `q = num/D²` (q = 0 where the eps clamp holds D constant).
 * @example ratioPartialsOf(numberAlgebra, iouShape(), ratioScoreOf(numberAlgebra, iouShape(), 1, 1, 0)) // [0.25, -0.25, -0.25]
 */
export function ratioPartialsOf<T, M>(
  A: Algebra<T, M>,
  shape: ScoreShape,
  parts: RatioParts<T, M>,
): [T, T, T] {
  const { num, den, clamped } = parts;
  const q0 = A.div(num, A.mul(den, den));
  const q = clamped === null ? q0 : A.where(clamped, 0, q0);
  return [A.sub(A.div(shape.a, den), A.mul(q, shape.a)), A.mul(q, -shape.wfp), A.mul(q, -shape.wfn)];
}

/**
 * The chain rule through the soft counts (tp = Σp·g, fp = Σp − tp, fn = Σg − tp): with ∂L/∂(tp, fp, fn) of a
 * (row, class), `∂L/∂p = A·g + B` per element on the plain form, `A = ∂L/∂tp − ∂L/∂fp − ∂L/∂fn`, `B = ∂L/∂fp`
 * (the other counting forms read A and B through their own t' and P'). Returns `[A, B]`.
 * @example countCoefficientsOf(numberAlgebra, -0.5, 0.25, 0.25) // [-1, 0.25]
 */
export function countCoefficientsOf<T, M>(A: Algebra<T, M>, dtp: T, dfp: T, dfn: T): [T, T] {
  return [A.sub(A.sub(dtp, dfp), dfn), dfp];
}

/**
 * The ratio score of a shape, `s = (a·tp + smoothNr) / max(a·tp + wfp·fp + wfn·fn + smoothDr, eps)`, and,
 * into `grad[at … at + 2]` when given, `∂s/∂tp = a/D − a·s/D`, `∂s/∂fp = −wfp·s/D`, `∂s/∂fn = −wfn·s/D` (0 where
 * the eps clamp holds D constant): {@link ratioScoreOf} and {@link ratioPartialsOf} on numbers.
 * 0/0 is NaN (an empty class without smoothing), never an exception.
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
  const parts = ratioScoreOf(NUM, shape, tp, fp, fn, smoothNr, smoothDr, eps);
  if (grad !== undefined) {
    const d = ratioPartialsOf(NUM, shape, parts);
    grad[at] = d[0];
    grad[at + 1] = d[1];
    grad[at + 2] = d[2];
  }
  return parts.s;
}

/** ∂s/∂(tp, fp, fn) per (row, class), the layout the pipeline's reducers fill. */
export interface ScoreGrads {
  dtp: Float64Array;
  dfp: Float64Array;
  dfn: Float64Array;
}

/**
 * A class-weighted ratio over K classes at `at … at + K − 1` (generalized Dice, Sudre et al. 2017, with the
 * Dice shape): `s = (smoothNr + Σ_k w_k·a·tp_k) / (smoothDr + Σ_k w_k·(a·tp_k + wfp·fp_k + wfn·fn_k))`, each
 * class's sides from {@link ratioTermsOf}. With `grads`, adds `scale·∂s/∂x_k` into them
 * (`∂s/∂tp_k = w_k·(a/D − a·s/D)`, `∂s/∂fp_k = −w_k·wfp·s/D`, …: {@link ratioPartialsOf} times w_k).
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
    const t = ratioTermsOf(NUM, shape, tp[q], fp[q], fn[q]);
    num += w[k] * t.num;
    den += w[k] * t.den;
  }
  const parts: RatioParts<number, boolean> = { num, den, s: num / den, clamped: null };
  if (grads !== undefined) {
    const d = ratioPartialsOf(NUM, shape, parts);
    for (let k = 0; k < K; k++) {
      const q = at + k;
      grads.dtp[q] += scale * w[k] * d[0];
      grads.dfp[q] += scale * w[k] * d[1];
      grads.dfn[q] += scale * w[k] * d[2];
    }
  }
  return parts.s;
}

/**
 * The per-class loss of a score on any algebra: `1 − s`, or with `logLoss` `−log(max(s, eps))` (smp's
 * `log_loss`; constant where the clamp holds, so no gradient flows there).
 * @example scoreLossOf(numberAlgebra, 0.75, false, 0) // 0.25
 */
export function scoreLossOf<T, M>(A: Algebra<T, M>, s: T, logLoss: boolean, eps: number): T {
  if (!logLoss) return A.sub(1, s);
  const lo = eps > 0 ? eps : 0;
  const above = A.gt(s, lo);
  return A.where(above, A.neg(A.log(A.where(above, s, 1))), -Math.log(lo));
}

/** ∂/∂s of {@link scoreLossOf}: −1, or with `logLoss` −1/s (0 where the clamp holds). @example scoreLossDerivative(0.5, true, 0) // -2 */
export function scoreLossDerivative(s: number, logLoss: boolean, eps: number): number {
  if (!logLoss) return -1;
  return s > (eps > 0 ? eps : 0) ? -1 / s : 0;
}

/**
 * The per-class loss of a score: {@link scoreLossOf} on numbers, and its derivative
 * ({@link scoreLossDerivative}) into `d[at]`.
 * @example scoreLoss(0.75, false, 0, d, 0) // 0.25, d[0] = −1
 */
export function scoreLoss(s: number, logLoss: boolean, eps: number, d: Float64Array, at: number): number {
  d[at] = scoreLossDerivative(s, logLoss, eps);
  return scoreLossOf(NUM, s, logLoss, eps);
}

/**
 * The focal exponent of focal Tversky (Abraham & Khan 2019) on any algebra: `max(l, 0)^γ` (0 at l ≤ 0, where
 * no gradient flows: the loss is the constant 0 there, where torch's γ < 1 gives NaN).
 * @example focalPowerOf(numberAlgebra, 0.25, 2) // 0.0625
 */
export function focalPowerOf<T, M>(A: Algebra<T, M>, l: T, gamma: number): T {
  const pos = A.gt(l, 0);
  // 0 for l ≤ 0; |l|·0 keeps a NaN a NaN (never a silent 0).
  return A.where(pos, A.pow(A.where(pos, l, 1), gamma), A.mul(A.abs(l), 0));
}

/** ∂/∂l of {@link focalPowerOf}: γ·l^(γ−1) for l > 0; at l ≤ 0, 1 for γ = 1 and 0 otherwise. @example focalPowerDerivative(0.25, 2) // 0.5 */
export function focalPowerDerivative(l: number, gamma: number): number {
  return l > 0 ? gamma * Math.pow(l, gamma - 1) : gamma === 1 ? 1 : 0;
}

/**
 * The focal exponent: {@link focalPowerOf} on numbers, and ∂/∂l ({@link focalPowerDerivative}) into `d[at]`.
 * @example focalPower(0.25, 2, d, 0) // 0.0625, d[0] = 0.5
 */
export function focalPower(l: number, gamma: number, d: Float64Array, at: number): number {
  d[at] = focalPowerDerivative(l, gamma);
  return focalPowerOf(NUM, l, gamma);
}

/**
 * log-cosh of a loss (Jadon 2020) on any algebra, `log(cosh(v)) = |v| + log1p(e^(−2|v|)) − log 2` (stable for
 * large |v|); its derivative is `tanh(v)`.
 * @example logCoshOf(numberAlgebra, 0) // 0
 */
export function logCoshOf<T, M>(A: Algebra<T, M>, v: T): T {
  const a = A.abs(v);
  return A.sub(A.add(a, A.log1p(A.exp(A.mul(a, -2)))), Math.LN2);
}

/**
 * log-cosh of a loss: {@link logCoshOf} on numbers, its derivative `tanh(v)` into `d[at]`.
 * @example logCosh(0, d, 0) // 0, d[0] = 0
 */
export function logCosh(v: number, d: Float64Array, at: number): number {
  d[at] = Math.tanh(v);
  return logCoshOf(NUM, v);
}

/** What a class term needs from the resolved options (a `RegionConfig` of `src/core/family/options.ts`). */
export interface ClassTermConfig {
  smoothNr: number;
  smoothDr: number;
  eps: number;
  logLoss: boolean;
  /** An empty class (G = 0): the formula's value, a term of 0, or left out of the mean. */
  emptyClass: 'formula' | 'zero' | 'skip';
}

/** One class's term of a region loss and the pieces its derivative reads. */
export interface ClassTerm<T, M> {
  parts: RatioParts<T, M>;
  /** The per-class loss ℓ = 1 − s (or −log s), before the focal exponent. */
  loss: T;
  /** `w·ℓ^γ`, 0 for an empty class unless `emptyClass` is `'formula'`. */
  term: T;
  /** Where the class is empty and its term forced to 0 (null with `'formula'`). */
  dropped: M | null;
  /** 1 where the class counts in the mean, 0 where it is skipped. */
  included: T | number;
}

/**
 * One (row, class) term of a region loss on any algebra: the shape's score, its loss (1 − s or −log s), the
 * focal exponent γ on it (`gamma` ≠ 1), the class weight w, and the empty-class policy (G = Σg = 0: keep the
 * formula, force 0, or skip the class in the mean).
 * @example classTermOf(numberAlgebra, fScoreShape(1), 3, 1, 2, 5, 1, cfg, 1).term // 1 − 6/9
 */
export function classTermOf<T, M>(
  A: Algebra<T, M>,
  shape: ScoreShape,
  tp: T,
  fp: T,
  fn: T,
  G: T,
  w: T | number,
  cfg: ClassTermConfig,
  gamma: number,
): ClassTerm<T, M> {
  const parts = ratioScoreOf(A, shape, tp, fp, fn, cfg.smoothNr, cfg.smoothDr, cfg.eps);
  const loss = scoreLossOf(A, parts.s, cfg.logLoss, cfg.eps);
  let term = A.mul(gamma !== 1 ? focalPowerOf(A, loss, gamma) : loss, w);
  const dropped = cfg.emptyClass === 'formula' ? null : A.eq(G, 0);
  if (dropped !== null) term = A.where(dropped, 0, term);
  const included = dropped !== null && cfg.emptyClass === 'skip' ? A.where(dropped, 0, 1) : 1;
  return { parts, loss, term, dropped, included };
}

/** What the reduction of the class terms needs from the resolved options. */
export interface TermReductionConfig {
  reduction: 'mean' | 'sum';
  /** `'score'` (sm: weights on the scores), `'loss'` (weights on the losses), `'normalized'` (÷ Σw). */
  classWeightMode: 'score' | 'loss' | 'normalized';
}

/**
 * The reduction of a region loss's class terms on any algebra, from their sum `total`, the number `count` of
 * included terms and the sum `wsum` of their weights: `total·scale` with scale = 1 (sum), 1/count (mean) or
 * 1/wsum (`'normalized'`, 0 when wsum = 0); sm's `'score'` mode adds `1 − wsum/count` (its loss is 1 − the
 * weighted mean score); 0 when nothing is included; then γ on the result (`gammaOnMean`, smp's focal Tversky).
 * Returns the value, the scale (∂value/∂total before γ) and the value before γ.
 * @example reduceTermsOf(numberAlgebra, 0.5, 2, 2, { reduction: 'mean', classWeightMode: 'loss' }, 1).value // 0.25
 */
export function reduceTermsOf<T, M>(
  A: Algebra<T, M>,
  total: T,
  count: T,
  wsum: T,
  cfg: TermReductionConfig,
  gammaOnMean: number,
): { value: T; scale: T | number; mean: T } {
  const some = A.gt(count, 0);
  let scale: T | number = 1;
  let value = total;
  if (cfg.reduction === 'mean') {
    if (cfg.classWeightMode === 'normalized') {
      const pos = A.gt(wsum, 0);
      scale = A.where(pos, A.div(1, A.where(pos, wsum, 1)), 0);
    } else scale = A.div(1, A.where(some, count, 1));
    value = A.mul(total, scale);
    if (cfg.classWeightMode === 'score') value = A.add(value, A.sub(1, A.div(wsum, A.where(some, count, 1))));
  }
  const mean = A.where(some, value, 0);
  return { value: gammaOnMean !== 1 ? focalPowerOf(A, mean, gammaOnMean) : mean, scale, mean };
}

/**
 * A generalized Dice class weight from the class's gt volume G (Sudre et al. 2017) on any algebra: 1
 * (`'uniform'`), 1/G (`'simple'`) or 1/G² (`'square'`), and 0 where G = 0 (an absent class; the reducer then
 * gives it the row's largest weight or leaves the 0, as `absentWeight` says). Constant in the gradient.
 * @example generalizedDiceWeightOf(numberAlgebra, 4, 'square') // 1/16
 */
export function generalizedDiceWeightOf<T, M>(
  A: Algebra<T, M>,
  G: T,
  weightType: 'square' | 'simple' | 'uniform',
): T | number {
  if (weightType === 'uniform') return 1;
  const present = A.not(A.eq(G, 0));
  const safe = A.where(present, G, 1);
  return A.where(present, A.div(1, weightType === 'simple' ? safe : A.mul(safe, safe)), 0);
}

/**
 * The Matthews correlation coefficient's two sides on any algebra (Matthews 1975):
 * `num = tp·tn − fp·fn`, `den = √(tp+fp)·√(tp+fn)·√(tn+fp)·√(tn+fn)` (four roots: no overflow of the product);
 * MCC = num/den (the hard-count finisher `mccFromCounts` and smp's soft `MCCLoss`, 1 − MCC, on numbers and on
 * tensors).
 * @example mccSidesOf(numberAlgebra, 3, 1, 2, 10) // { num: 28, den: √4·√5·√11·√12 }
 */
export function mccSidesOf<T, M>(A: Algebra<T, M>, tp: T, fp: T, fn: T, tn: T): { num: T; den: T } {
  const num = A.sub(A.mul(tp, tn), A.mul(fp, fn));
  const den = A.mul(
    A.mul(A.sqrt(A.add(tp, fp)), A.sqrt(A.add(tp, fn))),
    A.mul(A.sqrt(A.add(tn, fp)), A.sqrt(A.add(tn, fn))),
  );
  return { num, den };
}
