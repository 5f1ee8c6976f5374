/**
 * Text outputs of an evaluation: the terminal table and the per-image CSV.
 * @module
 */
import { SURFACE_METRICS } from './options.js';
import type { MetricName } from './options.js';
import { fromJsonNumber } from './schema.js';
import type { EvalResult, JsonNumber } from './schema.js';
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
    `${c.index} ${c.name}`.slice(0, 32),
    ...metrics.map((m) => {
      const s = c.metrics[m];
      return s ? `${formatNumber(s.mean, m)} ± ${formatNumber(s.std, m)}` : '';
    }),
  ]);
  rows.push(['foreground mean', ...metrics.map((m) => formatNumber(result.foregroundMean[m] ?? 'NaN', m))]);
  if (reduction !== 'macro-imagewise' || result.settings.includeBackground) {
    rows.push([
      `all (${reduction})`,
      ...metrics.map((m) => {
        const s = result.summary[m];
        return s ? formatNumber(s.value, m) : '';
      }),
    ]);
  }
  rows.push(...regionRows(result));
  return alignTable(head, rows).join('\n') + '\n' + sectionTables(result);
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
  const { metrics, percentile } = result.settings;
  const head = ['id', 'gt', 'pred', 'score'];
  for (const m of metrics)
    for (const c of result.classes) head.push(`${metricLabel(m, percentile)}_${c.name}`);
  const regions = regionCsv(result);
  head.push(...regions.head);
  const lines = [head.map(csvField).join(',')];
  for (const [i, img] of result.images.entries()) {
    const cells: (string | number)[] = [img.id, img.gt, img.pred, img.score];
    for (const m of metrics) for (const v of img.metrics[m] ?? []) cells.push(v);
    cells.push(...regions.cells(i));
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
