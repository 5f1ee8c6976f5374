/**
 * The self-contained HTML report of `segkit eval` and `segkit merge`: Chart.js (inlined, so the file opens
 * offline; about 0.3 MB in all) draws per-class bars with one-standard-deviation error bars, the confusion
 * matrix as a heatmap and per-image box plots; tables give the summary, the per-class values and the worst
 * images. Class axes are categorical (a class named "1" or "0 background" stays a name).
 *
 * Infinite distances (one of the two masks is empty for a class) are never dropped silently: the tables show
 * the mean as the JSON has it (Infinity as soon as one image is infinite) next to the mean over the finite
 * values and the number of images left out; the charts draw the finite values and mark the count with "∞ ×n".
 * @module
 */
import { nanMean } from '../../core/evaluation/reduce.js';
import { seededIndex } from '../../core/evaluation/stats/random.js';
import { escapeHtml, reportHead, scriptJson } from '../html.js';
import { formatInterval, formatNumber, intervalNote, isDistance, metricLabel } from './format.js';
import type { JsonInterval } from './intervals.js';
import type { MetricName } from './options.js';
import { DENSE_CONFUSION_MAX_CLASSES, fromJsonNumber } from './schema.js';
import type { ClassResult, EvalResult, ImageResult, JsonNumber } from './schema.js';
import { classNames, finiteStat, groupCharts } from './reportCharts.js';
import type { FiniteStat } from './reportCharts.js';

export { BOX_POINTS_MAX, boxStats, classNames, finiteStat } from './reportCharts.js';
export type { BoxStats, FiniteStat } from './reportCharts.js';
import { sectionsReport } from './sectionsReport.js';

/** How many of the worst images the report lists. @default 20 */
export const WORST_IMAGES = 20;

/** The sentence on infinite surface distances shown in the report. */
export const INFINITY_POLICY =
  'A surface distance is Infinity when exactly one of the two masks is empty for a class (NaN, and skipped, ' +
  'when both are). A mean that includes an Infinity is Infinity, as in the JSON and in MONAI; the "finite" ' +
  'columns give the mean over the finite values and the number of images left out of it.';

/** Per distance metric, per reported class: the finite statistics over all images. */
function finiteStats(result: EvalResult, images: ReportImages): Partial<Record<MetricName, FiniteStat[]>> {
  const out: Partial<Record<MetricName, FiniteStat[]>> = {};
  for (const m of result.settings.metrics.filter(isDistance))
    out[m] = result.classes.map((_, k) => finiteStat(Array.from(images.values(m, k))));
  return out;
}

/**
 * Above this many images the per-image box plots are drawn from a sample of this many images (the same images
 * for every metric and class; the page says so); the tables (means, finite means, infinite counts, worst
 * images) always use every image. @default 10000
 */
export const REPORT_SAMPLE_MAX = 10_000;

/** The seed of the sample of {@link REPORT_SAMPLE_MAX} images: the same images in every run. @default 0 */
export const REPORT_SAMPLE_SEED = 0;

/**
 * The indices (increasing) of a seeded reservoir sample (Algorithm R, the core's `seededIndex` stream) of
 * `max` of `n` images, or null when n ≤ max (every image drawn).
 * @example reportSample(5, 3) // three increasing indices in [0, 5), the same on every run
 */
export function reportSample(
  n: number,
  max = REPORT_SAMPLE_MAX,
  seed = REPORT_SAMPLE_SEED,
): Int32Array | null {
  if (n <= max) return null;
  const next = seededIndex(seed);
  const kept = Int32Array.from({ length: max }, (_, i) => i);
  for (let i = max; i < n; i++) {
    const j = next(i + 1);
    if (j < max) kept[j] = i;
  }
  return kept.sort();
}

/**
 * What a report reads of the images: their number, per metric and reported class the per-image values (all
 * images, in order), the worst images and the spacings used. {@link reportImages} reads them from a result's
 * `images`; a writer that streams the images builds them as it goes.
 */
export interface ReportImages {
  count: number;
  /** Per-image values of metric m for reported class k (NaN and ±Infinity as numbers). */
  values(m: MetricName, k: number): ArrayLike<number>;
  /** The {@link WORST_IMAGES} images with the lowest score (highest for a distance), see {@link WorstImages}. */
  worst: ImageResult[];
  /** Spacing as `[x, y]` → number of images. */
  spacings: Map<string, number>;
}

/**
 * The worst images of a stream of images: lowest score first (highest for a distance metric), ties in image
 * order, NaN scores left out — what a stable sort of all images would give, holding only {@link WORST_IMAGES}.
 * @example const w = new WorstImages('dice'); images.forEach((img, i) => w.add(img, i)); w.list()
 */
export class WorstImages {
  private readonly kept: { img: ImageResult; score: number; i: number }[] = [];
  private readonly sign: number;
  constructor(first: MetricName) {
    this.sign = isDistance(first) ? -1 : 1;
  }
  /** Offers image i. */
  add(img: ImageResult, i: number): void {
    const score = fromJsonNumber(img.score);
    if (Number.isNaN(score)) return;
    // Comparator of the stable sort: (a − b)·sign, where a NaN difference (∞ − ∞) counts as equal.
    const before = (x: { score: number; i: number }): boolean => {
      const d = (score - x.score) * this.sign;
      return d < 0 || ((d === 0 || Number.isNaN(d)) && i < x.i);
    };
    let at = this.kept.length;
    while (at > 0 && before(this.kept[at - 1])) at--;
    if (at >= WORST_IMAGES) return;
    this.kept.splice(at, 0, { img, score, i });
    if (this.kept.length > WORST_IMAGES) this.kept.pop();
  }
  /** The kept images, worst first. */
  list(): ImageResult[] {
    return this.kept.map((x) => x.img);
  }
}

/** The {@link ReportImages} of a result that holds its images. */
export function reportImages(result: EvalResult): ReportImages {
  const worst = new WorstImages(result.settings.metrics[0]);
  const spacings = new Map<string, number>();
  result.images.forEach((img, i) => {
    worst.add(img, i);
    const key = `[${img.spacing.join(', ')}]`;
    spacings.set(key, (spacings.get(key) ?? 0) + 1);
  });
  return {
    count: result.images.length,
    values: (m, k) => result.images.map((img) => fromJsonNumber(img.metrics[m]?.[k] ?? 'NaN')),
    worst: worst.list(),
    spacings,
  };
}

/** A table cell holding a number, with the exact value in `data-value` (as in the JSON). */
const numCell = (x: JsonNumber | number, m: MetricName): string =>
  `<td data-value="${escapeHtml(String(typeof x === 'number' ? fromJsonNumber(x) : x))}">${formatNumber(x, m)}</td>`;

/** A table cell holding an interval `[lower, upper]` (empty when there is none), exact ends in `data-lower/upper`. */
const ciCell = (iv: JsonInterval | undefined, m: MetricName): string =>
  iv
    ? `<td class="ci" data-lower="${escapeHtml(String(iv[0]))}" data-upper="${escapeHtml(String(iv[1]))}">${formatInterval(iv, m).trim()}</td>`
    : '<td class="ci"></td>';

/**
 * Builds the HTML report of an evaluation (one file, about 0.3 MB with Chart.js inlined).
 * @param title - shown as the page title and heading.
 * @example writeFileSync('report.html', buildReport(result))
 */
export function buildReport(
  result: EvalResult,
  title = 'segkit evaluation',
  images: ReportImages = reportImages(result),
): string {
  const { metrics, percentile, labels, numClasses } = result.settings;
  const first = metrics[0];
  const distances = metrics.filter(isDistance);
  const finite = finiteStats(result, images);
  const sample = reportSample(images.count);
  const foreground = result.classes.flatMap((c, k) => (c.index > 0 || numClasses === 1 ? [k] : []));
  const label = (m: MetricName) => metricLabel(m, percentile);
  const allLabels = classNames(labels);
  const className = (c: Pick<ClassResult, 'index'>) => allLabels[c.index];
  const worst = images.worst;
  const classHeads = result.classes.map((c) => `<th>${escapeHtml(className(c))}</th>`).join('');
  const worstRows = worst
    .map(
      (img) =>
        `<tr><td>${escapeHtml(img.id)}</td>${numCell(img.score, first)}${(img.metrics[first] ?? [])
          .map((v) => numCell(v, first))
          .join('')}</tr>`,
    )
    .join('\n');
  const summaryRows = metrics
    .map((m) => {
      const s = result.summary[m];
      const f = finite[m];
      const fin = f
        ? `${numCell(nanMean(foreground.map((k) => f[k].mean)).value, m)}<td data-value="${f.reduce((a, x) => a + x.infinite, 0)}">${f.reduce((a, x) => a + x.infinite, 0)}</td>`
        : '<td></td><td></td>';
      return `<tr data-metric="${m}"><td>${label(m)}</td>${numCell(result.foregroundMean[m] ?? 'NaN', m)}${
        result.ci ? ciCell(result.foregroundMeanCi?.[m], m) : ''
      }${s ? numCell(s.value, m) : '<td></td>'}${result.ci ? ciCell(s?.ci, m) : ''}<td>${s ? `${escapeHtml(s.reduction)}${s.skipped ? `, ${s.skipped} NaN skipped` : ''}` : ''}</td>${fin}</tr>`;
    })
    .join('\n');
  const classRows = result.classes
    .map(
      (c, k) =>
        `<tr data-class="${c.index}"><td>${escapeHtml(className(c))}</td>${metrics
          .map((m) => {
            const s = c.metrics[m];
            const f = finite[m]?.[k];
            return `${s ? numCell(s.mean, m) + numCell(s.std, m) : '<td></td><td></td>'}${
              result.ci ? ciCell(s?.ci, m) : ''
            }${f ? `${numCell(f.mean, m)}<td data-value="${f.infinite}">${f.infinite}</td>` : ''}`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const ciHead = result.ci ? `<th>${Math.round(result.ci.level * 1000) / 10}% CI</th>` : '';
  const classTableHead = metrics
    .map((m) =>
      isDistance(m)
        ? `<th>${label(m)} mean</th><th>std</th>${ciHead}<th>finite mean</th><th>images ∞</th>`
        : `<th>${label(m)} mean</th><th>std</th>${ciHead}`,
    )
    .join('');
  const names = result.classes.map(className);
  const errorBars = result.ci
    ? `${Math.round(result.ci.level * 1000) / 10}% ${result.ci.method === 'bca' ? 'BCa' : 'percentile'} bootstrap interval`
    : '± one standard deviation';
  const classCharts = groupCharts({
    prefix: '',
    noun: 'class',
    names,
    metrics,
    percentile,
    values: (m, k) => Array.from(images.values(m, k)),
    // The box plots draw every image's values, or those of the sample's images.
    boxValues: sample
      ? (m, k) => {
          const v = images.values(m, k);
          return Array.from(sample, (i) => v[i]);
        }
      : undefined,
    stat: (m, k) => result.classes[k].metrics[m],
    ci: Boolean(result.ci),
    errorBars,
  });
  const charts = classCharts.bars;
  const cells = (result.confusion ?? []).flatMap((row, g) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v, p) => ({ x: allLabels[p], y: allLabels[g], v: sum ? v / sum : null, n: v }));
  });
  const perImage = classCharts.boxes;
  // Every setting as the JSON has it (new keys show up on their own), then the spacing each file used.
  const spacings = images.spacings;
  const settingRows = [
    ...Object.entries(result.settings).map(([k, v]) => [k, JSON.stringify(v)]),
    [
      'spacing used',
      [...spacings].map(([sp, n]) => `${sp} (${n} file${n === 1 ? '' : 's'})`).join('; ') +
        (spacings.size > 1 ? ' (per file in the JSON, images[].spacing)' : ''),
    ],
  ]
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
    .join('\n');
  const section = sectionsReport(result, errorBars);
  const page = {
    charts: [...charts, ...perImage, ...section.charts],
    confusion: { labels: result.confusion ? allLabels : [], cells },
  };
  const confusionSection = result.confusion
    ? `<p class="note">Row-normalised: each row (a ground-truth class) sums to 1 and each cell is the share of that class predicted as the column's class; darker is larger. Hover for pixel counts.</p>
<div class="plot square"><canvas id="confusion"></canvas></div>`
    : `<p class="note">Not drawn: ${result.settings.numClasses} classes (more than ${DENSE_CONFUSION_MAX_CLASSES}); the JSON lists the ${result.confusionCells?.length ?? 0} non-zero cells (<code>confusionCells</code>).</p>`;
  return `${reportHead(
    title,
    `table.settings td, table.settings th { text-align: left; }
table.settings td { font-family: ui-monospace, monospace; }
.square { max-width: 700px; height: 640px; }`,
  )}<h1>${escapeHtml(title)}</h1>
<p>${result.dataset.images} image pairs from <code>${escapeHtml(result.dataset.gt)}</code> and
<code>${escapeHtml(result.dataset.pred)}</code>; ${numClasses} classes; segkit ${escapeHtml(result.segkit)}.
${result.dataset.missing.length + result.dataset.extra.length ? `${result.dataset.missing.length} ground-truth files without a prediction and ${result.dataset.extra.length} predictions without a ground truth were left out.` : ''}</p>
<h2>Summary</h2>
${distances.length ? `<p class="note" id="policy">${escapeHtml(INFINITY_POLICY)}</p>` : ''}
${result.ci ? `<p class="note" id="ci-note">${escapeHtml(intervalNote(result))} Error bars of the per-class bars: this interval (± one standard deviation without --ci).</p>` : ''}
<table id="summary"><tr><th>metric</th><th>foreground mean</th>${ciHead}<th>summary</th>${ciHead}<th>reduction</th><th>foreground mean, finite</th><th>images ∞ (all classes)</th></tr>
${summaryRows}
</table>
<h2>Per class</h2>
<table id="classes"><tr><th>class</th>${classTableHead}</tr>
${classRows}
</table>
<p class="note">Mean over images; NaN values (class absent from both masks) skipped.</p>
${section.html}
${charts.map((c) => `<div class="plot"><canvas id="${c.id}"></canvas></div>`).join('\n')}
<h2>Confusion matrix</h2>
${confusionSection}
<h2>Per-image scores</h2>
${sample ? `<p class="note" id="sample-note">The box plots are drawn from a random sample of ${sample.length} of the ${images.count} images (seeded reservoir sample, seed ${REPORT_SAMPLE_SEED}; at most ${REPORT_SAMPLE_MAX} images are drawn); the tables above and the worst images use every image.</p>\n` : ''}${perImage.map((c) => `<div class="plot"><canvas id="${c.id}"></canvas></div>`).join('\n')}
<h2>Settings</h2>
<table id="settings" class="settings"><tr><th>setting</th><th>value</th></tr>
${settingRows}
</table>
<h2>Worst images</h2>
<p class="note">The ${worst.length} images with the ${isDistance(first) ? 'largest' : 'lowest'} ${escapeHtml(label(first))} averaged over the foreground classes.</p>
<table id="worst"><tr><th>image</th><th>mean</th>${classHeads}</tr>
${worstRows}
</table>
<script type="application/json" id="data">${scriptJson(page)}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  d.charts.forEach(function (c) { segkitChart(c.id, c.spec); });
  // Sequential colour scale from near-white (0) to dark blue (1): the largest shares are the darkest cells.
  function colour(v) {
    if (v === null) return 'rgba(0,0,0,0.04)';
    var lo = [247, 251, 255], hi = [8, 48, 107];
    return 'rgb(' + lo.map(function (a, i) { return Math.round(a + (hi[i] - a) * v); }).join(',') + ')';
  }
  var L = d.confusion.labels;
  // The share of each cell, written in it when the cells are large enough to hold the text.
  var cellText = { id: 'segkitCellText', afterDatasetsDraw: function (chart) {
    var meta = chart.getDatasetMeta(0), ctx = chart.ctx;
    ctx.save(); ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.font = '12px system-ui, sans-serif';
    meta.data.forEach(function (el, i) {
      var r = chart.data.datasets[0].data[i];
      if (r.v === null || el.width < 36 || el.height < 16) return;
      var c = el.getCenterPoint();
      ctx.fillStyle = r.v > 0.5 ? 'white' : '#222';
      ctx.fillText(r.v.toFixed(2), c.x, c.y);
    });
    ctx.restore();
  } };
  if (L.length) segkitChart('confusion', {
    type: 'matrix', title: 'Confusion matrix (row-normalised)', x: 'predicted class', y: 'ground-truth class',
    legend: false, labels: L, plugins: [cellText],
    datasets: [{ label: 'share of the row', data: d.confusion.cells,
      backgroundColor: function (c) { var r = c.dataset.data[c.dataIndex]; return r ? colour(r.v) : 'white'; },
      borderColor: 'rgba(0,0,0,0.15)', borderWidth: 1,
      width: function (c) { var a = c.chart.chartArea; return a ? a.width / L.length - 1 : 0; },
      height: function (c) { var a = c.chart.chartArea; return a ? a.height / L.length - 1 : 0; } }],
    options: {
      scales: { x: { type: 'category', labels: L, offset: true, grid: { display: false } },
                y: { type: 'category', labels: L, offset: true, reverse: false, grid: { display: false } } },
      plugins: { tooltip: { callbacks: {
        title: function () { return ''; },
        label: function (c) { var r = c.raw; return ['gt ' + r.y + ', pred ' + r.x,
          (r.v === null ? 'no pixels in the row' : (r.v * 100).toFixed(2) + '% of the row'), r.n + ' pixels']; } } } }
    }
  });
})();
</script>
</body>
</html>
`;
}
