/**
 * The statistics of `segkit compare` (issue 14, part 2), free of files and of commander: the evaluation
 * results of two or more models on the same images in, per comparison (each model against the first, the
 * baseline) and per metric and class: the mean paired difference with a paired bootstrap interval, the
 * Wilcoxon signed-rank test and Holm-adjusted p-values.
 *
 * Test variant: two-sided Wilcoxon signed-rank test of the per-image differences `d = B − A` (Wilcoxon 1945),
 * zero differences dropped (scipy's `zero_method='wilcox'`), no continuity correction (`correction=False`);
 * the exact null distribution when n ≤ 50 and there are neither zeros nor tied |d| (scipy `method='exact'`),
 * else the normal approximation with the tie correction (scipy `method='approx'`). These are the core's
 * {@link wilcoxonSignedRank}, checked against scipy 1.10.1 on committed fixtures. Holm's step-down adjustment
 * (Holm 1979) runs over the family of one comparison: every metric × (every reported class and the foreground
 * mean) whose p-value is defined.
 *
 * Images where either model's value is NaN (a class absent from both masks) or infinite (a distance with one
 * empty mask) carry no difference and are counted in `skipped`. The bootstrap resamples images, every metric and
 * class of an image together, with the same stream for every comparison.
 * @module
 */
import { nanMean } from '../../core/evaluation/reduce.js';
import { bootstrapMeans } from '../../core/evaluation/stats/bootstrap.js';
import { holm, wilcoxonSignedRank, WILCOXON_EXACT_MAX_N } from '../../core/evaluation/stats/wilcoxon.js';
import { isDistance } from '../eval/format.js';
import type { CiOptions, JsonInterval } from '../eval/intervals.js';
import type { MetricName } from '../eval/options.js';
import { fromJsonNumber, jsonNumber } from '../eval/schema.js';
import type { EvalResult, JsonNumber } from '../eval/schema.js';

/** How many of the largest regressions a comparison lists. @default 20 */
export const WORST_REGRESSIONS = 20;

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

/** One metric and class (or the foreground mean) of a comparison. */
export interface CompareRow {
  metric: MetricName;
  /** The class index, or null for the per-image foreground mean. */
  class: number | null;
  /** Class name, or "foreground mean". */
  name: string;
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
    family: 'metrics × classes (and foreground mean) of one comparison';
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
      family: 'metrics × classes (and foreground mean) of one comparison',
    },
  };
}

/** Per metric, per image: the values of the reported classes, then the foreground mean (NaN skipped). */
function columnsOf(result: EvalResult): Map<MetricName, number[][]> {
  const fg = result.classes.flatMap((c, k) => (c.index > 0 || result.settings.numClasses === 1 ? [k] : []));
  const out = new Map<MetricName, number[][]>();
  for (const m of result.settings.metrics) {
    out.set(
      m,
      result.images.map((img) => {
        const v = (img.metrics[m] ?? []).map(fromJsonNumber);
        return [...v, nanMean(fg.map((k) => v[k])).value];
      }),
    );
  }
  return out;
}

/**
 * Compares every model with the first. The results must be of the same settings and the same images in the
 * same (id) order; the caller checks that and names the files.
 * @example compareResults([resultA, resultB], { level: 0.95, resamples: 2000, seed: 0, method: 'bca' }, 0.05)
 */
export function compareResults(results: readonly EvalResult[], ci: CiOptions, alpha = 0.05): Comparison[] {
  const [base] = results;
  const { metrics } = base.settings;
  const names = [...base.classes.map((c) => c.name), 'foreground mean'];
  const indices = [...base.classes.map((c) => c.index as number | null), null];
  const cols = results.map(columnsOf);
  const first = metrics[0];
  return results.slice(1).map((res, q) => {
    const b = cols[q + 1];
    const a = cols[0];
    const diffs: number[][] = [];
    const rows: CompareRow[] = [];
    for (const m of metrics) {
      for (let k = 0; k < names.length; k++) {
        const d: number[] = [];
        let sa = 0;
        let sb = 0;
        const kept: number[] = [];
        a.get(m)!.forEach((row, i) => {
          const x = row[k];
          const y = b.get(m)![i][k];
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
        rows.push({
          metric: m,
          class: indices[k],
          name: names[k],
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
        });
      }
    }
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
      if (adjusted[j] <= alpha && boot[j].estimate !== 0) r.better = up !== isDistance(r.metric) ? 'B' : 'A';
    });
    const score = (c: Map<MetricName, number[][]>, i: number) => c.get(first)![i][names.length - 1];
    const images: ImagePair[] = base.images.map((img, i) => {
      const [x, y] = [score(a, i), score(b, i)];
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
    return { model: q + 1, against: 0, rows, images, worst };
  });
}
