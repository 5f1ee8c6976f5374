/**
 * The HTML of the optional sections of the report: the regions table, the lesion-wise table and the panoptic
 * table, each cell with its exact value in `data-value` (as in the JSON).
 * @module
 */
import { escapeHtml } from '../html.js';
import { formatInterval, formatNumber, metricLabel } from './format.js';
import type { JsonInterval } from './intervals.js';
import type { MetricName } from './options.js';
import { lesionOptionsNote, panopticSourceNote } from './sectionsFormat.js';
import type { EvalResult, JsonNumber } from './schema.js';

const cell = (x: JsonNumber | number, m: MetricName = 'dice'): string =>
  `<td data-value="${escapeHtml(String(x))}">${formatNumber(x, m)}</td>`;
const count = (n: number): string => `<td data-value="${n}">${n}</td>`;
/** A mean's cell, followed by its `--ci` interval when there is one (`data-value` stays the mean). */
const meanCell = (x: JsonNumber, iv: JsonInterval | undefined, m: MetricName = 'dice'): string =>
  `<td data-value="${escapeHtml(String(x))}">${formatNumber(x, m)}${formatInterval(iv, m)}</td>`;

/** A note starting with a capital letter. */
const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The sections' HTML (empty when none was asked for). */
export function sectionsHtml(result: EvalResult): string {
  const parts: string[] = [];
  const { metrics, percentile } = result.settings;
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
  }
  return parts.join('\n');
}
