/**
 * Bootstrap confidence intervals for means over images (Efron & Tibshirani 1993, ch. 13–14): resampling is by image,
 * with all columns of an image (classes, metrics) kept together, so that a foreground mean and its classes are
 * resampled consistently. Percentile and BCa intervals; BCa follows Efron & Tibshirani eq. 14.9–14.15 and
 * computes what `scipy.stats.bootstrap(method='BCa')` computes from the same resamples (checked on fixtures).
 * @module
 */
import { checkFiniteNumber, formatValue, rangeError, typeError } from '../../validate.js';
import { percentile } from '../surface.js';
import { normalCdf, normalPpf } from './normal.js';
import { seededIndex } from './random.js';

/** How the interval is read off the bootstrap distribution. */
export type BootstrapMethod = 'bca' | 'percentile';

/** Options of {@link bootstrapMeans}. */
export interface BootstrapOptions {
  /** Confidence level of the two-sided interval, in (0, 1). @default 0.95 */
  ci?: number;
  /** Number of bootstrap resamples. @default 2000 */
  resamples?: number;
  /** Seed of the resampling stream: the same seed and rows give the same interval. @default 0 */
  seed?: number;
  /** `'bca'` (bias-corrected and accelerated) or `'percentile'`. @default 'bca' */
  method?: BootstrapMethod;
}

/** A mean over images with its bootstrap interval. */
export interface MeanInterval {
  /** The mean over the non-NaN values (NaN when there is none). */
  estimate: number;
  /** Lower end of the interval (NaN when it cannot be computed: fewer than 2 values, or a degenerate distribution for BCa). */
  lower: number;
  /** Upper end of the interval. */
  upper: number;
  /** Number of non-NaN values the mean is over. */
  counted: number;
}

/**
 * A statistic derived from column means: the mean of the listed columns' means, NaN means skipped (nanMean
 * semantics), or their weighted mean when `weights` is given (one weight ≥ 0 per listed column, fixed: not
 * resampled). A foreground mean over classes is `{ columns: [1, 2, 3] }`.
 */
export interface MeanGroup {
  /** Indices of the columns whose means are averaged. */
  columns: readonly number[];
  /** One fixed weight per listed column. @default equal weights */
  weights?: readonly number[];
}

const FN = 'bootstrapMeans';

/**
 * Means of several columns over the same images, each with a bootstrap confidence interval. Column j holds one
 * value per image (row i); NaN marks "no value" (an image where the metric is undefined) and is skipped by every
 * mean, as `nanMean` does; ±Infinity propagates (map it to NaN first to skip it). Every resample draws n images
 * with replacement once and evaluates all columns on that draw. The result depends only on the seed and the row
 * order: sort rows by image id to make shards merged in any order give the single run's interval.
 *
 * BCa (default): `z0 = Φ⁻¹((#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / 2B)`, acceleration `a = Σ U³ / (6 (Σ U²)^{3/2})` with
 * jackknife `U_i = (n − 1)(θ̄_(·) − θ̂_(i))`, and the percentile levels `Φ(z0 + (z0 + z_α)/(1 − a (z0 + z_α)))`.
 * Percentile: the α/2 and 1 − α/2 percentiles of the resampled means (numpy's linear interpolation).
 *
 * Groups: a statistic of several column means (a foreground mean over classes) gets its interval from its own
 * replicates — the group's mean of the column means of each resample — and, for BCa, from its own jackknife
 * (the group's mean of the leave-one-image-out column means), never from the columns' intervals.
 * @param columns - one array per column, all of the same length n (images).
 * @param groups - derived statistics, appended to the result after the columns. @default []
 * @example bootstrapMeans([[0.8, 0.9, 0.7, 1.0]], { seed: 1, method: 'percentile' })[0].estimate // 0.85
 * @example bootstrapMeans([[0.8, 0.9], [0.4, NaN]], {}, [{ columns: [0, 1] }])[2].estimate // (0.85 + 0.4) / 2 = 0.625
 */
export function bootstrapMeans(
  columns: readonly ArrayLike<number>[],
  options: BootstrapOptions = {},
  groups: readonly MeanGroup[] = [],
): MeanInterval[] {
  const { ci, resamples, seed, method } = resolveBootstrapOptions(FN, options);
  if (!Array.isArray(columns))
    throw typeError(FN, `columns must be an array of arrays; got ${formatValue(columns)}.`);
  checkGroups(groups, columns.length);
  const n = columns.length === 0 ? 0 : columns[0].length;
  const k = columns.length;
  const values: Float64Array[] = [];
  // 0/1 per image, or null for a column without NaN (its count is always n).
  const weights: (Float64Array | null)[] = [];
  const estimates: MeanInterval[] = [];
  for (let j = 0; j < k; j++) {
    const col = columns[j];
    if (col.length !== n) {
      throw rangeError(
        FN,
        `columns must all have ${n} entries, one per image; column ${j} has ${col.length}.`,
      );
    }
    const v = new Float64Array(n);
    const w = new Float64Array(n);
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const x = +col[i];
      if (Number.isNaN(x)) continue;
      v[i] = x;
      w[i] = 1;
      s += x;
      c++;
    }
    values.push(v);
    weights.push(c === n ? null : w);
    estimates.push({ estimate: c === 0 ? NaN : s / c, lower: NaN, upper: NaN, counted: c });
  }
  const means = estimates.map((e) => e.estimate);
  const groupEstimates: MeanInterval[] = groups.map((g) => ({
    estimate: groupMean(g, means, 0, 1),
    lower: NaN,
    upper: NaN,
    counted: Math.min(...g.columns.map((j) => estimates[j].counted)),
  }));
  if (n < 2 || k === 0) return [...estimates, ...groupEstimates];
  // The replicate means, column-major: theta[j·B + b].
  const theta = new Float64Array(k * resamples);
  const counts = new Uint32Array(n);
  const draw = seededIndex(seed);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[draw(n)]++;
    for (let j = 0; j < k; j++) {
      const v = values[j];
      const w = weights[j];
      let s = 0;
      for (let i = 0; i < n; i++) s += counts[i] * v[i];
      let c = n;
      if (w !== null) {
        c = 0;
        for (let i = 0; i < n; i++) c += counts[i] * w[i];
      }
      theta[j * resamples + b] = c === 0 ? NaN : s / c;
    }
  }
  const alpha = (1 - ci) / 2;
  const interval = (est: MeanInterval, reps: Float64Array, jackknife: () => Float64Array): void => {
    const [lo, hi] =
      method === 'percentile' ? [alpha, 1 - alpha] : bcaLevels(est.estimate, reps, jackknife(), alpha);
    est.lower = quantileOf(reps, lo);
    est.upper = quantileOf(reps, hi);
  };
  const jack: (Float64Array | undefined)[] = [];
  const jackOf = (j: number): Float64Array => (jack[j] ??= jackknifeMeans(values[j], weights[j]));
  for (let j = 0; j < k; j++) {
    if (estimates[j].counted < 2) continue;
    interval(estimates[j], theta.subarray(j * resamples, (j + 1) * resamples), () => jackOf(j));
  }
  groups.forEach((g, q) => {
    const est = groupEstimates[q];
    if (!g.columns.some((j) => estimates[j].counted >= 2) || Number.isNaN(est.estimate)) return;
    const reps = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) reps[b] = groupMean(g, theta, b, resamples);
    interval(est, reps, () => {
      const cols = g.columns.map(jackOf);
      const flat = new Float64Array(k * n).fill(NaN);
      g.columns.forEach((j, t) => flat.set(cols[t], j * n));
      return Float64Array.from({ length: n }, (_, i) => groupMean(g, flat, i, n));
    });
  });
  return [...estimates, ...groupEstimates];
}

/** The group's (weighted) nanMean of the column values `v[j·stride + at]`. */
function groupMean(g: MeanGroup, v: ArrayLike<number>, at: number, stride: number): number {
  let s = 0;
  let c = 0;
  g.columns.forEach((j, t) => {
    const x = v[j * stride + at];
    const w = g.weights === undefined ? 1 : g.weights[t];
    if (Number.isNaN(x) || w === 0) return;
    s += w * x;
    c += w;
  });
  return c === 0 ? NaN : s / c;
}

/** Checks the groups of {@link bootstrapMeans}. */
function checkGroups(groups: readonly MeanGroup[], k: number): void {
  if (!Array.isArray(groups)) throw typeError(FN, `groups must be an array; got ${formatValue(groups)}.`);
  groups.forEach((g, q) => {
    const cols = (g as MeanGroup | null)?.columns;
    if (
      !Array.isArray(cols) ||
      cols.length === 0 ||
      !cols.every((j) => Number.isInteger(j) && j >= 0 && j < k)
    ) {
      throw rangeError(
        FN,
        `groups[${q}].columns must be a non-empty list of column indices in [0, ${k - 1}]; got ${formatValue(cols)}.`,
      );
    }
    const w = g.weights;
    if (
      w !== undefined &&
      (!Array.isArray(w) || w.length !== cols.length || !w.every((x) => Number.isFinite(x) && x >= 0))
    ) {
      throw rangeError(
        FN,
        `groups[${q}].weights must be ${cols.length} finite numbers ≥ 0 (one per column); got ${formatValue(w)}.`,
      );
    }
  });
}

/**
 * The BCa percentile levels (α₁, α₂) for the estimate θ̂, its bootstrap replicates and its jackknife values
 * (Efron & Tibshirani 1993, eq. 14.10–14.15; the computation of scipy's `_bca_interval`). NaN levels when the
 * bootstrap distribution is degenerate (all replicates on one side of θ̂, or no spread in the jackknife).
 * @example bcaLevels(0.5, new Float64Array([0.4, 0.5, 0.6]), new Float64Array([0.45, 0.5, 0.55]), 0.025)
 */
export function bcaLevels(
  estimate: number,
  replicates: ArrayLike<number>,
  jackknife: ArrayLike<number>,
  alpha: number,
): [number, number] {
  const B = replicates.length;
  let below = 0;
  let belowOrEqual = 0;
  for (let b = 0; b < B; b++) {
    if (replicates[b] < estimate) below++;
    if (replicates[b] <= estimate) belowOrEqual++;
  }
  const z0 = normalPpf((below + belowOrEqual) / (2 * B));
  const n = jackknife.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += jackknife[i];
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const u = (n - 1) * (mean - jackknife[i]);
    num += u * u * u;
    den += u * u;
  }
  const a = num / n ** 3 / (6 * (den / n ** 2) ** 1.5);
  const zLo = normalPpf(alpha);
  const level = (z: number): number => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
  return [level(zLo), level(-zLo)];
}

/** Leave-one-out means of a column (NaN rows, weight 0, leave the mean unchanged), one per row. */
function jackknifeMeans(v: Float64Array, w: Float64Array | null): Float64Array {
  const n = v.length;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    s += v[i];
    c += w === null ? 1 : w[i];
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w !== null && w[i] === 0 ? s / c : (s - v[i]) / (c - 1);
  return out;
}

/** numpy's linear percentile of the non-NaN replicates at level p in [0, 1]; NaN for a NaN level. */
function quantileOf(replicates: Float64Array, p: number): number {
  if (Number.isNaN(p)) return NaN;
  const kept = replicates.filter((x) => !Number.isNaN(x));
  return percentile(kept, p * 100);
}

/** Validates and defaults the bootstrap options (shared with the paired comparison). */
export function resolveBootstrapOptions(fn: string, options: BootstrapOptions): Required<BootstrapOptions> {
  if (options === null || typeof options !== 'object') {
    throw typeError(fn, `options must be an object; got ${formatValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!['ci', 'resamples', 'seed', 'method'].includes(key)) {
      throw typeError(fn, `options must only use the keys ci, resamples, seed, method; got '${key}'.`);
    }
  }
  const ci = options.ci === undefined ? 0.95 : checkFiniteNumber(fn, 'ci', options.ci);
  if (!(ci > 0 && ci < 1)) throw rangeError(fn, `ci must be in (0, 1); got ${formatValue(ci)}.`);
  const resamples = options.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > 1e7) {
    throw rangeError(fn, `resamples must be an integer in [1, 10000000]; got ${formatValue(resamples)}.`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw rangeError(fn, `seed must be an integer; got ${formatValue(seed)}.`);
  const method = options.method ?? 'bca';
  if (method !== 'bca' && method !== 'percentile') {
    throw rangeError(fn, `method must be 'bca' or 'percentile'; got ${formatValue(method)}.`);
  }
  return { ci, resamples, seed, method };
}
