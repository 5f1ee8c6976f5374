/**
 * The optional sections of the report: the regions table, the lesion-wise table and the panoptic table, each
 * cell with its exact value in `data-value` (as in the JSON), and their charts: per-region bars and per-image
 * box plots as for the classes ({@link groupCharts}, error bars = the `--ci` interval, else ± one standard
 * deviation); lesion-wise TP/FP/FN per class and region, and the lesion-wise scores (pooled sensitivity,
 * precision, F1 and lesion Dice, and the mean per-image lesion Dice with its error bars); PQ, SQ and RQ per
 * class and their mean.
 * @module
 */
import { escapeHtml, SERIES_COLORS } from '../html.js';
import { formatInterval, formatNumber, metricLabel } from './format.js';
import { intervalNumbers } from './intervals.js';
import type { JsonInterval } from './intervals.js';
import { classNames } from './reportCharts.js';
import { groupCharts } from './reportCharts.js';
import type { ChartSpec } from './reportCharts.js';
import type { MetricName } from './options.js';
import { fromJsonNumber } from './schema.js';
import type { ClassStat, EvalResult, JsonNumber } from './schema.js';
import { lesionOptionsNote, panopticSourceNote } from './sectionsFormat.js';

const cell = (x: JsonNumber | number, m: MetricName = 'dice'): string =>
  `<td data-value="${escapeHtml(String(x))}">${formatNumber(x, m)}</td>`;
const count = (n: number): string => `<td data-value="${n}">${n}</td>`;
/** A mean's cell, followed by its `--ci` interval when there is one (`data-value` stays the mean). */
const meanCell = (x: JsonNumber, iv: JsonInterval | undefined, m: MetricName = 'dice'): string =>
  `<td data-value="${escapeHtml(String(x))}">${formatNumber(x, m)}${formatInterval(iv, m)}</td>`;

/** A note starting with a capital letter. */
const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A number rounded to 6 significant digits: chart data only (the tables keep the JSON's values). */
const short = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
const canvas = (c: ChartSpec): string => `<div class="plot"><canvas id="${c.id}"></canvas></div>`;

/** A bar with error bars: the `--ci` interval when there is one, else ± one standard deviation. */
function meanBar(s: ClassStat, ci: boolean): { y: number | null; yMin?: number; yMax?: number } {
  const [y, sd] = [fromJsonNumber(s.mean), fromJsonNumber(s.std)];
  const [lo, hi] = ci ? intervalNumbers(s.ci) : [y - sd, y + sd];
  if (!Number.isFinite(y)) return { y: null };
  return Number.isFinite(lo) && Number.isFinite(hi)
    ? { y: short(y), yMin: short(lo)!, yMax: short(hi)! }
    : { y: short(y) };
}

/**
 * The sections' HTML (empty when none was asked for) and their charts, drawn by the report's page script.
 * @param errorBars - what the error bars are (the `--ci` interval, or ± one standard deviation), for titles.
 * @example sectionsReport(result, '± one standard deviation').charts.map((c) => c.id) // ['region-bars', 'region-dist-dice', 'lesion-counts', 'lesion-scores', 'panoptic-quality']
 */
export function sectionsReport(result: EvalResult, errorBars: string): { html: string; charts: ChartSpec[] } {
  const parts: string[] = [];
  const charts: ChartSpec[] = [];
  const { metrics, percentile } = result.settings;
  const ci = Boolean(result.ci);
  const names = classNames(result.settings.labels);
  if (result.regions) {
    const sec = result.regions;
    const head = metrics.map((m) => `<th>${metricLabel(m, percentile)} mean</th><th>std</th>`).join('');
    const rows = sec.regions
      .map(
        (r) =>
          `<tr data-region="${escapeHtml(r.name)}"><td>${escapeHtml(r.name)}</td><td>${r.labels.join(', ')}</td>${metrics
            .map((m) => {
              const s = r.metrics[m];
              return s ? meanCell(s.mean, s.ci, m) + cell(s.std, m) : '<td></td><td></td>';
            })
            .join('')}</tr>`,
      )
      .join('\n');
    const mean = `<tr data-region=""><td>mean over regions</td><td></td>${metrics
      .map((m) => `${meanCell(sec.summary[m]?.value ?? 'NaN', sec.summary[m]?.ci, m)}<td></td>`)
      .join('')}</tr>`;
    parts.push(`<h2>Regions</h2>
<p class="note">A region is positive where the label is in its set (nnU-Net's region-based evaluation); Dice = 2tp/(2tp+fp+fn) of the binarised masks, NaN (skipped) when the region is absent from both.</p>
<table id="regions"><tr><th>region</th><th>labels</th>${head}</tr>
${rows}
${mean}
</table>`);
    const g = groupCharts({
      prefix: 'region-',
      noun: 'region',
      names: sec.regions.map((r) => r.name),
      metrics,
      percentile,
      values: (m, k) => sec.images.map((img) => fromJsonNumber(img[m]?.[k] ?? 'NaN')),
      stat: (m, k) => sec.regions[k].metrics[m],
      ci,
      errorBars,
    });
    charts.push(...g.bars, ...g.boxes);
    parts.push([...g.bars, ...g.boxes].map(canvas).join('\n'));
  }
  if (result.lesions) {
    const rows = result.lesions.results
      .map(
        (r) =>
          `<tr><td>${escapeHtml(r.index === null ? `region ${r.name}` : r.name)}</td>${[r.gtLesions, r.predLesions, r.tp, r.fp, r.fn].map(count).join('')}${[r.sensitivity, r.precision, r.f1, r.lesionDice].map((v) => cell(v)).join('')}${meanCell(r.lesionDiceMean.mean, r.lesionDiceMean.ci)}</tr>`,
      )
      .join('\n');
    const s = result.settings.lesions!;
    parts.push(`<h2>Lesion-wise detection</h2>
<p class="note">Lesions are connected components (connectivity ${s.connectivity ?? 'full: 8 in 2-D, 26 in 3-D'}); a ground-truth lesion is detected by a predicted component ${s.iouThreshold > 0 ? `with IoU above ${s.iouThreshold}` : 'that overlaps it'}${lesionOptionsNote(s)}. Lesion Dice (BraTS 2023) = Σ lesion Dice / (ground-truth lesions + false positives).</p>
<table id="lesions"><tr><th>class / region</th><th>gt lesions</th><th>pred lesions</th><th>TP</th><th>FP</th><th>FN</th><th>sensitivity</th><th>precision</th><th>F1</th><th>lesion Dice</th><th>mean per image</th></tr>
${rows}
</table>`);
    const res = result.lesions.results;
    const rowNames = res.map((r) => (r.index === null ? `region ${r.name}` : names[r.index]));
    const lesionCharts: ChartSpec[] = [
      {
        id: 'lesion-counts',
        spec: {
          type: 'bar',
          title: 'Lesion-wise detection: lesions over all images per class and region',
          subtitle:
            'TP: ground-truth lesions detected; FN: missed; FP: predicted components matching no lesion.',
          x: 'class / region',
          y: 'lesions',
          labels: rowNames,
          datasets: (['tp', 'fp', 'fn'] as const).map((key, i) => ({
            label: key.toUpperCase(),
            backgroundColor: ['#009e73', '#d55e00', '#e69f00'][i],
            data: res.map((r) => r[key]),
          })),
          options: { scales: { y: { beginAtZero: true } } },
        },
      },
      {
        id: 'lesion-scores',
        spec: {
          type: 'barWithErrorBars',
          title: `Lesion-wise scores per class and region (error bars of the mean per image: ${errorBars})`,
          subtitle:
            'Sensitivity, precision, F1 and lesion Dice of the counts summed over images; lesion Dice per image: BraTS 2023, each missed lesion and false positive counts 0.',
          x: 'class / region',
          y: 'score',
          labels: rowNames,
          datasets: [
            ...(['sensitivity', 'precision', 'f1', 'lesionDice'] as const).map((key, i) => ({
              label: key === 'lesionDice' ? 'lesion Dice' : key === 'f1' ? 'F1' : key,
              backgroundColor: SERIES_COLORS[i % SERIES_COLORS.length],
              data: res.map((r) => ({ y: short(fromJsonNumber(r[key])) })),
            })),
            {
              label: 'lesion Dice, mean per image',
              backgroundColor: SERIES_COLORS[4 % SERIES_COLORS.length],
              data: res.map((r) => meanBar(r.lesionDiceMean, ci)),
            },
          ],
          options: { scales: { y: { min: 0, max: 1 } } },
        },
      },
    ];
    charts.push(...lesionCharts);
    parts.push(lesionCharts.map(canvas).join('\n'));
  }
  if (result.panoptic) {
    const p = result.panoptic;
    const rows = p.classes
      .map(
        (c) =>
          `<tr><td>${escapeHtml(c.name)}</td>${[c.pq, c.sq, c.rq].map((v) => cell(v)).join('')}${[c.tp, c.fp, c.fn].map(count).join('')}</tr>`,
      )
      .join('\n');
    parts.push(`<h2>Panoptic quality</h2>
<p class="note">${escapeHtml(sentence(panopticSourceNote(result.settings.panoptic!)))}; segments match at IoU &gt; 0.5 (Kirillov et al. 2019; void pixels leave the IoU, and a predicted segment more than half void or crowd is no false positive); PQ = SQ × RQ; the mean is over the classes with TP + FP + FN &gt; 0.</p>
<table id="panoptic"><tr><th>class</th><th>PQ</th><th>SQ</th><th>RQ</th><th>TP</th><th>FP</th><th>FN</th></tr>
${rows}
<tr><td>mean over classes</td>${[p.pq, p.sq, p.rq].map((v) => cell(v)).join('')}<td></td><td></td><td></td></tr>
</table>`);
    const pan: ChartSpec = {
      id: 'panoptic-quality',
      spec: {
        type: 'bar',
        title: 'Panoptic quality per class (PQ = SQ × RQ)',
        subtitle: 'Counts summed over images; the mean is over the classes with TP + FP + FN > 0.',
        x: 'class',
        y: 'quality',
        labels: [...p.classes.map((c) => names[c.index]), 'mean over classes'],
        datasets: (['pq', 'sq', 'rq'] as const).map((key, i) => ({
          label: key.toUpperCase(),
          backgroundColor: SERIES_COLORS[i % SERIES_COLORS.length],
          data: [...p.classes.map((c) => c[key]), p[key]].map((v) => short(fromJsonNumber(v))),
        })),
        options: { scales: { y: { min: 0, max: 1 } } },
      },
    };
    charts.push(pan);
    parts.push(canvas(pan));
  }
  return { html: parts.join('\n'), charts };
}
