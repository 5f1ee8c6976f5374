/**
 * Evaluation results and demo results for the report tests: small PNG (2-D) and NIfTI (3-D) folders
 * evaluated by `runEval` in-process, with and without `--labels`, with images where a class is missing from
 * one of the two masks (infinite surface distances), and a synthetic demo result.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { overlayPng } from '../../src/cli/demo/report.js';
import type { OverlayRow } from '../../src/cli/demo/report.js';
import type { DemoResults } from '../../src/cli/demo/results.js';
import { parseEvalOptions } from '../../src/cli/eval/options.js';
import { runEval } from '../../src/cli/eval/run.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { blocks, grayPng, niftiFile, put } from '../io/fixtures.js';

/** One evaluation case: its folders, flags and what it is meant to show. */
export interface EvalCase {
  name: string;
  dims: 2 | 3;
  labels?: string;
  numClasses: number;
}

export const EVAL_CASES: readonly EvalCase[] = [
  { name: 'png-no-labels', dims: 2, numClasses: 4 },
  { name: 'png-numeric-labels', dims: 2, numClasses: 3, labels: '1,2,4' },
  { name: 'nifti-labels', dims: 3, numClasses: 3, labels: 'background,liver,tumour' },
];

/**
 * Writes the masks of a case: 5 images (2-D 16×16, or 3-D 6×8×8 volumes) in blocks; in image `e0` the
 * prediction misses the last class (Infinity for it), in `e1` the ground truth lacks it while the prediction
 * has it (Infinity too), and in `e2` the class is absent from both (NaN, skipped).
 */
export function writeCase(dir: string, c: EvalCase): void {
  const [w, h, d] = c.dims === 2 ? [16, 16, 1] : [8, 8, 6];
  const last = c.numClasses - 1;
  const file = (data: Uint8Array) =>
    c.dims === 2 ? grayPng(Array.from(data), w, h) : niftiFile(data, [d, h, w], [2, 1, 1]);
  const ext = c.dims === 2 ? 'png' : 'nii.gz';
  const without = (data: Uint8Array) => data.map((v) => (v === last ? 0 : v));
  for (let i = 0; i < 5; i++) {
    let gt = blocks(w, h, c.numClasses, 0, d);
    let pred = blocks(w, h, c.numClasses, 1 + (i % 3), d);
    if (i === 0) pred = without(pred);
    if (i === 1) gt = without(gt);
    if (i === 2) [gt, pred] = [without(gt), without(pred)];
    put(join(dir, 'gt', `e${i}.${ext}`), file(gt));
    put(join(dir, 'pred', `e${i}.${ext}`), file(pred));
  }
}

/** Runs `segkit eval` in-process on a case folder; returns the JSON result and the report's HTML. */
export async function evalCase(dir: string, c: EvalCase): Promise<{ json: EvalResult; html: string }> {
  writeCase(dir, c);
  const err: string[] = [];
  const code = await runEval(
    parseEvalOptions({
      gt: join(dir, 'gt'),
      pred: join(dir, 'pred'),
      numClasses: String(c.numClasses),
      labels: c.labels,
      metrics: 'dice,iou,hd95,assd',
      json: join(dir, 'out.json'),
      report: join(dir, 'out.html'),
      workers: '0',
    }),
    { stdout: () => undefined, stderr: (t) => void err.push(t), isTTY: false },
  );
  if (code !== 0) throw new Error(`eval failed (${code}): ${err.join('')}`);
  return {
    json: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as EvalResult,
    html: readFileSync(join(dir, 'out.html'), 'utf8'),
  };
}

/** A demo result as `segkit demo` writes it, with made-up curves (the real run is tested in test/demo). */
export function demoResults(): { results: DemoResults; rows: OverlayRow[] } {
  const classes = ['background', 'disc', 'square', 'bar'];
  const run = (key: string, label: string, loss: string, k: number) => ({
    key,
    label,
    loss,
    code: `${key}()`,
    history: {
      loss: [1.2, 0.9, 0.7, 0.6].map((v) => v * k),
      valF1: [0.3, 0.5, 0.62, 0.7].map((v) => v * (0.9 + k / 10)),
    },
    dice: [0.98, 0.8 * k, 0.7, 0.55],
    iou: [0.96, 0.67 * k, 0.54, 0.38],
    meanDice: 0,
    meanIou: 0,
    seconds: 1,
  });
  const results: DemoResults = {
    schema: 'segkit.demo/1',
    settings: {
      epochs: 4,
      seed: 1,
      size: 16,
      samples: 8,
      backend: 'cpu',
      batchSize: 4,
      learningRate: 0.01,
      trainImages: 6,
      heldOutImages: 2,
    },
    classes,
    trainShare: [0.7, 0.1, 0.1, 0.1],
    heldOutShare: [0.7, 0.1, 0.1, 0.1],
    classWeights: [0.1, 1.3, 1.3, 1.3],
    runs: [
      run('cce', 'cross-entropy', 'categorical_crossentropy', 1),
      run('dice', 'Dice', 'dice_loss', 0.9),
      run('dice_focal', 'weighted Dice + focal', 'dice_loss_plus_focal_loss', 0.8),
    ],
    seconds: 3,
  };
  const size = 16;
  const image = Float32Array.from({ length: size * size }, (_, i) => (i % size) / size);
  const labels = blocks(size, size, 4);
  const png = (l?: Uint8Array) => overlayPng(image, l, size);
  const rows = [0, 1].map(() => ({
    input: png(),
    truth: png(labels),
    predictions: [1, 2, 3].map(() => png(labels)),
  }));
  return { results, rows };
}
