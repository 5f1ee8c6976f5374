/**
 * The Wilcoxon signed-rank test of paired differences (Wilcoxon 1945) and Holm's step-down correction of a family
 * of p-values (Holm 1979): the statistics behind `segkit compare`.
 * @module
 */
import { formatValue, rangeError } from '../../validate.js';
import { normalSf } from './normal.js';

/** The result of {@link wilcoxonSignedRank}. */
export interface WilcoxonResult {
  /** `min(R⁺, R⁻)`, the two-sided statistic (scipy's `statistic`). */
  statistic: number;
  /** Two-sided p-value (NaN when no non-zero difference is left). */
  pvalue: number;
  /** Sum of the ranks of the positive differences. */
  rPlus: number;
  /** Sum of the ranks of the negative differences. */
  rMinus: number;
  /** Non-zero differences ranked. */
  n: number;
  /** Zero differences dropped. */
  zeros: number;
  /** `'exact'` (null distribution enumerated) or `'normal'` (approximation with tie correction). */
  method: 'exact' | 'normal';
  /** The z statistic of the normal approximation (NaN for the exact method). */
  z: number;
}

/** Largest n for which the exact null distribution is used (as scipy's `method='auto'`). */
export const WILCOXON_EXACT_MAX_N = 50;

/**
 * Two-sided Wilcoxon signed-rank test of `d = x − y` (or of `x` alone). Variant: zero differences are dropped
 * (Wilcoxon's method, scipy's `zero_method='wilcox'`); the rest are ranked by |d| with mid-ranks for ties. When
 * n ≤ 50 and there are neither zeros nor ties, the p-value is exact: `2·min(P(R⁺ ≤ r), P(R⁺ ≥ r))` from the
 * enumerated null distribution of R⁺ (capped at 1). Otherwise the normal approximation without continuity
 * correction, `z = (T − n(n+1)/4) / σ`, `σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48` over tie groups of size t, and
 * `p = 2·P(Z > |z|)`. These equal `scipy.stats.wilcoxon(x, y)` with `method='exact'`, resp. `method='approx'`
 * (scipy 1.10; checked on fixtures): where scipy's default `'auto'` would use its exact table despite ties, the
 * normal approximation with the tie correction is used instead, as the exact table assumes distinct ranks.
 * @example wilcoxonSignedRank([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]).pvalue // 0.0625 (exact: 2/2⁵)
 */
export function wilcoxonSignedRank(x: ArrayLike<number>, y?: ArrayLike<number>): WilcoxonResult {
  const fn = 'wilcoxonSignedRank';
  if (y !== undefined && y.length !== x.length) {
    throw rangeError(fn, `x and y must have the same length; got ${x.length} and ${y.length}.`);
  }
  const diffs: number[] = [];
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    const d = y === undefined ? +x[i] : x[i] - y[i];
    if (!Number.isFinite(d)) {
      throw rangeError(fn, `differences must be finite; got ${formatValue(d)} at index ${i}.`);
    }
    if (d === 0) zeros++;
    else diffs.push(d);
  }
  const n = diffs.length;
  if (n === 0) {
    return { statistic: NaN, pvalue: NaN, rPlus: 0, rMinus: 0, n: 0, zeros, method: 'normal', z: NaN };
  }
  const order = diffs.map((_, i) => i).sort((a, b) => Math.abs(diffs[a]) - Math.abs(diffs[b]));
  let rPlus = 0;
  let rMinus = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && Math.abs(diffs[order[j + 1]]) === Math.abs(diffs[order[i]])) j++;
    const rank = (i + j + 2) / 2; // mid-rank of positions i..j (1-based)
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) {
      if (diffs[order[k]] > 0) rPlus += rank;
      else rMinus += rank;
    }
    i = j + 1;
  }
  const statistic = Math.min(rPlus, rMinus);
  if (n <= WILCOXON_EXACT_MAX_N && zeros === 0 && tieTerm === 0) {
    const pmf = signedRankPmf(n);
    let below = 0;
    let above = 0;
    for (let r = 0; r < pmf.length; r++) {
      if (r <= rPlus) below += pmf[r];
      if (r >= rPlus) above += pmf[r];
    }
    const center = (pmf.length - 1) / 2;
    const pvalue = rPlus === center ? 1 : Math.min(1, 2 * Math.min(below, above));
    return { statistic, pvalue, rPlus, rMinus, n, zeros, method: 'exact', z: NaN };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const z = (statistic - mean) / sd;
  return { statistic, pvalue: 2 * normalSf(Math.abs(z)), rPlus, rMinus, n, zeros, method: 'normal', z };
}

const pmfCache = new Map<number, Float64Array>();

/** The null distribution of R⁺ for n distinct ranks: P(R⁺ = r), r = 0 … n(n+1)/2 (counts of subsets / 2ⁿ). */
function signedRankPmf(n: number): Float64Array {
  const hit = pmfCache.get(n);
  if (hit) return hit;
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let r = (k * (k + 1)) / 2; r >= k; r--) counts[r] += counts[r - k];
  }
  const total = 2 ** n;
  for (let r = 0; r <= max; r++) counts[r] /= total;
  pmfCache.set(n, counts);
  return counts;
}

/**
 * Holm's step-down adjusted p-values (Holm 1979): sort ascending, `p̃_(i) = min(1, max_{j ≤ i} (m − j + 1)·p_(j))`,
 * returned in the input order. NaN p-values are left out of the family (m counts the others) and stay NaN.
 * Rejecting where `p̃ ≤ α` controls the family-wise error rate at α.
 * @example holm([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06]
 */
export function holm(pvalues: ArrayLike<number>): number[] {
  const out: number[] = Array.from({ length: pvalues.length }, () => NaN);
  const idx: number[] = [];
  for (let i = 0; i < pvalues.length; i++) {
    const p = pvalues[i];
    if (Number.isNaN(p)) continue;
    if (!(p >= 0 && p <= 1))
      throw rangeError('holm', `pvalues must be in [0, 1] or NaN; got ${formatValue(p)} at index ${i}.`);
    idx.push(i);
  }
  idx.sort((a, b) => pvalues[a] - pvalues[b] || a - b);
  const m = idx.length;
  let running = 0;
  for (let r = 0; r < m; r++) {
    running = Math.max(running, Math.min(1, (m - r) * pvalues[idx[r]]));
    out[idx[r]] = running;
  }
  return out;
}
