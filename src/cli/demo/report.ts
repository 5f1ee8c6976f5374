/**
 * The demo's self-contained `report.html`: plotly.js inlined (so it opens offline) draws the training-loss
 * and held-out F1 curves and the per-class Dice and IoU bars; a grid shows input / ground truth / each
 * loss's prediction as PNG data URIs.
 * @module
 */
import { escapeHtml, plotlyScript, scriptJson } from '../html.js';
import { encode } from 'fast-png';
import { CLASS_COLORS, overlayPixels } from './overlay.js';
import type { DemoResults } from './results.js';

/**
 * A `size × size` grey image with the labels painted over it (half-transparent class colours), as a PNG
 * data URI; without labels, the grey image alone.
 */
export function overlayPng(image: Float32Array, labels: Uint8Array | undefined, size: number): string {
  const rgb = overlayPixels(image, labels, size, 3);
  const png = encode({ width: size, height: size, data: new Uint8Array(rgb.buffer), channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** One row of the overlay grid: the input, the ground truth and each run's prediction. */
export interface OverlayRow {
  input: string;
  truth: string;
  predictions: string[];
}

/**
 * Builds the report (one file, about 5 MB with plotly.js inlined).
 * @example writeFileSync('report.html', buildDemoReport(results, rows))
 */
export function buildDemoReport(results: DemoResults, rows: readonly OverlayRow[]): string {
  const labels = results.runs.map((r) => r.label);
  const epochs = results.runs[0]?.history.loss.map((_, i) => i + 1) ?? [];
  const colors = ['#636efa', '#ef553b', '#00a67e'];
  const lossTraces = results.runs.map((r, i) => ({
    x: epochs,
    y: r.history.loss,
    name: `${r.label} (${r.loss})`,
    mode: 'lines+markers',
    line: { color: colors[i % colors.length] },
    xaxis: `x${i + 1}`,
    yaxis: `y${i + 1}`,
  }));
  const f1Traces = results.runs.map((r, i) => ({
    x: epochs,
    y: r.history.valF1,
    name: r.label,
    mode: 'lines+markers',
    line: { color: colors[i % colors.length] },
  }));
  const bars = (key: 'dice' | 'iou') =>
    results.runs.map((r, i) => ({
      type: 'bar',
      name: r.label,
      x: results.classes,
      y: r[key],
      marker: { color: colors[i % colors.length] },
    }));
  const grid = (i: number) => ({ domain: [i / labels.length + 0.03, (i + 1) / labels.length - 0.03] });
  const lossLayout = {
    title: 'Training loss per epoch (each loss on its own scale)',
    showlegend: true,
    legend: { orientation: 'h' },
    ...Object.fromEntries(
      labels.flatMap((_, i) => [
        [`xaxis${i + 1}`, { ...grid(i), anchor: `y${i + 1}`, title: 'epoch' }],
        [`yaxis${i + 1}`, { anchor: `x${i + 1}` }],
      ]),
    ),
  };
  const charts = [
    ['loss', lossTraces, lossLayout],
    [
      'f1',
      f1Traces,
      {
        title: 'Held-out soft F1 (sm f1-score, all classes) per epoch',
        xaxis: { title: 'epoch' },
        yaxis: { range: [0, 1] },
      },
    ],
    [
      'dice',
      bars('dice'),
      {
        title: 'Per-class Dice on the held-out images (arg-max prediction)',
        barmode: 'group',
        yaxis: { range: [0, 1] },
      },
    ],
    [
      'iou',
      bars('iou'),
      {
        title: 'Per-class IoU on the held-out images (arg-max prediction)',
        barmode: 'group',
        yaxis: { range: [0, 1] },
      },
    ],
  ];
  const s = results.settings;
  const head = ['input', 'ground truth', ...labels].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${[r.input, r.truth, ...r.predictions].map((src) => `<td><img src="${src}" alt=""></td>`).join('')}</tr>`,
    )
    .join('\n');
  const legend = results.classes
    .map(
      (c, i) =>
        `<span class="swatch" style="background:rgb(${CLASS_COLORS[i].join(',')})"></span>${escapeHtml(c)}`,
    )
    .slice(1)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>segkit demo</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
.chart{width:100%;max-width:1100px;height:380px}
table.grid td{padding:2px}table.grid img{width:128px;height:128px;image-rendering:pixelated}
.swatch{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .8em;vertical-align:middle}
</style>
<script>${plotlyScript()}</script></head>
<body>
<h1>segkit demo</h1>
<p>A U-Net trained three times on the same ${s.size}×${s.size} synthetic images (${s.trainImages} training,
${s.heldOutImages} held out; seed ${s.seed}; ${s.epochs} epochs; ${escapeHtml(s.backend)} backend). Class weights
(inverse frequency, mean 1): ${results.classWeights.map((w) => w.toFixed(3)).join(', ')}.</p>
${charts.map(([id]) => `<div id="${id}" class="chart"></div>`).join('\n')}
<h2>Held-out images</h2>
<p>Overlay colours: ${legend}</p>
<table class="grid"><tr>${head}</tr>
${body}
</table>
<script>
const charts = ${scriptJson(charts)};
for (const [id, data, layout] of charts) Plotly.newPlot(id, data, layout, { responsive: true, displaylogo: false });
</script>
</body></html>
`;
}
