/**
 * The browser demo (`segkit demo --browser`): the CLI demo's data, U-Net, losses and training loop, run live on
 * TensorFlow.js's `webgl` backend, with per-epoch loss and per-class held-out Dice charts (Chart.js) that update as it
 * trains, then the demo report's table and prediction grid. URL parameters `epochs`, `samples`, `size` and `seed`
 * override the defaults, and `losses` (keys, comma-separated) picks a subset (the browser test uses a short run). Built by scripts/build-browser-demo.mjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgl';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { CLASS_NAMES, generateDataset } from '../../src/cli/demo/dataset.js';
import { CLASS_COLORS, overlayPixels } from '../../src/cli/demo/overlay.js';
import { BATCH_SIZE, LEARNING_RATE, demoLosses, demoSplit, heldOutCount } from '../../src/cli/demo/setup.js';
import { trainAndEvaluate, type History } from '../../src/cli/demo/train.js';

Chart.register(...registerables);

const LINE_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** What the page exposes as `window.segkitDemo` (read by the browser test). */
export interface DemoState {
  done: boolean;
  error?: string;
  backend?: string;
  /** Training loss per epoch, per loss. */
  losses: Record<string, number[]>;
  /** Held-out per-class Dice per epoch, per loss. */
  valDice: Record<string, number[][]>;
  /** Final held-out per-class Dice, per loss. */
  dice: Record<string, number[]>;
}
const state: DemoState = { done: false, losses: {}, valDice: {}, dice: {} };
(window as unknown as { segkitDemo: DemoState }).segkitDemo = state;

function param(name: string, fallback: number, min: number, max: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  const v = raw === null ? fallback : Number(raw);
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function status(text: string): void {
  document.getElementById('status')!.textContent = text;
}

function chart(title: string, yTitle: string, yMax?: number): Chart<'line'> {
  const box = document.createElement('div');
  box.className = 'chart';
  const canvas = document.createElement('canvas');
  box.append(canvas);
  document.getElementById('charts')!.append(box);
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: {
        x: { title: { display: true, text: 'epoch' } },
        y: { title: { display: true, text: yTitle }, min: 0, ...(yMax === undefined ? {} : { max: yMax }) },
      },
    },
  };
  return new Chart(canvas, config);
}

function drawOverlay(image: Float32Array, labels: Uint8Array | undefined, size: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(overlayPixels(image, labels, size, 4), size, size), 0, 0);
  return canvas;
}

async function main(): Promise<void> {
  const epochs = param('epochs', 8, 1, 200);
  const samples = param('samples', 160, 8, 4000);
  const size = param('size', 64, 16, 256);
  const seed = param('seed', 1, 0, 2 ** 31 - 1);
  status('Starting the webgl backend…');
  await tf.setBackend('webgl');
  await tf.ready();
  state.backend = tf.getBackend();
  const data = generateDataset(samples, size, seed);
  const trainCount = samples - heldOutCount(samples);
  const { train, heldOut, weights } = demoSplit(data);
  const lossChart = chart('Training loss per epoch', 'loss');
  // `?losses=dice,cce` runs a subset (the browser test trains one loss to stay short).
  const only = new URLSearchParams(location.search).get('losses')?.split(',');
  const runs = demoLosses(weights).filter((l) => !only || only.includes(l.key));
  const diceCharts = runs.map((r) => chart(`Held-out Dice per class: ${r.label}`, 'Dice', 1));
  const epochLabels = Array.from({ length: epochs }, (_, i) => String(i + 1));
  lossChart.data.labels = epochLabels;
  const rows: string[] = [];
  const predictions: Uint8Array[] = [];
  for (const [k, run] of runs.entries()) {
    lossChart.data.datasets.push({
      label: run.label,
      data: [],
      borderColor: LINE_COLORS[k],
      backgroundColor: LINE_COLORS[k],
    });
    const dc = diceCharts[k];
    dc.data.labels = epochLabels;
    dc.data.datasets = CLASS_NAMES.map((name, c) => ({
      label: name,
      data: [],
      borderColor: LINE_COLORS[c],
      backgroundColor: LINE_COLORS[c],
    }));
    state.losses[run.key] = [];
    state.valDice[run.key] = [];
    status(`Training with ${run.label} (${k + 1} of ${runs.length})…`);
    const result = await trainAndEvaluate(
      run.loss,
      train,
      heldOut,
      {
        epochs,
        batchSize: BATCH_SIZE,
        learningRate: LEARNING_RATE,
        seed,
        size,
        classes: CLASS_NAMES.length,
        perClassDiceEachEpoch: true,
      },
      (epoch: number, h: History) => {
        state.losses[run.key].push(h.loss[epoch - 1]);
        lossChart.data.datasets[k].data.push(h.loss[epoch - 1]);
        lossChart.update();
        const dice = h.valDice?.[epoch - 1] ?? [];
        state.valDice[run.key].push(dice);
        dice.forEach((v, c) => dc.data.datasets[c].data.push(v));
        dc.update();
        status(
          `Training with ${run.label}: epoch ${epoch} of ${epochs}, loss ${h.loss[epoch - 1].toFixed(4)}`,
        );
      },
    );
    state.dice[run.key] = result.dice;
    predictions.push(result.prediction);
    rows.push(
      `<tr><td>${run.label}</td>${result.dice.map((d) => `<td>${d.toFixed(3)}</td>`).join('')}<td>${result.seconds.toFixed(1)} s</td></tr>`,
    );
    // Yield to the page so the charts paint between runs.
    await new Promise((r) => setTimeout(r, 0));
  }
  const out = document.getElementById('results')!;
  out.innerHTML =
    `<h2>Held-out Dice per class (arg-max prediction)</h2><table><tr><th>loss</th>` +
    CLASS_NAMES.map((n) => `<th>${n}</th>`).join('') +
    `<th>time</th></tr>${rows.join('')}</table><h2>Held-out images</h2>` +
    `<div class="legend">${CLASS_NAMES.map((n, c) => `<span><i style="background:rgb(${CLASS_COLORS[c].join(',')})"></i>${n}</span>`).join('')}</div>`;
  const grid = document.createElement('div');
  grid.id = 'grid';
  grid.style.gridTemplateColumns = `repeat(${runs.length + 2}, 130px)`;
  const head = ['image', 'ground truth', ...runs.map((r) => r.label)];
  for (const h of head) {
    const d = document.createElement('div');
    d.className = 'head';
    d.textContent = h;
    grid.append(d);
  }
  const plane = size * size;
  const shown = Math.min(4, samples - trainCount);
  for (let i = 0; i < shown; i++) {
    const img = data.images.subarray((trainCount + i) * plane, (trainCount + i + 1) * plane);
    const gt = data.labels.subarray((trainCount + i) * plane, (trainCount + i + 1) * plane);
    grid.append(drawOverlay(img, undefined, size), drawOverlay(img, gt, size));
    for (const p of predictions) grid.append(drawOverlay(img, p.subarray(i * plane, (i + 1) * plane), size));
  }
  out.append(grid);
  tf.dispose([train.x, train.y, heldOut.x, heldOut.y]);
  status(`Done: ${runs.length} losses × ${epochs} epochs on ${state.backend}.`);
  state.done = true;
}

main().catch((err: unknown) => {
  state.error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
  status(`Failed: ${state.error}`);
  console.error(err);
});
