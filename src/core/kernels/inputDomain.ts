/**
 * The input check of the elementwise losses: the first element of a run whose prediction is outside its
 * domain (probabilities in [0, 1], or finite logits) or whose target is not finite, as a RangeError that
 * names the function, the argument, the value and the index. The WebAssembly kernels flag a block with such
 * an element inside their pass and call this on that block only; the JS path calls it on the run.
 * @module
 */
import type { FloatArray } from './regionStats.js';

/** What the prediction must hold. */
export type PredictionDomain = 'probabilities' | 'logits';

/**
 * The RangeError for the first offending element among `i = start; i < end; i += step` (pr checked before gt
 * at each index), or `null` when there is none.
 * @example inputDomainError('categoricalFocalLoss', gt, Float32Array.of(0.5, 1.5), 0, 2, 1, 'probabilities')
 * // RangeError: categoricalFocalLoss: pr must hold probabilities in [0, 1]; got 1.5 at index 1.
 */
export function inputDomainError(
  fn: string,
  gt: ArrayLike<number>,
  pr: FloatArray | ArrayLike<number>,
  start: number,
  end: number,
  step: number,
  domain: PredictionDomain,
): RangeError | null {
  for (let i = start; i < end; i += step) {
    const x = pr[i];
    const g = gt[i];
    // x − x is 0 for finite x, NaN for NaN and ±∞; the same for g.
    if (domain === 'probabilities' ? !(x >= 0 && x <= 1) : x - x !== 0) {
      const what = domain === 'probabilities' ? 'probabilities in [0, 1]' : 'finite logits';
      return new RangeError(`${fn}: pr must hold ${what}; got ${x} at index ${i}.`);
    }
    if (g - g !== 0) return new RangeError(`${fn}: gt must hold finite values; got ${g} at index ${i}.`);
  }
  return null;
}

/** Throws {@link inputDomainError}'s error, if any. */
export function checkInputDomain(
  fn: string,
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  start: number,
  end: number,
  step: number,
  domain: PredictionDomain,
): void {
  const e = inputDomainError(fn, gt, pr, start, end, step, domain);
  if (e) throw e;
}
