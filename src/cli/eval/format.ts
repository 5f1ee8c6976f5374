/**
 * Text outputs of an evaluation: the terminal table and the per-image CSV.
 * @module
 */
import { SURFACE_METRICS } from './options.js';
import type { MetricName } from './options.js';
import { fromJsonNumber } from './schema.js';
import type { EvalResult, ImageResult, JsonNumber } from './schema.js';
import type { JsonInterval } from './intervals.js';

/** ` [lower, upper]` after a value when there is an interval (`--ci`), else nothing. */
export function formatInterval(iv: JsonInterval | undefined, metric: MetricName): string {
  return iv ? ` [${formatNumber(iv[0], metric)}, ${formatNumber(iv[1], metric)}]` : '';
}

/** The sentence that says what the intervals are, or '' without `--ci`. */
export function intervalNote(result: EvalResult): string {
  const ci = result.ci;
  if (!ci) return '';
  return `[lower, upper]: ${+(ci.level * 100).toPrecision(6)}% ${ci.method === 'bca' ? 'BCa' : 'percentile'} bootstrap interval over images (${ci.resamples} resamples, seed ${ci.seed}); pooled values have none.`;
}
import { alignTable, regionCsv, regionRows, sectionTables } from './sectionsFormat.js';

/** Whether a metric is a distance (shown with fewer decimals, lower is better). */
export function isDistance(metric: MetricName): boolean {
  return (SURFACE_METRICS as readonly string[]).includes(metric) && metric !== 'nsd';
}

/** A value for the table: 4 decimals for scores, 3 for distances; `nan`, `inf`. */
export function formatNumber(x: JsonNumber | number, metric: MetricName): string {
  const v = fromJsonNumber(x);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(isDistance(metric) ? 3 : 4);
}

/**
 * A class's row label in the terminal tables: index and name, or the index alone when the name is the index (no
 * `--labels`), at most 32 characters.
 * @example classLabel(1, 'liver') // '1 liver'; classLabel(1, '1') // '1'
 */
export function classLabel(index: number, name: string): string {
  return (name === String(index) ? name : `${index} ${name}`).slice(0, 32);
}

/** The column heading of a metric (the percentile HD is named after its percentile). */
export function metricLabel(metric: MetricName, percentile: number): string {
  return metric === 'hd95' ? `hd${percentile}` : metric;
}

/**
 * The per-class table printed on stdout: one row per reported class with `mean ± std` over images of each
 * metric, then the foreground mean over classes (and the summary when `--reduction` is not the default).
 * @example formatTable(result) // 'class         dice              iou\n1 liver ...'
 */
export function formatTable(result: EvalResult): string {
  const { metrics, percentile, reduction } = result.settings;
  const head = ['class', ...metrics.map((m) => metricLabel(m, percentile))];
  const rows: string[][] = result.classes.map((c) => [
    classLabel(c.index, c.name),
    ...metrics.map((m) => {
      const s = c.metrics[m];
      return s ? `${formatNumber(s.mean, m)} ± ${formatNumber(s.std, m)}${formatInterval(s.ci, m)}` : '';
    }),
  ]);
  rows.push([
    'foreground mean',
    ...metrics.map(
      (m) =>
        formatNumber(result.foregroundMean[m] ?? 'NaN', m) + formatInterval(result.foregroundMeanCi?.[m], m),
    ),
  ]);
  if (reduction !== 'macro-imagewise' || result.settings.includeBackground) {
    rows.push([
      `all (${reduction})`,
      ...metrics.map((m) => {
        const s = result.summary[m];
        return s ? formatNumber(s.value, m) + formatInterval(s.ci, m) : '';
      }),
    ]);
  }
  rows.push(...regionRows(result));
  const note = intervalNote(result);
  return alignTable(head, rows).join('\n') + '\n' + (note ? `${note}\n` : '') + sectionTables(result);
}

/** A CSV field, quoted when it must be (RFC 4180). */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The per-image CSV: `id,gt,pred,score`, then one column per metric and reported class, named
 * `<metric>_<class name>`. NaN and Infinity are written as `NaN`, `Infinity`.
 * @example formatCsv(result).split('\n')[0] // 'id,gt,pred,score,dice_1,dice_2'
 */
export function formatCsv(result: EvalResult): string {
  const csv = csvLines(result);
  return [csv.head, ...result.images.map(csv.line)].join('\n') + '\n';
}

/**
 * The lines of the per-image CSV of {@link formatCsv}, one at a time (for writers that stream the images):
 * the header, and the line of image i (its region values are read from `result.regions.images[i]`).
 * @example csvLines(result).head // 'id,gt,pred,score,dice_1,dice_2'
 */
export function csvLines(result: EvalResult): {
  head: string;
  line: (img: ImageResult, i: number) => string;
} {
  const { metrics, percentile } = result.settings;
  const head = ['id', 'gt', 'pred', 'score'];
  for (const m of metrics)
    for (const c of result.classes) head.push(`${metricLabel(m, percentile)}_${c.name}`);
  const regions = regionCsv(result);
  head.push(...regions.head);
  return {
    head: head.map(csvField).join(','),
    line: (img, i) => {
      const cells: (string | number)[] = [img.id, img.gt, img.pred, img.score];
      for (const m of metrics) for (const v of img.metrics[m] ?? []) cells.push(v);
      cells.push(...regions.cells(i));
      return cells.map(csvField).join(',');
    },
  };
}

/**
 * The summary CSV (`--summary-csv`): one row per reported class and metric, then one per metric for the
 * foreground mean and for the summary, with the columns `row,class,name,metric,value,std,n,skipped,reduction,
 * ci_level,ci_lower,ci_upper` (the interval columns empty without `--ci`; `std` and `n` only for class rows).
 * @example formatSummaryCsv(result).split('\n')[1] // 'class,1,road,dice,0.9444,0.0556,2,0,macro-imagewise,,,'
 */
export function formatSummaryCsv(result: EvalResult): string {
  const { metrics, percentile } = result.settings;
  const level = result.ci ? result.ci.level : '';
  const lines = ['row,class,name,metric,value,std,n,skipped,reduction,ci_level,ci_lower,ci_upper'];
  const push = (cells: (string | number)[], iv: JsonInterval | undefined) =>
    lines.push([...cells, iv ? level : '', iv?.[0] ?? '', iv?.[1] ?? ''].map(csvField).join(','));
  for (const c of result.classes) {
    for (const m of metrics) {
      const s = c.metrics[m];
      if (s)
        push(
          [
            'class',
            c.index,
            c.name,
            metricLabel(m, percentile),
            s.mean,
            s.std,
            s.n,
            s.skipped,
            'mean over images',
          ],
          s.ci,
        );
    }
  }
  for (const m of metrics) {
    push(
      [
        'foreground mean',
        '',
        '',
        metricLabel(m, percentile),
        result.foregroundMean[m] ?? 'NaN',
        '',
        '',
        '',
        'mean over foreground classes',
      ],
      result.foregroundMeanCi?.[m],
    );
  }
  for (const m of metrics) {
    const s = result.summary[m];
    if (s)
      push(['summary', '', '', metricLabel(m, percentile), s.value, '', '', s.skipped, s.reduction], s.ci);
  }
  return lines.join('\n') + '\n';
}
