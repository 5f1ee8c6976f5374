/**
 * Class weights from pixel counts, normalised to mean 1.
 * @module
 */
import { checkOptionKeys } from '../options.js';
import { checkFiniteNumber, formatValue, isNumericArray, rangeError, typeError } from '../validate.js';
import { ClassCounter, checkState, type ClassCounterState } from './classCounter.js';

/** How {@link classWeights} turns counts into weights. */
export type ClassWeightMethod = 'inverse' | 'inverseSqrt' | 'effective' | 'median';

/** Options of {@link classWeights}. */
export interface ClassWeightsOptions {
  /**
   * - `'inverse'`: `1 / n_c` (inverse class frequency);
   * - `'inverseSqrt'`: `1 / √n_c` (a milder correction);
   * - `'effective'`: `(1 − β) / (1 − β^n_c)`, the inverse "effective number of samples" (Cui et al. 2019);
   * - `'median'`: median-frequency balancing (Eigen & Fergus 2015): `median_k(f_k) / f_c` with
   *   `f_c = n_c / (pixels of the images in which c appears)`; needs a {@link ClassCounter} or its state.
   * @default 'inverse'
   */
  method?: ClassWeightMethod;
  /** β of `'effective'`, in [0, 1); ignored by the other methods. @default 0.9999 */
  beta?: number;
}

const FN = 'classWeights';
const METHODS: readonly ClassWeightMethod[] = ['inverse', 'inverseSqrt', 'effective', 'median'];

function checkCounts(counts: unknown): number[] {
  if (!isNumericArray(counts)) {
    throw typeError(
      FN,
      `counts must be an array of numbers, a ClassCounter or its state; got ${formatValue(counts)}.`,
    );
  }
  if (counts.length === 0) throw rangeError(FN, `counts must have one entry per class; got [].`);
  return Array.from(counts as ArrayLike<unknown>, (v, i) => checkFiniteNumber(FN, `counts[${i}]`, v, 0));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Per-class weights from pixel counts, for the `classWeights` option of the losses and metrics (weight =
 * inverse class frequency over the training set, or one of its variants). Weights are normalised to
 * **mean 1** over all classes, so sm's `mean_c(w_c · score_c)` becomes the true weighted mean
 * `Σ w_c·score_c / Σ w_c`: a Dice loss stays in [0, 1] (raw inverse frequencies can push sm's loss below 0).
 *
 * Degenerate cases: a class with no pixels gets weight **0** (it contributes nothing; never Infinity or
 * NaN), and the others share the mean; if every class is empty all weights are 1. Negative or non-finite
 * counts throw.
 *
 * @param counts - pixels per class (numbers ≥ 0), a {@link ClassCounter}, or its `toJSON()` state.
 * @param options.method - `'inverse'`, `'inverseSqrt'`, `'effective'` or `'median'`. @default 'inverse'
 * @param options.beta - β of the effective number of samples, in [0, 1). @default 0.9999
 * @returns one weight per class (a plain array, ready for `diceLoss({ classWeights })`).
 * @example
 * classWeights([300, 100]); // [0.5, 1.5]: 1/300 and 1/100, scaled to mean 1
 * classWeights(counter, { method: 'median' });
 */
export function classWeights(
  counts: readonly number[] | Float64Array | ClassCounter | ClassCounterState,
  options?: ClassWeightsOptions,
): number[] {
  const o = checkOptionKeys(FN, options, ['method', 'beta']);
  const method = o.method ?? 'inverse';
  if (!METHODS.includes(method as ClassWeightMethod)) {
    throw typeError(
      FN,
      `method must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}; got ${formatValue(method)}.`,
    );
  }
  const beta = o.beta === undefined ? 0.9999 : checkFiniteNumber(FN, 'beta', o.beta, 0);
  if (beta >= 1) throw rangeError(FN, `beta must be in [0, 1); got ${beta}.`);

  let state: ClassCounterState | null = null;
  if (counts instanceof ClassCounter) state = counts.toJSON();
  else if (!isNumericArray(counts)) state = checkState(FN, counts);
  const n = state ? state.counts : checkCounts(counts);

  let raw: number[];
  if (method === 'median') {
    if (!state) {
      throw typeError(
        FN,
        `counts must be a ClassCounter or its state for method 'median' (it needs per-image presence); got an array of counts.`,
      );
    }
    const s = state;
    const freq = n.map((v, c) => (v > 0 ? v / s.pixelsInImagesWithClass[c] : 0));
    const med = median(freq.filter((f) => f > 0));
    raw = freq.map((f) => (f > 0 ? med / f : 0));
  } else {
    const lnBeta = Math.log(beta);
    raw = n.map((v) => {
      if (v === 0) return 0;
      if (method === 'inverse') return 1 / v;
      if (method === 'inverseSqrt') return 1 / Math.sqrt(v);
      // (1 − β) / (1 − β^n), with 1 − β^n = −expm1(n·ln β) for accuracy near β → 1.
      return beta === 0 ? 1 : (1 - beta) / -Math.expm1(v * lnBeta);
    });
  }
  const total = raw.reduce((a, b) => a + b, 0);
  if (total === 0) return raw.map(() => 1);
  return raw.map((w) => (w * raw.length) / total);
}
