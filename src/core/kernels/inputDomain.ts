/**
 * The input check of the elementwise losses: the first element of a run whose prediction is outside its
 * domain (probabilities in [0, 1], or finite logits) or whose target is not finite, as a RangeError that
 * names the function, the argument, the value and the index. The WebAssembly kernels flag a block with such
 * an element inside their pass and call this on that block only; the JS path calls it on the run.
 * @module
 */
import type { FloatArray } from './regionStats.js';
import { formatValue } from '../validate.js';

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

/** What the prediction must hold, for {@link firstBadInput}: `'numbers'` = anything but NaN (thresholded metrics). */
export type CheckedDomain = PredictionDomain | 'numbers';

/** True when `x` is outside `domain`. */
function outside(x: number, domain: CheckedDomain): boolean {
  if (domain === 'probabilities') return !(x >= 0 && x <= 1);
  if (domain === 'logits') return x - x !== 0;
  return x !== x;
}

const DOMAIN_TEXT: Record<CheckedDomain, string> = {
  probabilities: 'probabilities in [0, 1]',
  logits: 'finite logits',
  numbers: 'numbers (no NaN)',
};

/**
 * The RangeError for the first element of `pr` outside `domain` among those `readPr` accepts, else for the
 * first non-finite element of `gt` among those `readGt` accepts, else `null`. Called only after a pass has
 * flagged its input (a non-finite sum, a range outside [0, 1], a NaN-sticky accumulator), so good data is never
 * scanned twice. Messages: `diceLoss: pr must hold finite logits; got NaN at index 12.`,
 * `lovaszSoftmaxLoss: gt must hold finite values; got Infinity at index 3.`
 * @example firstBadInput('diceLoss', [0, 1], [0.5, NaN], 'probabilities')
 * // RangeError: diceLoss: pr must hold probabilities in [0, 1]; got NaN at index 1.
 */
export function firstBadInput(
  fn: string,
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  domain: CheckedDomain,
  readPr: (i: number) => boolean = () => true,
  readGt: (i: number) => boolean = readPr,
): RangeError | null {
  for (let i = 0; i < pr.length; i++) {
    if (outside(pr[i], domain) && readPr(i)) {
      return new RangeError(
        `${fn}: pr must hold ${DOMAIN_TEXT[domain]}; got ${formatValue(pr[i])} at index ${i}.`,
      );
    }
  }
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (g - g !== 0 && readGt(i)) {
      return new RangeError(`${fn}: gt must hold finite values; got ${formatValue(g)} at index ${i}.`);
    }
  }
  return null;
}
