/**
 * The self-contained HTML report: plotly.js (inlined, so the file works offline) draws per-class bars, the
 * confusion-matrix heatmap and the per-image score distributions; a table lists the worst images.
 * @module
 */
import { escapeHtml, plotlyScript, scriptJson } from '../html.js';
import { formatNumber, isDistance, metricLabel } from './format.js';
import { fromJsonNumber } from './schema.js';
import type { EvalResult } from './schema.js';

/** How many of the worst images the report lists. */
export const WORST_IMAGES = 20;

/**
 * Builds the HTML report of an evaluation (one file, about 5 MB with plotly.js inlined).
 * @param title - shown as the page title and heading.
 * @example writeFileSync('report.html', buildReport(result))
 */
export function buildReport(result: EvalResult, title = 'segkit evaluation'): string {
  const { metrics, percentile, labels, numClasses } = result.settings;
  const first = metrics[0];
  const worst = [...result.images]
    .filter((img) => !Number.isNaN(fromJsonNumber(img.score)))
    .sort((a, b) => (fromJsonNumber(a.score) - fromJsonNumber(b.score)) * (isDistance(first) ? -1 : 1))
    .slice(0, WORST_IMAGES);
  const classHeads = result.classes.map((c) => `<th>${escapeHtml(`${c.index} ${c.name}`)}</th>`).join('');
  const worstRows = worst
    .map(
      (img) =>
        `<tr><td>${escapeHtml(img.id)}</td><td>${formatNumber(img.score, first)}</td>${(
          img.metrics[first] ?? []
        )
          .map((v) => `<td>${formatNumber(v, first)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const summaryRows = metrics
    .map((m) => {
      const s = result.summary[m];
      return `<tr><td>${metricLabel(m, percentile)}</td><td>${formatNumber(result.foregroundMean[m] ?? 'NaN', m)}</td><td>${
        s
          ? `${formatNumber(s.value, m)} (${escapeHtml(s.reduction)}${s.skipped ? `, ${s.skipped} NaN skipped` : ''})`
          : ''
      }</td></tr>`;
    })
    .join('\n');
  const data = {
    metrics: metrics.map((m) => ({ key: m, label: metricLabel(m, percentile), distance: isDistance(m) })),
    classes: result.classes.map((c) => ({
      name: `${c.index} ${c.name}`,
      stats: Object.fromEntries(
        metrics.map((m) => [m, { mean: fromOrNull(c.metrics[m]?.mean), std: fromOrNull(c.metrics[m]?.std) }]),
      ),
    })),
    perImage: Object.fromEntries(
      metrics.map((m) => [
        m,
        result.classes.map((_, k) => result.images.map((img) => fromOrNull(img.metrics[m]?.[k]))),
      ]),
    ),
    ids: result.images.map((img) => img.id),
    confusion: result.confusion,
    allLabels: Array.from({ length: numClasses }, (_, i) => `${i} ${labels[i]}`),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.plot { width: 100%; height: 460px; }
.note { color: #666; font-size: 0.85em; }
</style>
<script>${plotlyScript()}</script>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${result.dataset.images} image pairs from <code>${escapeHtml(result.dataset.gt)}</code> and
<code>${escapeHtml(result.dataset.pred)}</code>; ${numClasses} classes; segkit ${escapeHtml(result.segkit)}.
${result.dataset.missing.length + result.dataset.extra.length ? `${result.dataset.missing.length} ground-truth files without a prediction and ${result.dataset.extra.length} predictions without a ground truth were left out.` : ''}</p>
<h2>Summary</h2>
<table><tr><th>metric</th><th>foreground mean</th><th>summary</th></tr>
${summaryRows}
</table>
<h2>Per class</h2>
<p class="note">Mean over images, error bars one standard deviation; NaN values (class absent from both masks) skipped.</p>
<div id="bars" class="plot"></div>
<div id="distbars" class="plot"></div>
<h2>Confusion matrix</h2>
<p class="note">Row-normalised (each row sums to 1: the share of a ground-truth class predicted as each class); hover for counts.</p>
<div id="confusion" class="plot" style="height: 600px"></div>
<h2>Per-image scores</h2>
<div id="dists"></div>
<h2>Worst images</h2>
<p class="note">The ${worst.length} images with the ${isDistance(first) ? 'largest' : 'lowest'} ${escapeHtml(metricLabel(first, percentile))} averaged over the foreground classes.</p>
<table><tr><th>image</th><th>mean</th>${classHeads}</tr>
${worstRows}
</table>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var names = d.classes.map(function (c) { return c.name; });
  function bars(el, ms, yTitle) {
    if (!ms.length) { document.getElementById(el).style.display = 'none'; return; }
    Plotly.newPlot(el, ms.map(function (m) {
      return { type: 'bar', name: m.label, x: names,
        y: d.classes.map(function (c) { return c.stats[m.key].mean; }),
        error_y: { type: 'data', array: d.classes.map(function (c) { return c.stats[m.key].std; }), visible: true } };
    }), { barmode: 'group', yaxis: { title: { text: yTitle } }, margin: { t: 30 } }, { responsive: true });
  }
  bars('bars', d.metrics.filter(function (m) { return !m.distance; }), 'score');
  bars('distbars', d.metrics.filter(function (m) { return m.distance; }), 'distance (spacing units)');
  var cm = d.confusion;
  var norm = cm.map(function (row) {
    var s = row.reduce(function (a, b) { return a + b; }, 0);
    return row.map(function (v) { return s ? v / s : null; });
  });
  Plotly.newPlot('confusion', [{ type: 'heatmap', z: norm, x: d.allLabels, y: d.allLabels, customdata: cm,
    colorscale: 'Blues', hovertemplate: 'gt %{y}<br>pred %{x}<br>%{z:.4f} of the row<br>%{customdata} pixels<extra></extra>' }],
    { xaxis: { title: { text: 'predicted' } }, yaxis: { title: { text: 'ground truth' }, autorange: 'reversed' }, margin: { t: 30 } },
    { responsive: true });
  var host = document.getElementById('dists');
  d.metrics.forEach(function (m) {
    var div = document.createElement('div');
    div.className = 'plot';
    host.appendChild(div);
    Plotly.newPlot(div, d.perImage[m.key].map(function (vals, k) {
      return { type: 'box', name: names[k], y: vals, text: d.ids, boxpoints: d.ids.length <= 500 ? 'all' : 'outliers',
        jitter: 0.4, pointpos: 0, hovertemplate: '%{text}: %{y}<extra></extra>' };
    }), { title: { text: m.label + ' per image' }, showlegend: false, margin: { t: 40 } }, { responsive: true });
  });
})();
</script>
</body>
</html>
`;
}

function fromOrNull(x: Parameters<typeof fromJsonNumber>[0] | undefined): number | null {
  if (x === undefined) return null;
  const v = fromJsonNumber(x);
  return Number.isFinite(v) ? v : null;
}
