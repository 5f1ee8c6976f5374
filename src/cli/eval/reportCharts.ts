/**
 * The per-category charts of the evaluation report, shared by the classes and the regions (`--regions`): bars
 * of the mean over images per category and metric with error bars (the `--ci` interval, else ± one standard
 * deviation), split into scores (0–1) and distances (finite values, the count of infinite images written above
 * the bar as `∞ ×n`), and one box plot per metric of the per-image values. Also the pieces the report's
 * tables share with them: the finite statistics of distances, the box statistics and the category names.
 * @module
 */
import { SERIES_COLORS } from '../html.js';
import { isDistance, metricLabel } from './format.js';
import { intervalNumbers } from './intervals.js';
import type { MetricName } from './options.js';
import { fromJsonNumber } from './schema.js';
import type { ClassStat } from './schema.js';
import { meanStd } from './summarize.js';
import { nanMean } from '../../core/evaluation/reduce.js';
import { percentile } from '../../core/evaluation/surface.js';

/** A chart of a report: the canvas id and the spec `segkitChart` draws. */
export interface ChartSpec {
  id: string;
  spec: Record<string, unknown>;
}

/** Statistics of one class and distance metric over the finite per-image values. */
export interface FiniteStat {
  /** Mean over the finite values (NaN when there is none). */
  mean: number;
  /** Population standard deviation over the same values. */
  std: number;
  /** Number of images whose value is ±Infinity. */
  infinite: number;
}

/**
 * Mean and standard deviation of a class's per-image values over the finite ones, and how many are infinite.
 * @example finiteStat([1, 3, Infinity, NaN]) // { mean: 2, std: 1, infinite: 1 }
 */
export function finiteStat(values: readonly number[]): FiniteStat {
  const s = meanStd(values.filter((v) => !Number.isNaN(v) && Number.isFinite(v)));
  return {
    mean: fromJsonNumber(s.mean),
    std: fromJsonNumber(s.std),
    infinite: values.filter((v) => v === Infinity || v === -Infinity).length,
  };
}

/** Up to this many images, a box plot also draws every image as a point. */
export const BOX_POINTS_MAX = 200;

/** The five numbers, the mean and the outliers of one box (Tukey's 1.5 × IQR whiskers). */
export interface BoxStats {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
  outliers: number[];
  /** Every value, only when there are at most {@link BOX_POINTS_MAX}. */
  items?: number[];
}

/** A number rounded to 6 significant digits: chart data only (the tables keep the JSON's values). */
const short = (v: number): number => Number(v.toPrecision(6));

/**
 * The box of a list of finite values, computed here rather than in the page so that a report's size does not
 * grow with the number of images: quartiles by numpy's linear interpolation (the core's `percentile`),
 * whiskers at the most extreme values within 1.5 × IQR of the box, values beyond them as outliers. Null for
 * an empty list.
 * @example boxStats([1, 2, 3, 4, 100]) // { min: 1, q1: 2, median: 3, q3: 4, max: 4, mean: 22, outliers: [100], items: [...] }
 */
export function boxStats(values: readonly number[]): BoxStats | null {
  if (values.length === 0) return null;
  const q = (p: number) => percentile(Float64Array.from(values), p);
  const [q1, median, q3] = [q(25), q(50), q(75)];
  const [lo, hi] = [q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)];
  const inside = values.filter((v) => v >= lo && v <= hi);
  return {
    min: short(inside.reduce((a, b) => Math.min(a, b))),
    q1: short(q1),
    median: short(median),
    q3: short(q3),
    max: short(inside.reduce((a, b) => Math.max(a, b))),
    mean: short(nanMean(values).value),
    outliers: values.filter((v) => v < lo || v > hi).map(short),
    ...(values.length <= BOX_POINTS_MAX ? { items: values.map(short) } : {}),
  };
}

/**
 * The class names shown on axes and in tables: the names themselves (`--labels`, or the index), or, only when
 * two classes share a name, `<index> <name>` so that every category stays distinct.
 * @example classNames(['1', '2', '4']) // ['1', '2', '4']; classNames(['bg', 'a', 'a']) // ['0 bg', '1 a', '2 a']
 */
export function classNames(labels: readonly string[]): string[] {
  const unique = new Set(labels).size === labels.length;
  return labels.map((name, i) => (unique ? name : `${i} ${name}`));
}

/** The categories (classes or regions) of a set of charts and their values. */
export interface GroupChartInput {
  /** Prefix of the chart ids: '' for the classes (`bars`, `distbars`, `dist-<metric>`), 'region-' for regions. */
  prefix: string;
  /** The category's word in the titles and on the x axis: 'class' or 'region'. */
  noun: string;
  /** The category names, in order. */
  names: readonly string[];
  metrics: readonly MetricName[];
  /** `settings.percentile` (the name of `hd95`). */
  percentile: number;
  /** Per metric and category, the per-image values (NaN and ±Infinity included). */
  values(m: MetricName, k: number): number[];
  /**
   * The values the box plots draw, when they are not all of {@link GroupChartInput.values} (a sample of the
   * images above `REPORT_SAMPLE_MAX`). @default values
   */
  boxValues?(m: MetricName, k: number): number[];
  /** Per metric and category, the mean ± std of the result (with its `ci` under `--ci`). */
  stat(m: MetricName, k: number): ClassStat | undefined;
  /** Whether the run has intervals (`--ci`); the error bars are then the intervals. */
  ci: boolean;
  /** What the error bars are, for the titles. */
  errorBars: string;
}

/**
 * The bar charts (scores, distances) and the box plots of a group of categories.
 * @example groupCharts({ prefix: 'region-', noun: 'region', names: ['WT'], metrics: ['dice'], percentile: 95, values: () => [0.8, 0.9], stat: () => ({ mean: 0.85, std: 0.05, n: 2, skipped: 0 }), ci: false, errorBars: '± one standard deviation' }).bars[0].id // 'region-bars'
 */
export function groupCharts(g: GroupChartInput): { bars: ChartSpec[]; boxes: ChartSpec[] } {
  const { names, metrics, prefix, noun } = g;
  const label = (m: MetricName) => metricLabel(m, g.percentile);
  const finite = new Map(
    metrics.filter(isDistance).map((m) => [m, names.map((_, k) => finiteStat(g.values(m, k)))]),
  );
  const stat = (m: MetricName, k: number) => {
    const f = finite.get(m)?.[k];
    if (f && !(g.ci && f.infinite === 0)) return { mean: f.mean, std: f.std, infinite: f.infinite };
    const s = g.stat(m, k);
    return { mean: fromJsonNumber(s?.mean ?? 'NaN'), std: fromJsonNumber(s?.std ?? 'NaN'), infinite: 0 };
  };
  const barSets = (ms: readonly MetricName[]) =>
    ms.map((m, i) => ({
      label: label(m),
      backgroundColor: SERIES_COLORS[i % SERIES_COLORS.length],
      infinite: names.map((_, k) => stat(m, k).infinite),
      data: names.map((_, k) => {
        const { mean, std } = stat(m, k);
        if (!Number.isFinite(mean)) return { y: null };
        const [lo, hi] = intervalNumbers(g.stat(m, k)?.ci);
        if (g.ci && Number.isFinite(lo) && Number.isFinite(hi))
          return { y: short(mean), yMin: short(lo), yMax: short(hi) };
        const sd = Number.isFinite(std) ? std : 0;
        return { y: short(mean), yMin: short(mean - sd), yMax: short(mean + sd) };
      }),
    }));
  const infiniteNote = (ms: readonly MetricName[], drawn: string): string | undefined => {
    const parts = ms.flatMap((m) =>
      names.flatMap((n, k) => (stat(m, k).infinite ? [`${label(m)} ${n}: ${stat(m, k).infinite}`] : [])),
    );
    return parts.length
      ? `Infinite (one mask empty), images: ${parts.join('; ')}. ${drawn}; ∞ ×n marks the images left out.`
      : undefined;
  };
  const bars: ChartSpec[] = [];
  const scores = metrics.filter((m) => !isDistance(m));
  const distances = metrics.filter(isDistance);
  if (scores.length)
    bars.push({
      id: `${prefix}bars`,
      spec: {
        type: 'barWithErrorBars',
        title: `Per-${noun} scores: mean over images (error bars: ${g.errorBars})`,
        x: noun,
        y: 'score',
        labels: names,
        datasets: barSets(scores),
        options: { scales: { y: { min: 0, max: 1 } } },
      },
    });
  if (distances.length)
    bars.push({
      id: `${prefix}distbars`,
      spec: {
        type: 'barWithErrorBars',
        title: `Per-${noun} distances: mean over images with a finite value (error bars: ${g.errorBars})`,
        subtitle: infiniteNote(distances, 'Bars: mean over the finite values') ?? 'No infinite distance.',
        x: noun,
        y: 'distance (spacing units)',
        labels: names,
        datasets: barSets(distances),
      },
    });
  const boxes = metrics.map((m) => {
    const note = infiniteNote([m], 'Boxes: the finite values');
    return {
      id: `${prefix}dist-${m}`,
      spec: {
        type: 'boxplot',
        title: `${label(m)} per image${noun === 'class' ? '' : `, per ${noun}`}`,
        subtitle:
          note ??
          (isDistance(m)
            ? 'No infinite distance.'
            : `NaN values (${noun} absent from both masks) are not drawn.`),
        x: noun,
        y: isDistance(m) ? 'distance (spacing units)' : 'score',
        legend: false,
        labels: names,
        options: { scales: { y: isDistance(m) ? { beginAtZero: true } : { min: 0, max: 1 } } },
        datasets: [
          {
            label: label(m),
            backgroundColor: 'rgba(0,114,178,0.25)',
            borderColor: '#0072b2',
            outlierBackgroundColor: '#0072b2',
            itemRadius: 2,
            itemBackgroundColor: 'rgba(0,0,0,0.45)',
            infinite: names.map((_, k) => stat(m, k).infinite),
            data: names.map((_, k) =>
              boxStats((g.boxValues ?? g.values)(m, k).filter((v) => Number.isFinite(v))),
            ),
          },
        ],
      },
    };
  });
  return { bars, boxes };
}
