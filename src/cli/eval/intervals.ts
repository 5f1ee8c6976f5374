/**
 * Bootstrap confidence intervals of `segkit eval --ci` and `segkit merge --ci` (issue 14): every summary value
 * that is a mean over images — each class's mean of each metric, the foreground mean over classes, and the
 * summary under an imagewise reduction — gets a percentile or BCa interval from the core's
 * {@link bootstrapMeans}, resampling images with all classes and metrics of an image kept together (one draw
 * serves every column). Derived values (the foreground mean, a macro- or weighted-imagewise summary) get the
 * interval of their own replicates, not a combination of the classes' intervals.
 *
 * Not given an interval: the pooled values (`classes[].pooled`, and the summary under `--reduction macro`,
 * `micro` or `weighted`), which come from the dataset's summed counts rather than from a mean over images, and
 * any mean that is ±Infinity (a surface distance where one mask is empty).
 * @module
 */
import { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import { reduceCounts } from '../../core/evaluation/reduce.js';
import type { ComputeOptions, CountMetric } from '../../core/evaluation/types.js';
import { bootstrapMeans } from '../../core/evaluation/stats/bootstrap.js';
import type { BootstrapMethod, MeanGroup } from '../../core/evaluation/stats/bootstrap.js';
import { UsageError } from '../errors.js';
import { parseInteger } from './options.js';
import type { MetricName } from './options.js';
import { fromJsonNumber, jsonNumber } from './schema.js';
import type { EvalResult, JsonNumber } from './schema.js';

/** The interval settings of a run: `--ci`, `--bootstrap`, `--seed`, `--ci-method`. */
export interface CiOptions {
  /** Confidence level of the two-sided interval, in (0, 1). */
  level: number;
  /** Bootstrap resamples. @default 2000 */
  resamples: number;
  /** Seed of the resampling stream. @default 0 */
  seed: number;
  /** Interval method. @default 'bca' */
  method: BootstrapMethod;
}

/** The `ci` block of the JSON: the settings, and what was resampled. */
export interface CiSettings extends CiOptions {
  /** The resampling unit: whole images, all classes and metrics of an image together. */
  unit: 'image';
}

/** A two-sided interval `[lower, upper]` ("NaN" ends when it cannot be computed). */
export type JsonInterval = [JsonNumber, JsonNumber];

/** Raw interval options, as commander hands them over. */
export interface RawCiOptions {
  ci?: string;
  bootstrap?: string;
  seed?: string;
  ciMethod?: string;
}

/**
 * Validates the interval options: `--ci` in (0, 1) turns intervals on; `--bootstrap`, `--seed` and
 * `--ci-method` need it.
 * @returns the options, or null without `--ci`.
 * @example parseCiOptions({ ci: '0.9' }) // { level: 0.9, resamples: 2000, seed: 0, method: 'bca' }
 */
export function parseCiOptions(raw: RawCiOptions): CiOptions | null {
  if (raw.ci === undefined) {
    for (const [key, flag] of [
      ['bootstrap', '--bootstrap'],
      ['seed', '--seed'],
      ['ciMethod', '--ci-method'],
    ] as const) {
      if (raw[key] !== undefined) throw new UsageError(`${flag} is only used with --ci (e.g. --ci 0.95).`);
    }
    return null;
  }
  const level = raw.ci.trim() === '' ? NaN : Number(raw.ci);
  if (!(level > 0 && level < 1))
    throw new UsageError(`--ci must be a number in (0, 1), e.g. 0.95; got ${JSON.stringify(raw.ci)}.`);
  const method = raw.ciMethod ?? 'bca';
  if (method !== 'bca' && method !== 'percentile') {
    throw new UsageError(`--ci-method must be one of bca, percentile; got ${JSON.stringify(method)}.`);
  }
  return {
    level,
    resamples: raw.bootstrap === undefined ? 2000 : parseInteger('--bootstrap', raw.bootstrap, 1, 1e7),
    seed: raw.seed === undefined ? 0 : parseInteger('--seed', raw.seed, 0, 2 ** 32 - 1),
    method,
  };
}

/** Where the intervals go in a result. */
export interface ResultIntervals {
  /** Per reported class k, per metric. */
  classes: Partial<Record<MetricName, JsonInterval>>[];
  /** Per metric: the foreground mean's interval. */
  foreground: Partial<Record<MetricName, JsonInterval>>;
  /** Per metric: the summary's interval (absent for pooled reductions). */
  summary: Partial<Record<MetricName, JsonInterval>>;
}

const NO_INTERVAL: JsonInterval = ['NaN', 'NaN'];

/**
 * Computes every interval of a result in one bootstrap: one column per (metric, reported class), one per
 * metric for a micro-imagewise summary (the per-image pooled score), and groups for the foreground means and
 * the macro-/weighted-imagewise summaries. Weighted-imagewise weights are the dataset's class supports, held
 * fixed across resamples.
 * @param values - `values[m][k]`: metric m, reported class k, one value per image (state order, sorted by id).
 * @param cm - the state's confusion counts (per-image rows for micro-imagewise).
 * @param base - the count options of the summary (empty-reference policy, β, background).
 * @example computeIntervals(result, values, cm, base, { level: 0.95, resamples: 2000, seed: 0, method: 'bca' })
 */
export function computeIntervals(
  result: Pick<EvalResult, 'settings' | 'classes' | 'summary' | 'foregroundMean'>,
  values: Partial<Record<MetricName, readonly Float64Array[]>>,
  cm: ConfusionMatrix,
  base: ComputeOptions,
  ci: CiOptions,
): ResultIntervals {
  const { settings, classes } = result;
  const foreground = classes.flatMap((c, k) => (c.index > 0 || settings.numClasses === 1 ? [k] : []));
  const columns: Float64Array[] = [];
  const finiteMean: boolean[] = [];
  // The class a column belongs to (null: the per-image pooled score of a micro-imagewise summary).
  const owner: ({ metric: MetricName; k: number } | null)[] = [];
  const groups: MeanGroup[] = [];
  const groupOwner: { metric: MetricName; kind: 'foreground' | 'summary'; finite: boolean }[] = [];
  const addColumn = (col: Float64Array, own: { metric: MetricName; k: number } | null): number => {
    columns.push(col);
    finiteMean.push(dropInfinite(col));
    owner.push(own);
    return columns.length - 1;
  };
  const addGroup = (metric: MetricName, kind: 'foreground' | 'summary', g: MeanGroup): void => {
    groups.push(g);
    groupOwner.push({ metric, kind, finite: g.columns.every((j) => finiteMean[j]) });
  };
  for (const m of settings.metrics) {
    const v = values[m]!;
    const mine = classes.map((_, k) => addColumn(Float64Array.from(v[k]), { metric: m, k }));
    addGroup(m, 'foreground', { columns: foreground.map((k) => mine[k]) });
    const reduction = result.summary[m]?.reduction;
    if (reduction === 'micro-imagewise') {
      const opts = { ...base, reduction: 'micro' as const };
      const col = Float64Array.from(
        cm.imageStats(),
        (r) => reduceCounts(r, null, m as CountMetric, opts).value as number,
      );
      addGroup(m, 'summary', { columns: [addColumn(col, null)] });
    } else if (reduction === 'weighted-imagewise') {
      addGroup(m, 'summary', { columns: mine, weights: classes.map((c) => c.support) });
    } else if (reduction === 'macro-imagewise') {
      addGroup(m, 'summary', { columns: mine });
    }
  }
  const pair = bootstrapPairs(columns, groups, ci);
  const res: ResultIntervals = { classes: classes.map(() => ({})), foreground: {}, summary: {} };
  owner.forEach((o, j) => {
    if (o) res.classes[o.k][o.metric] = pair(j, finiteMean[j]);
  });
  groupOwner.forEach((g, q) => {
    (g.kind === 'foreground' ? res.foreground : res.summary)[g.metric] = pair(columns.length + q, g.finite);
  });
  return res;
}

/** Reads an interval of the JSON back as numbers. */
export const intervalNumbers = (iv: JsonInterval | undefined): [number, number] =>
  iv ? [fromJsonNumber(iv[0]), fromJsonNumber(iv[1])] : [NaN, NaN];

/**
 * Runs {@link bootstrapMeans} on the columns and groups and returns the JSON interval of result i (columns
 * first, then groups), or "NaN" ends when `finite` is false.
 */
function bootstrapPairs(
  columns: Float64Array[],
  groups: MeanGroup[],
  ci: CiOptions,
): (i: number, finite: boolean) => JsonInterval {
  const out = bootstrapMeans(
    columns,
    { ci: ci.level, resamples: ci.resamples, seed: ci.seed, method: ci.method },
    groups,
  );
  return (i, finite) => (finite ? [jsonNumber(out[i].lower), jsonNumber(out[i].upper)] : NO_INTERVAL);
}

/**
 * Turns ±Infinity in a per-image column into NaN (skipped by the bootstrap) and says whether there was none:
 * an infinite mean (a surface distance with one empty mask) gets no interval.
 * @example dropInfinite(Float64Array.of(1, Infinity)) // false; the column is now [1, NaN]
 */
function dropInfinite(col: Float64Array): boolean {
  let finite = true;
  for (let i = 0; i < col.length; i++) {
    if (col[i] === Infinity || col[i] === -Infinity) {
      finite = false;
      col[i] = NaN;
    }
  }
  return finite;
}

/**
 * Intervals of the regions' and the lesions' means over images (`--ci` with `--regions` / `--lesions`), drawn
 * with the same resampling as {@link computeIntervals} (the stream depends only on the seed and the number of
 * images, so an image's classes, regions and lesions are resampled together): each region's mean per metric;
 * the regions' summary where it is a mean of those means (surface metrics, and count metrics under
 * `macro-imagewise` or `weighted-imagewise`, weighted by the regions' supports); each lesion row's mean
 * lesion-wise Dice. Written into the result's `ci` keys in place. Pooled values (the regions' `pooled`, the
 * lesion counts and their metrics, panoptic quality) come from summed counts and get none, as for classes.
 * @param lesionDice - per lesion row (class or region) the per-image lesion-wise Dice, when `--lesions`.
 * @example sectionIntervals(result, lesionDice, { level: 0.95, resamples: 2000, seed: 0, method: 'bca' })
 */
export function sectionIntervals(
  result: Pick<EvalResult, 'settings' | 'regions' | 'lesions'>,
  lesionDice: readonly (readonly number[])[] | null,
  ci: CiOptions,
): void {
  const columns: Float64Array[] = [];
  const finite: boolean[] = [];
  const set: ((iv: JsonInterval) => void)[] = [];
  const add = (values: ArrayLike<number>, to: (iv: JsonInterval) => void): number => {
    const col = Float64Array.from(values);
    columns.push(col);
    finite.push(dropInfinite(col));
    set.push(to);
    return columns.length - 1;
  };
  const groups: MeanGroup[] = [];
  const groupSet: ((iv: JsonInterval) => void)[] = [];
  const sec = result.regions;
  if (sec) {
    for (const m of result.settings.metrics) {
      const mine = sec.regions.map((r, k) =>
        add(
          sec.images.map((img) => fromJsonNumber(img[m]?.[k] ?? 'NaN')),
          (iv) => (r.metrics[m]!.ci = iv),
        ),
      );
      const s = sec.summary[m];
      if (s && (s.reduction === 'macro-imagewise' || s.reduction === 'weighted-imagewise')) {
        const weights = s.reduction === 'weighted-imagewise' ? sec.regions.map((r) => r.support) : undefined;
        groups.push({ columns: mine, ...(weights ? { weights } : {}) });
        groupSet.push((iv) => (s.ci = iv));
      }
    }
  }
  if (result.lesions && lesionDice) {
    result.lesions.results.forEach((r, k) => add(lesionDice[k], (iv) => (r.lesionDiceMean.ci = iv)));
  }
  if (columns.length === 0) return;
  const pair = bootstrapPairs(columns, groups, ci);
  set.forEach((to, j) => to(pair(j, finite[j])));
  groupSet.forEach((to, q) =>
    to(
      pair(
        columns.length + q,
        groups[q].columns.every((j) => finite[j]),
      ),
    ),
  );
}
