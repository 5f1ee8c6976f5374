/**
 * The demo's self-contained `report.html`: Chart.js inlined (so it opens offline) draws the training-loss
 * and held-out F1 curves and the per-class Dice and IoU bars; a grid shows input / ground truth / each
 * loss's prediction as PNG data URIs.
 * @module
 */
import { chartScript, escapeHtml, scriptJson, SERIES_COLORS } from '../html.js';
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
 * Builds the report (one file, about 0.3 MB with Chart.js inlined): one training-loss chart per run (each
 * loss on its own scale), the held-out F1 per epoch, and the per-class Dice and IoU bars.
 * @example writeFileSync('report.html', buildDemoReport(results, rows))
 */
export function buildDemoReport(results: DemoResults, rows: readonly OverlayRow[]): string {
  const labels = results.runs.map((r) => r.label);
  const epochs = results.runs[0]?.history.loss.map((_, i) => String(i + 1)) ?? [];
  const color = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length];
  const line = (label: string, data: readonly number[], i: number) => ({
    label,
    data,
    borderColor: color(i),
    backgroundColor: color(i),
  });
  const charts: { id: string; cls: string; spec: Record<string, unknown> }[] = [
    ...results.runs.map((r, i) => ({
      id: `loss-${r.key}`,
      cls: 'chart third',
      spec: {
        type: 'line',
        title: `Training loss: ${r.label}`,
        subtitle: r.loss,
        x: 'epoch',
        y: 'loss',
        legend: false,
        labels: epochs,
        datasets: [line(r.label, r.history.loss, i)],
      },
    })),
    {
      id: 'f1',
      cls: 'chart',
      spec: {
        type: 'line',
        title: 'Held-out soft F1 per epoch (sm f1-score, all classes)',
        x: 'epoch',
        y: 'F1',
        labels: epochs,
        datasets: results.runs.map((r, i) => line(r.label, r.history.valF1, i)),
        options: { scales: { y: { min: 0, max: 1 } } },
      },
    },
    ...(['dice', 'iou'] as const).map((key) => ({
      id: key,
      cls: 'chart',
      spec: {
        type: 'bar',
        title: `Per-class ${key === 'dice' ? 'Dice' : 'IoU'} on the held-out images (arg-max prediction)`,
        x: 'class',
        y: key === 'dice' ? 'Dice' : 'IoU',
        labels: results.classes,
        datasets: results.runs.map((r, i) => ({ label: r.label, data: r[key], backgroundColor: color(i) })),
        options: { scales: { y: { min: 0, max: 1 } } },
      },
    })),
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
.chart{position:relative;width:100%;max-width:1100px;height:380px;margin:1em 0}
.row{display:flex;gap:1%;max-width:1100px}.third{width:33%;height:300px}
table.grid td{padding:2px}table.grid img{width:128px;height:128px;image-rendering:pixelated}
.swatch{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .8em;vertical-align:middle}
</style>
<script>${chartScript()}</script></head>
<body>
<h1>segkit demo</h1>
<p>A U-Net trained three times on the same ${s.size}×${s.size} synthetic images (${s.trainImages} training,
${s.heldOutImages} held out; seed ${s.seed}; ${s.epochs} epochs; ${escapeHtml(s.backend)} backend). Class weights
(inverse frequency, mean 1): ${results.classWeights.map((w) => w.toFixed(3)).join(', ')}.</p>
<div class="row">${charts
    .filter((c) => c.cls !== 'chart')
    .map((c) => `<div class="${c.cls}"><canvas id="${c.id}"></canvas></div>`)
    .join('')}</div>
${charts
  .filter((c) => c.cls === 'chart')
  .map((c) => `<div class="${c.cls}"><canvas id="${c.id}"></canvas></div>`)
  .join('\n')}
<h2>Held-out images</h2>
<p>Overlay colours: ${legend}</p>
<table class="grid"><tr>${head}</tr>
${body}
</table>
<script>
${scriptJson(charts)}.forEach(function (c) { segkitChart(c.id, c.spec); });
</script>
</body></html>
`;
}
