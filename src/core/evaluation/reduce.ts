/**
 * Reductions of per-image, per-class confusion counts to one number, and the NaN-skipping mean they share with
 * the surface-distance reductions. Sums over images are taken in sorted order, so a result does not depend on
 * the order in which images (or merged shards) arrived: merge(any split) gives the single run bit for bit.
 * @module
 */
import { checkBoolean, formatValue, rangeError, typeError } from '../validate.js';
import { countMetric, resolveCountOptions } from './fromCounts.js';
import type { ClassCounts, ComputeOptions, CountMetric, MetricResult, NanMean, Reduction } from './types.js';

const REDUCTIONS: readonly Reduction[] = [
  'micro',
  'macro',
  'weighted',
  'micro-imagewise',
  'macro-imagewise',
  'weighted-imagewise',
  'none',
];

/**
 * Mean of the non-NaN values (±Infinity included), summed in ascending order so that the result is independent
 * of the input order.
 * @returns `{ value, counted, skipped }`; value NaN when nothing was counted.
 * @example nanMean([1, NaN, 3]) // { value: 2, counted: 2, skipped: 1 }
 */
export function nanMean(values: ArrayLike<number>): NanMean {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) kept.push(values[i]);
  const skipped = values.length - kept.length;
  if (kept.length === 0) return { value: NaN, counted: 0, skipped };
  kept.sort((a, b) => a - b);
  let s = 0;
  for (const v of kept) s += v;
  return { value: s / kept.length, counted: kept.length, skipped };
}

function weightedMean(values: readonly number[], weights: readonly number[]): NanMean {
  let num = 0;
  let den = 0;
  let skipped = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      skipped++;
      continue;
    }
    if (weights[i] === 0) continue;
    num += weights[i] * values[i];
    den += weights[i];
  }
  return { value: den === 0 ? NaN : num / den, counted: values.length - skipped, skipped };
}

/** Indices of the classes a reduction covers. */
export function selectedClasses(numClasses: number, includeBackground: boolean): number[] {
  const first = includeBackground || numClasses === 1 ? 0 : 1;
  return Array.from({ length: numClasses - first }, (_, i) => i + first);
}

/**
 * Per-image counts for {@link reduceCounts}: an array, or a source that builds row `i` on demand (each row is
 * read once, in order, so a sparse store can expand one row at a time: O(C) transient memory, not images × C).
 */
export type ImageRows = readonly ClassCounts[] | { readonly length: number; get(i: number): ClassCounts };

/**
 * Reduces per-class counts to a metric value.
 * @param totals - dataset counts per class (length C).
 * @param rows - per-image counts (needed by the imagewise reductions and `'none'`), or null.
 * @param metric - see {@link CountMetric}.
 * @param options.reduction - see {@link Reduction}. @default 'macro'
 * @param options.includeBackground - keep class 0. @default true
 * @param options.classWeights - weights of `'weighted'` reductions (length C). @default support tp + fn
 * @example reduceCounts({ tp: [3], fp: [1], fn: [2], tn: [10] }, null, 'dice').value // 0.6667
 */
/** Per class of `classes`, the score of every row (row-major reading: each row once, in order). */
function scoreColumns(
  rows: ImageRows,
  classes: readonly number[],
  score: (k: ClassCounts, c: number) => number,
): Float64Array[] {
  const n = rows.length;
  const cols = classes.map(() => new Float64Array(n));
  const one = (r: ClassCounts, i: number): void => classes.forEach((c, k) => (cols[k][i] = score(r, c)));
  if ('get' in rows) for (let i = 0; i < n; i++) one(rows.get(i), i);
  else rows.forEach(one);
  return cols;
}

/**
 * The per-image values of a count metric as one Float64Array column per reported class: the numbers of
 * `reduceCounts(…, { reduction: 'none' })` (`value[i][k]` is `imageScores(…)[k][i]`), 8 bytes per image and
 * class instead of one array per image.
 * @param rows - per-image counts (an array, or `{ length, get(i) }`).
 * @param numClasses - C; the reported classes are all, or 1…C−1 without `includeBackground`.
 * @example imageScores([{ id: 'a', tp: [3], fp: [1], fn: [2], tn: [10] }], 1, 'dice')[0][0] // 0.6667
 */
export function imageScores(
  rows: ImageRows,
  numClasses: number,
  metric: CountMetric,
  options: ComputeOptions = {},
  fn = 'imageScores',
): Float64Array[] {
  const o = resolveCountOptions(fn, metric, options);
  const classes = selectedClasses(
    numClasses,
    checkBoolean(fn, 'includeBackground', options.includeBackground, true),
  );
  return scoreColumns(rows, classes, (k, c) => countMetric(o, k.tp[c], k.fp[c], k.fn[c], k.tn[c]));
}

export function reduceCounts(
  totals: ClassCounts,
  rows: ImageRows | null,
  metric: CountMetric,
  options: ComputeOptions = {},
  fn = 'reduceCounts',
): MetricResult {
  const o = resolveCountOptions(fn, metric, options);
  const reduction = options.reduction ?? 'macro';
  if (!REDUCTIONS.includes(reduction)) {
    throw typeError(fn, `reduction must be one of ${REDUCTIONS.join(', ')}; got ${formatValue(reduction)}.`);
  }
  const C = totals.tp.length;
  const classes = selectedClasses(C, checkBoolean(fn, 'includeBackground', options.includeBackground, true));
  const imagewise = reduction.endsWith('imagewise') || reduction === 'none';
  if (imagewise && rows === null) {
    throw rangeError(
      fn,
      `reduction '${reduction}' needs per-image counts; create the ConfusionMatrix with perImage: true.`,
    );
  }
  let weights: number[] | null = null;
  if (reduction.startsWith('weighted')) {
    const cw = options.classWeights;
    if (cw !== undefined) {
      if (!Array.isArray(cw) || cw.length !== C || !cw.every((w) => Number.isFinite(w) && w >= 0)) {
        throw rangeError(
          fn,
          `classWeights must be ${C} finite numbers ≥ 0 (one per class); got ${formatValue(cw)}.`,
        );
      }
      weights = classes.map((c) => cw[c]);
    } else weights = classes.map((c) => totals.tp[c] + totals.fn[c]);
  }
  const score = (k: ClassCounts, c: number): number => countMetric(o, k.tp[c], k.fp[c], k.fn[c], k.tn[c]);
  // micro pooling: add the counts of the selected classes, then score once.
  const pooled = (k: ClassCounts): number => {
    let tp = 0,
      fp = 0,
      fn_ = 0,
      tn = 0;
    for (const c of classes) {
      tp += k.tp[c];
      fp += k.fp[c];
      fn_ += k.fn[c];
      tn += k.tn[c];
    }
    return countMetric(o, tp, fp, fn_, tn);
  };
  const fromTotals = classes.map((c) => score(totals, c));
  // Each image's row read once, in order: its values per class (row-major), or its pooled value.
  const eachRow = <T>(f: (r: ClassCounts) => T): T[] => {
    const src = rows!;
    const out: T[] = [];
    if ('get' in src) for (let i = 0; i < src.length; i++) out.push(f(src.get(i)));
    else for (const r of src) out.push(f(r));
    return out;
  };
  const perImageScores = (): Float64Array[] => scoreColumns(rows!, classes, score);
  const result = (value: number | number[][], perClass: number[], skipped: number): MetricResult => ({
    metric: o.metric,
    reduction,
    value,
    perClass,
    classes,
    skipped,
  });

  switch (reduction) {
    case 'micro':
      return result(pooled(totals), fromTotals, 0);
    case 'macro': {
      const m = nanMean(fromTotals);
      return result(m.value, fromTotals, m.skipped);
    }
    case 'weighted': {
      const m = weightedMean(fromTotals, weights!);
      return result(m.value, fromTotals, m.skipped);
    }
    case 'none':
      return result(
        eachRow((r) => classes.map((c) => score(r, c))),
        fromTotals,
        0,
      );
    case 'micro-imagewise': {
      const perImage = eachRow(pooled);
      const m = nanMean(perImage);
      return result(m.value, fromTotals, m.skipped);
    }
    default: {
      // macro-imagewise, weighted-imagewise: mean over images per class, then over classes.
      let skipped = 0;
      const cols = perImageScores();
      const perClass = classes.map((_, k) => {
        const m = nanMean(cols[k]);
        skipped += m.skipped;
        return m.value;
      });
      const m = reduction === 'macro-imagewise' ? nanMean(perClass) : weightedMean(perClass, weights!);
      return result(m.value, perClass, skipped);
    }
  }
}
