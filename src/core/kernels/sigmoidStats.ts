/**
 * The JS kernels of the region statistics stage from logits with a sigmoid (`src/core/family/denseStats.ts`):
 * pass 1 adds, per channel of a strided run, Σ p·g, Σ p and Σ g with p = σ(x) rounded to float32 (the general
 * path's probabilities for float32 logits), and stores p in the caller's gradient buffer when asked; pass 2
 * writes ∂L/∂x = (a·g + b)·(p·(1 − p)) in float64, rounded once to float32, from that stored p or from σ of
 * the logits again. `regionWasm.ts` runs the same two passes in WebAssembly SIMD on runs of whole pixels (the
 * same float64 gradient arithmetic; its σ within SOFTPLUS_F32X4_BOUNDS.sigmoidUlps of this one); these loops run
 * the rest (tails, channel subsets in channels-last, no WebAssembly). Strided and additive like
 * {@link ./regionStats.ts}: channel k of the run goes to `out[at + 3k]` (Σ p·g), `+ 1` (Σ p), `+ 2` (Σ g).
 * @module
 */
import { numberAlgebra } from '../algebra.js';
import type { FloatArray } from './regionStats.js';

const sigmoid = numberAlgebra.sigmoid;

/** A strided run: `count` adjacent channels, element `i + k` for `i = start; i < end; i += step` (k < count). */
export interface StridedRun {
  start: number;
  end: number;
  step: number;
  count: number;
  /**
   * The per-image fused form (`family/denseFused.ts`): the fused WebAssembly module keeps the run's p (and its
   * targets' masks) in its memory at `hold` in pass 1 and reads them there in pass 2, instead of storing p in the
   * gradient buffer. Runs that module cannot take, and the JS kernels, ignore it (they store p as asked).
   */
  hold?: Held;
}

/**
 * Cursors into the fused WebAssembly module's memory, where the fused form keeps an image's p and its targets'
 * masks between its passes (`kernels/regionWasm.ts` `holdFor`): `at` (p) and `masks` advance run by run, `exact`
 * records per block whether its targets were all exactly 1.0 or +0.0 (pass 2 reads it from `next` on).
 */
export interface Held {
  at: number;
  masks: number;
  capacity: number;
  exact: boolean[];
  next: number;
}

/**
 * One sigmoid statistics pass over a call (its logits, where p goes, and what pass 1 saw), shared by the JS
 * and WebAssembly kernels.
 */
export interface SigmoidPass {
  /** The logits (float32). */
  x: Float32Array;
  /** Where pass 1 writes p = σ(x) (at the logits' places), for pass 2 to read back. */
  store?: Float32Array;
  /** NaN-sticky Σ (x − x) over the logits read: 0 exactly when they are all finite. */
  bad: number;
  /**
   * Whether some target read was not exactly 0 or 1 (then the soft-label form differs from the plain one).
   * The WebAssembly kernels test the bits of +0.0 and 1.0 (so −0.0 counts as soft there); these loops `g === 0`.
   */
  soft: boolean;
}

/**
 * Pass 1 over a strided run: adds Σ σ(x)·g, Σ σ(x), Σ g of the run's channel k to `out[at + 3k]`, `+ 1`, `+ 2`;
 * updates `pass.bad`, `pass.soft` and writes σ(x) to `pass.store`.
 * @example // gt [1, 0], logits [0, 0]: out = [0.5, 1, 1]
 * sigmoidSums(new Float32Array([1, 0]), { x: new Float32Array(2), bad: 0, soft: false }, { start: 0, end: 2, step: 1, count: 1 }, out, 0)
 */
export function sigmoidSums(
  gt: FloatArray,
  pass: SigmoidPass,
  run: StridedRun,
  out: Float64Array,
  at: number,
): void {
  const { x, store } = pass;
  const { start, end, step, count } = run;
  let bad = 0;
  let soft = 0;
  for (let k = 0; k < count; k++) {
    let t = 0;
    let sp = 0;
    let sg = 0;
    for (let i = start + k; i < end; i += step) {
      const v = x[i];
      bad += v - v;
      const p = Math.fround(sigmoid(v));
      const g = gt[i];
      soft += g === 0 || g === 1 ? 0 : 1;
      t += p * g;
      sp += p;
      sg += g;
      if (store !== undefined) store[i] = p;
    }
    out[at + 3 * k] += t;
    out[at + 3 * k + 1] += sp;
    out[at + 3 * k + 2] += sg;
  }
  pass.bad += bad;
  if (soft !== 0) pass.soft = true;
}

/** The inputs and output of a sigmoid gradient pass: logits, where pass 1 stored σ of them (or not), ∂L/∂x. */
export interface SigmoidGradArrays {
  x: Float32Array;
  stored: Float32Array | undefined;
  grad: Float32Array;
}

/**
 * Pass 2 over the same run: `grad[i] = (a_k·gt[i] + b_k)·(p·(1 − p))` with `a_k = coef[at + 2k]`,
 * `b_k = coef[at + 2k + 1]` and p read from `stored` (pass 1's store; it may be `grad` itself) or σ(x[i]) again.
 * @example // logits 0 (p = ½), gt 1, a = 2, b = −1: grad = [(2 − 1)·¼] = [0.25]
 * sigmoidGrad(new Float32Array([1]), { x: new Float32Array(1), stored: undefined, grad }, { start: 0, end: 1, step: 1, count: 1 }, new Float64Array([2, -1]), 0)
 */
export function sigmoidGrad(
  gt: FloatArray,
  arrays: SigmoidGradArrays,
  run: StridedRun,
  coef: Float64Array,
  at: number,
): void {
  const { x, stored, grad } = arrays;
  const { start, end, step, count } = run;
  for (let k = 0; k < count; k++) {
    const a = coef[at + 2 * k];
    const b = coef[at + 2 * k + 1];
    for (let i = start + k; i < end; i += step) {
      const p = stored !== undefined ? stored[i] : Math.fround(sigmoid(x[i]));
      grad[i] = (a * gt[i] + b) * (p * (1 - p));
    }
  }
}
