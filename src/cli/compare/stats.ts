/**
 * The statistics of `segkit compare` (issue 14, part 2), free of files and of commander: the evaluation
 * results of two or more models on the same images in, per comparison (each model against the first, the
 * baseline) and per row: the mean paired difference with a paired bootstrap interval, the Wilcoxon
 * signed-rank test and Holm-adjusted p-values.
 *
 * Rows (see {@link pairedColumns}): every metric × (every reported class and the foreground mean); with
 * `--regions`, every metric × region (the per-image region values of the evaluation); with `--lesions`, per
 * lesion row of the evaluation (reported classes, then regions) the per-image lesion-wise Dice (BraTS 2023's
 * per-case value), the missed lesions (FN) and the false-positive components (FP) of the image. The pooled
 * lesion-wise sensitivity, precision and F1 and panoptic quality are ratios of counts summed over the
 * dataset, with no per-image value to pair, and are not compared.
 *
 * Test variant: two-sided Wilcoxon signed-rank test of the per-image differences `d = B − A` (Wilcoxon 1945),
 * zero differences dropped (scipy's `zero_method='wilcox'`), no continuity correction (`correction=False`);
 * the exact null distribution when n ≤ 50 and there are neither zeros nor tied |d| (scipy `method='exact'`),
 * else the normal approximation with the tie correction (scipy `method='approx'`). These are the core's
 * {@link wilcoxonSignedRank}, checked against scipy 1.10.1 on committed fixtures. Holm's step-down adjustment
 * (Holm 1979) runs over the family of one comparison: all its rows (classes, regions and lesion measures, every
 * metric) whose p-value is defined.
 *
 * Images where either model's value is NaN (a class absent from both masks) or infinite (a distance with one
 * empty mask) carry no difference and are counted in `skipped`. The bootstrap resamples images, every row of
 * an image together, with the same stream for every comparison (it depends only on the seed and the number of
 * images, so a row's interval does not change when rows are added).
 * @module
 */
import type { LesionCounts } from '../../core/evaluation/components.js';
import { lesionMetrics } from '../../core/evaluation/components.js';
import { nanMean } from '../../core/evaluation/reduce.js';
import { bootstrapMeans } from '../../core/evaluation/stats/bootstrap.js';
import { holm, wilcoxonSignedRank, WILCOXON_EXACT_MAX_N } from '../../core/evaluation/stats/wilcoxon.js';
import { isDistance, metricLabel } from '../eval/format.js';
import type { CiOptions, JsonInterval } from '../eval/intervals.js';
import type { MetricName } from '../eval/options.js';
import { fromJsonNumber, jsonNumber } from '../eval/schema.js';
import type { EvalResult, JsonNumber } from '../eval/schema.js';

/** How many of the largest regressions a comparison lists. @default 20 */
export const WORST_REGRESSIONS = 20;

/**
 * The per-image lesion-wise values compared (`--lesions`): `lesionDice`, the image's BraTS 2023 lesion-wise
 * Dice (Σ lesion Dice / (ground-truth lesions + false positives), 1 when both masks are empty); `lesionFn`, its
 * missed ground-truth lesions; `lesionFp`, its predicted components that match no lesion.
 */
export const LESION_MEASURES = ['lesionDice', 'lesionFn', 'lesionFp'] as const;
/** One of {@link LESION_MEASURES}. */
export type LesionMeasure = (typeof LESION_MEASURES)[number];
/** What a row compares: a metric of the evaluation, or a lesion-wise per-image value. */
export type CompareMetric = MetricName | LesionMeasure;
/** Where a row comes from: the classes, the regions (`--regions`) or the lesion rows (`--lesions`). */
export type CompareSection = 'class' | 'region' | 'lesion';

const isLesionMeasure = (m: CompareMetric): m is LesionMeasure =>
  (LESION_MEASURES as readonly string[]).includes(m);

/**
 * Whether a smaller value of the measure is better: surface distances and the lesion counts (FN, FP).
 * @example lowerIsBetter('hd95') // true; lowerIsBetter('lesionDice') // false
 */
export function lowerIsBetter(m: CompareMetric): boolean {
  return isLesionMeasure(m) ? m !== 'lesionDice' : isDistance(m);
}

/**
 * The heading of a measure: the metric's (`hd95` named after its percentile), or `lesion Dice`, `lesion FN`,
 * `lesion FP`.
 * @example measureLabel('lesionFn', 95) // 'lesion FN'
 */
export function measureLabel(m: CompareMetric, percentile: number): string {
  if (!isLesionMeasure(m)) return metricLabel(m, percentile);
  return m === 'lesionDice' ? 'lesion Dice' : m === 'lesionFn' ? 'lesion FN' : 'lesion FP';
}

/**
 * The metric whose number format a measure shares (for `formatNumber` and `formatInterval` of the eval
 * table): itself, `dice` for the lesion Dice (4 decimals), `assd` for the mean lesion counts (3 decimals).
 * @example formatAs('lesionFp') // 'assd'
 */
export function formatAs(m: CompareMetric): MetricName {
  return isLesionMeasure(m) ? (m === 'lesionDice' ? 'dice' : 'assd') : m;
}

/** The Wilcoxon test of one difference column. */
export interface WilcoxonJson {
  /** `min(R⁺, R⁻)` (scipy's statistic). */
  statistic: JsonNumber;
  rPlus: number;
  rMinus: number;
  /** Non-zero differences ranked. */
  n: number;
  /** Zero differences dropped. */
  zeros: number;
  method: 'exact' | 'normal';
  /** z of the normal approximation ("NaN" for the exact method). */
  z: JsonNumber;
  /** Two-sided p-value ("NaN" when no non-zero difference is left). */
  pvalue: JsonNumber;
}

/** What one row compares (the first keys of a {@link CompareRow}). */
export interface RowKey {
  /** Classes (and the foreground mean), regions, or lesion rows. */
  section: CompareSection;
  /** The metric, or for a lesion row the lesion-wise measure. */
  metric: CompareMetric;
  /** The class index; null for the foreground mean, a region, and a lesion row of a region. */
  class: number | null;
  /** The region's name (a region, or a lesion row of a region), else null. */
  region: string | null;
  /** Class name, "foreground mean", or the region's name. */
  name: string;
}

/** One row of a comparison: a metric of a class (or the foreground mean), of a region, or a lesion measure. */
export interface CompareRow extends RowKey {
  /** Images with a finite value for both models. */
  n: number;
  /** Images left out (NaN or infinite for either model). */
  skipped: number;
  /** Means over the same n images. */
  meanA: JsonNumber;
  meanB: JsonNumber;
  /** Mean of `B − A` over the n images. */
  meanDiff: JsonNumber;
  /** Paired bootstrap interval of `meanDiff`. */
  ci: JsonInterval;
  wilcoxon: WilcoxonJson;
  /** Holm-adjusted p-value within the comparison ("NaN" when the p-value is). */
  pHolm: JsonNumber;
  /** Which model is better where `pHolm` ≤ alpha (higher scores, lower distances), else null. */
  better: 'A' | 'B' | null;
}

/** One image of a comparison: the first metric's foreground mean for both models. */
export interface ImagePair {
  id: string;
  a: JsonNumber;
  b: JsonNumber;
  /** `b − a` ("NaN" when either is not finite). */
  diff: JsonNumber;
}

/** Model B against the baseline A. */
export interface Comparison {
  /** Index of B in `models`. */
  model: number;
  /** Index of A (the baseline, 0). */
  against: number;
  rows: CompareRow[];
  /** Every image, in id order: the first metric's foreground mean of A and B. */
  images: ImagePair[];
  /** The images where B is most worse than A (by the first metric's foreground mean), worst first. */
  worst: ImagePair[];
  /**
   * With `--regions` / `--lesions`: per section, the per-image values of A and B of its first measure (the
   * first metric for regions, lesion Dice for lesions), for the report's paired plots; `a[i][k]`: image i (as
   * in `images`), region or lesion row k (as in `names`).
   */
  sections?: SectionPairs[];
}

/** The per-image values of A and B of one measure of a section (regions or lesion rows), for paired plots. */
export interface SectionPairs {
  section: 'region' | 'lesion';
  metric: CompareMetric;
  /** The rows' names as the table shows them (`region WT`, or a class name for a lesion row of a class). */
  names: string[];
  a: JsonNumber[][];
  b: JsonNumber[][];
}

/** The settings of the statistics, as the JSON records them. */
export interface CompareStatsSettings {
  ci: CiOptions & { unit: 'image' };
  /** Significance level of `better`. @default 0.05 */
  alpha: number;
  test: {
    name: 'wilcoxon-signed-rank';
    alternative: 'two-sided';
    zeroMethod: 'wilcox';
    correction: false;
    /** Exact null distribution up to this n, without zeros or ties; normal approximation otherwise. */
    exactMaxN: number;
    adjust: 'holm';
    family: 'all rows of one comparison: metrics × (classes, foreground mean, regions), lesion measures × lesion rows';
  };
}

/** The statistics settings for the given interval options. */
export function compareStatsSettings(ci: CiOptions, alpha: number): CompareStatsSettings {
  return {
    ci: { ...ci, unit: 'image' },
    alpha,
    test: {
      name: 'wilcoxon-signed-rank',
      alternative: 'two-sided',
      zeroMethod: 'wilcox',
      correction: false,
      exactMaxN: WILCOXON_EXACT_MAX_N,
      adjust: 'holm',
      family:
        'all rows of one comparison: metrics × (classes, foreground mean, regions), lesion measures × lesion rows',
    },
  };
}

/**
 * The text of a row's "class" column: the class name, "foreground mean", `region <name>`, or for a lesion row
 * its class name or `region <name>`.
 * @example rowName({ section: 'region', metric: 'dice', class: null, region: 'WT', name: 'WT' }) // 'region WT'
 */
export function rowName(r: RowKey): string {
  return r.region !== null ? `region ${r.name}` : r.name;
}

/** A model's evaluation: the result, and per image the lesion counts of its lesion rows (with `--lesions`). */
export interface ModelValues {
  result: EvalResult;
  /** Per image (the result's order), per lesion row (reported classes, then regions); null without `--lesions`. */
  lesions: readonly (readonly LesionCounts[])[] | null;
}

/** The rows a model's evaluation offers and, per row, its per-image values (`values[j][i]`, image i). */
export interface PairedColumns {
  keys: RowKey[];
  values: number[][];
}

/**
 * The rows of a model's evaluation and their per-image values: per metric, the reported classes then the
 * per-image foreground mean (NaN skipped); per metric, the regions; per lesion measure, the lesion rows.
 * @example pairedColumns({ result, lesions: null }).keys[0] // { section: 'class', metric: 'dice', class: 1, region: null, name: '1' }
 */
export function pairedColumns(model: ModelValues): PairedColumns {
  const { result } = model;
  const { metrics } = result.settings;
  const keys: RowKey[] = [];
  const values: number[][] = [];
  const fg = result.classes.flatMap((c, k) => (c.index > 0 || result.settings.numClasses === 1 ? [k] : []));
  for (const m of metrics) {
    const rows = result.images.map((img) => (img.metrics[m] ?? []).map(fromJsonNumber));
    result.classes.forEach((c, k) => {
      keys.push({ section: 'class', metric: m, class: c.index, region: null, name: c.name });
      values.push(rows.map((v) => v[k] ?? NaN));
    });
    keys.push({ section: 'class', metric: m, class: null, region: null, name: 'foreground mean' });
    values.push(rows.map((v) => nanMean(fg.map((k) => v[k])).value));
  }
  const sec = result.regions;
  if (sec) {
    for (const m of metrics) {
      sec.regions.forEach((r, k) => {
        keys.push({ section: 'region', metric: m, class: null, region: r.name, name: r.name });
        values.push(sec.images.map((img) => fromJsonNumber(img[m]?.[k] ?? 'NaN')));
      });
    }
  }
  if (result.lesions && model.lesions) {
    const counts = model.lesions;
    for (const measure of LESION_MEASURES) {
      result.lesions.results.forEach((r, k) => {
        keys.push({
          section: 'lesion',
          metric: measure,
          class: r.index,
          region: r.index === null ? r.name : null,
          name: r.name,
        });
        values.push(
          counts.map((img) =>
            measure === 'lesionDice'
              ? lesionMetrics(img[k]).lesionDice
              : measure === 'lesionFn'
                ? img[k].fn
                : img[k].fp,
          ),
        );
      });
    }
  }
  return { keys, values };
}

/**
 * Compares every model with the first. The results must be of the same settings and the same images in the
 * same (id) order; the caller checks that and names the files.
 * @example compareResults([{ result: a, lesions: null }, { result: b, lesions: null }], { level: 0.95, resamples: 2000, seed: 0, method: 'bca' }, 0.05)
 */
export function compareResults(models: readonly ModelValues[], ci: CiOptions, alpha = 0.05): Comparison[] {
  const base = models[0].result;
  const first = base.settings.metrics[0];
  const cols = models.map(pairedColumns);
  const { keys } = cols[0];
  const fgFirst = keys.findIndex((k) => k.section === 'class' && k.metric === first && k.class === null);
  return models.slice(1).map((_, q) => {
    const a = cols[0].values;
    const b = cols[q + 1].values;
    const diffs: number[][] = [];
    const rows: CompareRow[] = keys.map((key, j) => {
      const d: number[] = [];
      const kept: number[] = [];
      let sa = 0;
      let sb = 0;
      a[j].forEach((x, i) => {
        const y = b[j][i];
        if (Number.isFinite(x) && Number.isFinite(y)) {
          d.push(y - x);
          kept.push(y - x);
          sa += x;
          sb += y;
        } else d.push(NaN);
      });
      diffs.push(d);
      const w = wilcoxonSignedRank(kept);
      const n = kept.length;
      return {
        ...key,
        n,
        skipped: d.length - n,
        meanA: jsonNumber(n ? sa / n : NaN),
        meanB: jsonNumber(n ? sb / n : NaN),
        meanDiff: 'NaN',
        ci: ['NaN', 'NaN'],
        wilcoxon: {
          statistic: jsonNumber(w.statistic),
          rPlus: w.rPlus,
          rMinus: w.rMinus,
          n: w.n,
          zeros: w.zeros,
          method: w.method,
          z: jsonNumber(w.z),
          pvalue: jsonNumber(w.pvalue),
        },
        pHolm: 'NaN',
        better: null,
      };
    });
    const boot = bootstrapMeans(diffs, {
      ci: ci.level,
      resamples: ci.resamples,
      seed: ci.seed,
      method: ci.method,
    });
    const adjusted = holm(rows.map((r) => fromJsonNumber(r.wilcoxon.pvalue)));
    rows.forEach((r, j) => {
      r.meanDiff = jsonNumber(boot[j].estimate);
      r.ci = [jsonNumber(boot[j].lower), jsonNumber(boot[j].upper)];
      r.pHolm = jsonNumber(adjusted[j]);
      const up = boot[j].estimate > 0;
      if (adjusted[j] <= alpha && boot[j].estimate !== 0)
        r.better = up !== lowerIsBetter(r.metric) ? 'B' : 'A';
    });
    const images: ImagePair[] = base.images.map((img, i) => {
      const [x, y] = [a[fgFirst][i], b[fgFirst][i]];
      return {
        id: img.id,
        a: jsonNumber(x),
        b: jsonNumber(y),
        diff: jsonNumber(Number.isFinite(x) && Number.isFinite(y) ? y - x : NaN),
      };
    });
    // Worse = lower score, or larger distance.
    const sign = isDistance(first) ? -1 : 1;
    const worst = images
      .filter((p) => typeof p.diff === 'number' && sign * p.diff < 0)
      .sort((p, r) => sign * ((p.diff as number) - (r.diff as number)) || (p.id < r.id ? -1 : 1))
      .slice(0, WORST_REGRESSIONS);
    const sections = (['region', 'lesion'] as const).flatMap((section): SectionPairs[] => {
      const js = keys.flatMap((k, j) => (k.section === section ? [j] : []));
      if (!js.length) return [];
      const metric = keys[js[0]].metric;
      const mine = js.filter((j) => keys[j].metric === metric);
      const per = (v: number[][]) => base.images.map((_, i) => mine.map((j) => jsonNumber(v[j][i])));
      return [
        {
          section,
          metric,
          names: mine.map((j) => rowName(keys[j])),
          a: per(a),
          b: per(b),
        },
      ];
    });
    return { model: q + 1, against: 0, rows, images, worst, ...(sections.length ? { sections } : {}) };
  });
}
