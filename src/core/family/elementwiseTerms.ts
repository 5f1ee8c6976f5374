/**
 * The per-element formulas of the elementwise losses, each written once over the numeric {@link Algebra} (as the
 * score table `src/core/scores.ts` is), so the core's JS loops run them on numbers (`numberAlgebra`) and the TF.js
 * op path on tensors (`tensorAlgebra`, nothing read back):
 *
 * - the focal side `(1 − q)^γ·(−log q)` and its derivative with respect to `log q`; with γ = 0 it is the
 *   cross-entropy side `−log q`, so sm's categorical cross-entropy, sm's categorical and binary focal losses, the
 *   family's focal loss (sigmoid and softmax forms, from probabilities or logits) and the softmax cross-entropy
 *   of `diceCELoss` / smp's `SoftCrossEntropyLoss` are all sums of `weight · side`;
 * - Keras' binary cross-entropy side `−log(q + ε)` (sm `BinaryCELoss`) and its derivative;
 * - the two-sided mix `t·pos + (1 − t)·neg` of the binary losses;
 * - log σ(x) and PyTorch's `binary_cross_entropy_with_logits` with a positive weight, and its derivative;
 * - label smoothing: smp's `SoftBCEWithLogitsLoss` target `t + s·(1 − 2t)` and the softmax cross-entropy's
 *   `(1 − ε)·t + ε/C`;
 * - Keras' clip `clip(p, ε, 1 − ε)` (ε = 1e-7) and its bounds.
 *
 * Citations: Lin et al. 2017 (focal loss); Szegedy et al. 2016 (label smoothing); tf.keras 2.x
 * `K.binary_crossentropy` / `K.categorical_crossentropy` (the clip and the `+ ε` inside the log).
 * @module
 */
import type { Algebra } from '../algebra.js';

/** Keras' epsilon (`K.epsilon()`), the clip margin of probabilities and the `+ ε` of its binary cross-entropy. */
export const KERAS_EPSILON = 1e-7;

/** Keras' clip bounds `[ε, 1 − ε]` rounded to float32, as a float32 backend holds them. */
export const KERAS_CLIP_LO = Math.fround(KERAS_EPSILON);
/** Upper bound of {@link KERAS_CLIP_LO}'s range, `fround(1 − ε)`. */
export const KERAS_CLIP_HI = Math.fround(1 - KERAS_EPSILON);

/**
 * Keras' probability clip `clip(p, ε, 1 − ε)` with the float32 bounds; its derivative passes where
 * `ε ≤ p ≤ 1 − ε` (bounds included, as TensorFlow's and PyTorch's clips).
 * @example kerasClipOf(numberAlgebra, 0) // 1.0000000116860974e-7 (fround(1e-7))
 */
export function kerasClipOf<T, M>(A: Algebra<T, M>, p: T): T {
  return A.clip(p, KERAS_CLIP_LO, KERAS_CLIP_HI);
}

/**
 * `x^e` for a constant `e` ≥ 0, with the exponents 0, 1 and 2 as cheaper operations (`1`, `x`, `x·x`) and, for
 * other exponents, 0 (its derivative 0) where x ≤ 0: a tensor autodiff of `pow` would give `e·0^{e−1}` there,
 * NaN or ∞ for e < 1.
 * @example powOf(numberAlgebra, 0.5, 2) // 0.25
 */
export function powOf<T, M>(A: Algebra<T, M>, x: T, e: number): T | number {
  // Kept small: the JS loops inline it (a JIT's inlining budget is what keeps them fast).
  return e === 2 ? A.mul(x, x) : e === 1 ? x : e === 0 ? 1 : guardedPow(A, x, e);
}

/** `x^e` where x > 0, else 0 (with a zero derivative). */
function guardedPow<T, M>(A: Algebra<T, M>, x: T, e: number): T {
  const pos = A.gt(x, 0);
  return A.where(pos, A.pow(A.where(pos, x, 1), e), 0);
}

/**
 * The cross-entropy side of a probability q: `−log q`, given `log q` (log-softmax / log-sigmoid from logits).
 * Its derivative with respect to `log q` is −1 ({@link focalSideLogSlopeOf} with γ = 0).
 * @example crossEntropySideOf(numberAlgebra, Math.log(0.5)) // log 2 = 0.6931
 */
export function crossEntropySideOf<T, M>(A: Algebra<T, M>, logQ: T): T {
  return A.neg(logQ);
}

/**
 * The focal side of a probability q: `(1 − q)^γ·(−log q)` (Lin et al. 2017), given `1 − q` and `log q` (so a
 * caller from logits passes log-sigmoid / log-softmax values). γ = 0 gives the cross-entropy side `−log q`.
 * @param omq - `1 − q`.
 * @param logQ - `log q`.
 * @param gamma - focusing parameter γ ≥ 0.
 * @example focalSideOf(numberAlgebra, 0.5, Math.log(0.5), 2) // 0.25·log 2 = 0.1733
 */
export function focalSideOf<T, M>(A: Algebra<T, M>, omq: T, logQ: T, gamma: number): T {
  const side = crossEntropySideOf(A, logQ);
  return gamma === 0 ? side : A.mul(powOf(A, omq, gamma), side);
}

/**
 * The derivative of {@link focalSideOf} with respect to `log q`:
 * `∂/∂log q [(1 − q)^γ·(−log q)] = γ·q·(1 − q)^{γ−1}·log q − (1 − q)^γ` (−1 when γ = 0). Times `1/q` it is the
 * derivative with respect to q; times `1 − q` the derivative with respect to the logit of a sigmoid.
 * @example focalSideLogSlopeOf(numberAlgebra, 0.5, 0.5, Math.log(0.5), 2) // 2·0.5·0.5·log 0.5 − 0.25 = −0.5966
 */
export function focalSideLogSlopeOf<T, M>(
  A: Algebra<T, M>,
  q: T,
  omq: T,
  logQ: T,
  gamma: number,
): T | number {
  if (gamma === 0) return -1;
  // (1 − q)^{γ−1}·(γ·q·log q − (1 − q)): one power.
  return A.mul(powOf(A, omq, gamma - 1), A.sub(A.mul(A.mul(q, logQ), gamma), omq));
}

/**
 * The derivative of a weighted cross-entropy side `gw·(−log q)` with respect to q: `u = −gw / q` (the side's
 * log-slope −1 of {@link focalSideLogSlopeOf} at γ = 0, over q). With a loss scale folded into `gw` it is sm's
 * `CategoricalCELoss` gradient before the per-pixel normalisation ({@link normalisedSlopeOf}).
 * @param gw - the term's weight (gt·class weight, times the reduction scale if any).
 * @param q - the (clipped) probability.
 * @example crossEntropySlopeOf(numberAlgebra, 2, 0.5) // −4
 */
export function crossEntropySlopeOf<T, M>(A: Algebra<T, M>, gw: T, q: T): T {
  return A.div(A.neg(gw), q);
}

/**
 * The gradient through a per-pixel normalisation `r_c = pr_c / s`, `s = Σ_c pr_c` (sm `CategoricalCELoss`
 * rescales the selected channels to sum to 1): given `u_c = ∂loss/∂r_c` and `uDotR = Σ_c u_c·r_c`,
 * `∂loss/∂pr_j = (u_j − Σ_c u_c·r_c) / s`. For the cross-entropy's `u_c = −gw_c / r_c` (inside the clip),
 * `Σ_c u_c·r_c = −Σ_inside gw_c` needs no division.
 * @example normalisedSlopeOf(numberAlgebra, -4, -1, 2) // (−4 + 1)/2 = −1.5
 */
export function normalisedSlopeOf<T, M>(
  A: Algebra<T, M>,
  u: T | number,
  uDotR: T | number,
  s: T | number,
): T {
  return A.div(A.sub(u, uDotR), s);
}

/**
 * Keras' binary cross-entropy side `−log(q + ε)` of a clipped probability (ε = 1e-7; tf.keras 2.x
 * `K.binary_crossentropy`, sm `BinaryCELoss`); the other side is the same function of `1 − q`.
 * @example kerasBceSideOf(numberAlgebra, 0.9) // −log(0.9000001) = 0.1054
 */
// (1e-7 is KERAS_EPSILON written as a literal: an imported constant costs the inlined JS loops a load.)
export function kerasBceSideOf<T, M>(A: Algebra<T, M>, q: T): T {
  return A.neg(A.log(A.add(q, 1e-7)));
}

/**
 * The derivative of {@link kerasBceSideOf}: `−1 / (q + ε)`.
 * @example kerasBceSideSlopeOf(numberAlgebra, 0.5) // −1.9999996
 */
export function kerasBceSideSlopeOf<T, M>(A: Algebra<T, M>, q: T): T {
  return A.div(-1, A.add(q, 1e-7));
}

/**
 * The two-sided term of a binary loss: `t·pos + (1 − t)·neg` (the positive side weighs the target, the negative
 * side its complement).
 * @example binaryMixOf(numberAlgebra, 0.25, 4, 8) // 0.25·4 + 0.75·8 = 7
 */
export function binaryMixOf<T, M>(A: Algebra<T, M>, t: T | number, pos: T | number, neg: T | number): T {
  return A.add(A.mul(t, pos), A.mul(A.sub(1, t), neg));
}

/**
 * `log σ(x) = −softplus(−x)`, finite for any finite logit.
 * @example logSigmoidOf(numberAlgebra, 0) // −log 2 = −0.6931
 */
export function logSigmoidOf<T, M>(A: Algebra<T, M>, x: T): T {
  return A.neg(A.softplus(A.neg(x)));
}

/**
 * Binary cross-entropy from a logit with a positive weight (PyTorch `binary_cross_entropy_with_logits`):
 * `ℓ(x, t) = −(w·t·log σ(x) + (1 − t)·log σ(−x))`.
 * @example bceLogitsOf(numberAlgebra, 0, 1, 1) // log 2 = 0.6931
 */
export function bceLogitsOf<T, M>(A: Algebra<T, M>, x: T, t: T | number, w: T | number): T {
  return A.neg(A.add(A.mul(A.mul(w, t), logSigmoidOf(A, x)), A.mul(A.sub(1, t), logSigmoidOf(A, A.neg(x)))));
}

/**
 * The derivative of {@link bceLogitsOf} with respect to the logit: `∂ℓ/∂x = −w·t·σ(−x) + (1 − t)·σ(x)`.
 * @example bceLogitsSlopeOf(numberAlgebra, 0, 1, 1) // −0.5
 */
export function bceLogitsSlopeOf<T, M>(A: Algebra<T, M>, x: T, t: T | number, w: T | number): T {
  return A.add(A.mul(A.neg(A.mul(w, t)), A.sigmoid(A.neg(x))), A.mul(A.sub(1, t), A.sigmoid(x)));
}

/**
 * smp's `SoftBCEWithLogitsLoss` label smoothing: `t' = (1 − t)·s + t·(1 − s) = t + s·(1 − 2t)`.
 * @example smoothBinaryTargetOf(numberAlgebra, 1, 0.1) // 0.9
 */
export function smoothBinaryTargetOf<T, M>(A: Algebra<T, M>, t: T, s: number): T {
  return A.add(t, A.mul(A.sub(1, A.mul(t, 2)), s));
}

/**
 * Label smoothing of a softmax cross-entropy over C classes (Szegedy et al. 2016; PyTorch `label_smoothing`,
 * smp `SoftCrossEntropyLoss`): `t' = (1 − ε)·t + ε/C`.
 * @example smoothTargetOf(numberAlgebra, 1, 0.1, 4) // 0.925
 */
export function smoothTargetOf<T, M>(A: Algebra<T, M>, t: T, eps: number, C: number): T {
  return A.add(A.mul(t, 1 - eps), eps / C);
}

/**
 * smp's focal modulating factor of an element whose binary cross-entropy is ℓ, with `p_t = e^{−ℓ}` and
 * `u = 1 − p_t`: `u^γ`, or with `reducedThreshold` th (reduced focal loss, Sergievskiy & Ponamarev 2019) 1 where
 * `p_t < th` and `(u / th)^γ` elsewhere (smp `focal_loss_with_logits`).
 * @example smpFocalFactorOf(numberAlgebra, 0.5, 2, undefined) // 0.25
 */
export function smpFocalFactorOf<T, M>(A: Algebra<T, M>, pt: T, gamma: number, th: number | undefined): T {
  const u = A.sub(1, pt);
  if (th === undefined) return A.mul(powOf(A, u, gamma), 1);
  return A.where(A.lt(pt, th), 1, powOf(A, A.div(u, th), gamma));
}

/**
 * The derivative of {@link smpFocalFactorOf} with respect to `u = 1 − p_t`: `γ·u^{γ−1}` (`γ·(u/th)^{γ−1}/th`
 * where reduced, 0 where the factor is the constant 1); 0 when γ = 0.
 * @example smpFocalFactorSlopeOf(numberAlgebra, 0.5, 2, undefined) // 1
 */
export function smpFocalFactorSlopeOf<T, M>(
  A: Algebra<T, M>,
  pt: T,
  gamma: number,
  th: number | undefined,
): T | number {
  if (gamma === 0) return 0;
  const u = A.sub(1, pt);
  if (th === undefined) return A.mul(powOf(A, u, gamma - 1), gamma);
  return A.where(A.lt(pt, th), 0, A.mul(powOf(A, A.div(u, th), gamma - 1), gamma / th));
}
