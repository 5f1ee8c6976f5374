/**
 * One-pass kernels of sm's cross-entropy and focal losses: each returns the (unscaled) sum of the loss terms
 * of its run and, when `grad` is given, writes `scale · ∂term/∂pr` there. Every `Math.log` / `Math.pow` is
 * computed once, and only where its term is not multiplied by zero (gt = 0 or gt = 1).
 *
 * Clipping follows Keras: `p = clip(pr, eps, 1 − eps)` with eps = 1e-7; its gradient passes where
 * `eps ≤ pr ≤ 1 − eps` (bounds included, as torch's clamp) and is 0 outside. A NaN prediction gives NaN.
 * No validation, no allocation; but each kernel flags bad input inside its pass: `flag[0]` (when given)
 * receives a value that is 0 exactly when every pr it read lies in [0, 1] and every gt it read is finite (NaN
 * otherwise), so the caller scans only a flagged run for the first offender (`checkInputDomain`).
 * @module
 */
import type { FloatArray } from './regionStats.js';
import { numberAlgebra } from '../algebra.js';
import {
  KERAS_EPSILON,
  crossEntropySideOf,
  focalSideLogSlopeOf,
  focalSideOf,
  kerasBceSideOf,
  kerasBceSideSlopeOf,
} from '../family/elementwiseTerms.js';

// The per-element formulas are the ones of core/family/elementwiseTerms.ts, on numbers; the kernels add the
// clip, the skip of a side multiplied by 0, the reduction scale and the input flag.
const EPS = KERAS_EPSILON;
const HI = 1 - EPS;

/**
 * Where the one non-zero gt value of a pixel sits among its selected channels (element offsets
 * `offsets[k]` from `at`): `k` when exactly one selected channel has gt = 1 and the others 0, −1 when all
 * are 0, −2 otherwise (soft or multi-label gt) or when a prediction of the pixel is NaN. Branch-free over
 * the channels (k = Σ k·gt_k, checked by Σ gt² = gt_k²), so one-hot pixels cost no mispredicted branches.
 */
function hotChannel(gt: FloatArray, pr: FloatArray, at: number, offsets: Int32Array): number {
  let kf = 0,
    g2 = 0,
    z = 0;
  for (let k = 0; k < offsets.length; k++) {
    const g = gt[at + offsets[k]];
    kf += k * g;
    g2 += g * g;
    z += pr[at + offsets[k]];
  }
  if (z !== z) return -2;
  if (g2 === 0) return -1;
  const k = kf | 0;
  if (k === kf && k >= 0 && k < offsets.length && g2 === 1 && gt[at + offsets[k]] === 1) return k;
  return -2;
}

/**
 * One categorical focal term `−g·α·(1 − p)^γ·log p` at element `i`; writes its gradient
 * `−scale·g·α·((1 − p)^γ / p − γ·(1 − p)^(γ−1)·log p)` (0 outside the clip range) when `grad` is given.
 */
function focalTerm(
  g: number,
  x: number,
  grad: Float32Array | null,
  i: number,
  alpha: number,
  gamma: number,
  scale: number,
): number {
  const NUM = numberAlgebra; // a local: the JIT folds the inlined calls on it
  const p = x < EPS ? EPS : x > HI ? HI : x;
  const om = 1 - p;
  const lp = Math.log(p);
  const ga = g * alpha;
  if (grad !== null && x >= EPS && x <= HI) {
    grad[i] = (scale * ga * (focalSideLogSlopeOf(NUM, p, om, lp, gamma) as number)) / p;
  }
  return ga * focalSideOf(NUM, om, lp, gamma);
}

/**
 * Categorical focal terms over `i = start; i < end; i += step`, skipping gt = 0 (a NaN prediction still
 * gives NaN, as in sm). A plain per-element loop: in-process probes ran it 10–20 % faster than a branch-free
 * one-hot pixel scan.
 */
export function focalRun(
  gt: FloatArray,
  pr: FloatArray,
  grad: Float32Array | null,
  start: number,
  end: number,
  step: number,
  alpha: number,
  gamma: number,
  scale: number,
  flag: Float64Array | null = null,
): number {
  let sum = 0;
  let bad = 0;
  const check = flag !== null;
  for (let i = start; i < end; i += step) {
    const g = gt[i];
    const x = pr[i];
    if (check) {
      if (!(x >= 0 && x <= 1)) bad = NaN;
      bad += g - g;
    }
    if (g === 0 && x === x) continue;
    sum += focalTerm(g, x, grad, i, alpha, gamma, scale);
  }
  if (flag !== null) flag[0] += bad;
  return sum;
}

/**
 * Binary focal terms `−gt·α·(1 − p)^γ·log p − (1 − gt)·(1 − α)·p^γ·log(1 − p)` over a run.
 */
export function binaryFocalRun(
  gt: FloatArray,
  pr: FloatArray,
  grad: Float32Array | null,
  start: number,
  end: number,
  step: number,
  alpha: number,
  gamma: number,
  scale: number,
  flag: Float64Array | null = null,
): number {
  const NUM = numberAlgebra; // a local: the JIT folds the inlined calls on it
  let sum = 0;
  let bad = 0;
  const check = flag !== null;
  for (let i = start; i < end; i += step) {
    const g = gt[i];
    const x = pr[i];
    if (check) {
      if (!(x >= 0 && x <= 1)) bad = NaN;
      bad += g - g;
    }
    const p = x < EPS ? EPS : x > HI ? HI : x;
    let d = 0;
    // The focal sides of p and 1 − p, each skipped where gt makes its weight 0.
    if (g !== 0 || x !== x) {
      const om = 1 - p;
      const lp = Math.log(p);
      const ga = g * alpha;
      sum += ga * focalSideOf(NUM, om, lp, gamma);
      d += (ga * (focalSideLogSlopeOf(NUM, p, om, lp, gamma) as number)) / p;
    }
    if (g !== 1 || x !== x) {
      const om = 1 - p;
      const lq = Math.log(om);
      const gb = (1 - g) * (1 - alpha);
      sum += gb * focalSideOf(NUM, p, lq, gamma);
      d -= (gb * (focalSideLogSlopeOf(NUM, om, p, lq, gamma) as number)) / om;
    }
    if (grad !== null) grad[i] = x >= EPS && x <= HI ? scale * d : 0;
  }
  if (flag !== null) flag[0] += bad;
  return sum;
}

/**
 * Keras 2.x `binary_crossentropy` terms `−(gt·log(p + eps) + (1 − gt)·log(1 − p + eps))` over a run,
 * `p = clip(pr, eps, 1 − eps)`.
 */
export function bceRun(
  gt: FloatArray,
  pr: FloatArray,
  grad: Float32Array | null,
  start: number,
  end: number,
  step: number,
  scale: number,
  flag: Float64Array | null = null,
): number {
  const NUM = numberAlgebra; // a local: the JIT folds the inlined calls on it
  let sum = 0;
  let bad = 0;
  const check = flag !== null;
  for (let i = start; i < end; i += step) {
    const g = gt[i];
    const x = pr[i];
    if (check) {
      if (!(x >= 0 && x <= 1)) bad = NaN;
      bad += g - g;
    }
    const p = x < EPS ? EPS : x > HI ? HI : x;
    let d = 0;
    // Keras' sides −log(p + ε) and −log(1 − p + ε), each skipped where gt makes its weight 0.
    if (g !== 0 || x !== x) {
      sum += g * kerasBceSideOf(NUM, p);
      d += g * kerasBceSideSlopeOf(NUM, p);
    }
    if (g !== 1 || x !== x) {
      sum += (1 - g) * kerasBceSideOf(NUM, 1 - p);
      d -= (1 - g) * kerasBceSideSlopeOf(NUM, 1 - p);
    }
    if (grad !== null) grad[i] = x >= EPS && x <= HI ? scale * d : 0;
  }
  if (flag !== null) flag[0] += bad;
  return sum;
}

/**
 * sm's categorical cross-entropy over `pixels` pixels starting at `base` (pixel stride `pixelStride`): per
 * pixel, the selected channels (element offsets `offsets[k]`, weights `weights[k]`) are normalised by their
 * sum `s`, `q = clip(pr / s, eps, 1 − eps)`, and the term is `−Σ_k gt_k·w_k·log q_k`.
 * Gradient: `u_k = −scale·gt_k·w_k / q_k` inside the clip range (0 outside), then
 * `∂/∂pr_j = (u_j − Σ_k u_k·q_k) / s`, where `Σ_k u_k·q_k = −scale·Σ_inside gt_k·w_k` needs no division.
 * These are elementwiseTerms' `crossEntropySlopeOf` and `normalisedSlopeOf` (the TF.js op path calls them),
 * written out here: calling them in this loop made it 1.7–2× slower in CPU time (V8 no longer kept the
 * loop's speed; `docs/notes/issue-10-cceonce.md`). test/family/elementwiseTerms.test.ts checks the kernel's
 * gradient against them.
 * One `Math.log` per selected channel with `gt·w ≠ 0`. `u` is scratch of length ≥ K.
 */
export function cceRun(
  gt: FloatArray,
  pr: FloatArray,
  grad: Float32Array | null,
  base: number,
  pixels: number,
  pixelStride: number,
  offsets: Int32Array,
  weights: Float64Array,
  scale: number,
  u: Float64Array,
  flag: Float64Array | null = null,
): number {
  const NUM = numberAlgebra; // a local: the JIT folds the inlined calls on it
  const K = offsets.length;
  let sum = 0;
  let bad = 0;
  const check = flag !== null;
  for (let j = 0, at = base; j < pixels; j++, at += pixelStride) {
    let s = 0;
    for (let k = 0; k < K; k++) {
      const x = pr[at + offsets[k]];
      if (check) {
        if (!(x >= 0 && x <= 1)) bad = NaN;
        bad += gt[at + offsets[k]] - gt[at + offsets[k]];
      }
      s += x;
    }
    if (!(s > 0 && s < Infinity)) {
      // 0/0, ±∞ or NaN: let IEEE arithmetic give sm's NaN for the whole pixel.
      sum += cceDegeneratePixel(gt, pr, grad, at, offsets, weights, s);
      continue;
    }
    const hot = hotChannel(gt, pr, at, offsets);
    if (hot === -1) continue; // no gt in the selected channels: no term, zero gradient
    let dot = 0;
    if (hot >= 0) {
      // One-hot pixel: one term; every selected channel gets −dot/s, the hot one u/s = dot/pr on top.
      const i = at + offsets[hot];
      const gw = weights[hot];
      const inv = 1 / s;
      const q = pr[i] * inv;
      sum += gw * crossEntropySideOf(NUM, Math.log(q < EPS ? EPS : q > HI ? HI : q));
      if (grad !== null && q >= EPS && q <= HI) {
        // ∂(−log q)/∂q = −1/q (the side's log-slope −1 over q).
        dot = -scale * gw;
        const rest = -dot * inv;
        for (let k = 0; k < K; k++) grad[at + offsets[k]] = rest;
        grad[i] = rest + dot / pr[i];
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      const i = at + offsets[k];
      const gw = gt[i] * weights[k];
      u[k] = 0;
      if (gw === 0) continue;
      const q = pr[i] / s;
      sum += gw * crossEntropySideOf(NUM, Math.log(q < EPS ? EPS : q > HI ? HI : q));
      if (q >= EPS && q <= HI) {
        u[k] = (-scale * gw) / q;
        dot -= scale * gw;
      }
    }
    if (grad !== null) for (let k = 0; k < K; k++) grad[at + offsets[k]] = (u[k] - dot) / s;
  }
  if (flag !== null) flag[0] += bad;
  return sum;
}

/** The terms of a pixel whose selected probabilities do not sum to a positive finite number (NaN results). */
function cceDegeneratePixel(
  gt: FloatArray,
  pr: FloatArray,
  grad: Float32Array | null,
  at: number,
  offsets: Int32Array,
  weights: Float64Array,
  s: number,
): number {
  let sum = 0;
  for (let k = 0; k < offsets.length; k++) {
    const q = pr[at + offsets[k]] / s;
    sum +=
      gt[at + offsets[k]] *
      weights[k] *
      crossEntropySideOf(numberAlgebra, Math.log(q < EPS ? EPS : q > HI ? HI : q));
    if (grad !== null) grad[at + offsets[k]] = NaN;
  }
  return sum;
}
