/**
 * `segkit demo` as a function: generate the data, count classes and derive weights with segkit's core,
 * train the U-Net with three losses, print the per-class table and write `results.json` and `report.html`.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import { ClassCounter } from '../../core/weights/index.js';
import { writeFilesAtomic } from '../../io/index.js';
import type { CliIO } from '../eval/run.js';
import { info, ioStream } from '../output.js';
import { useBackend } from './backend.js';
import type { DemoOptions } from './defaults.js';
import { CLASS_NAMES, generateDataset } from './dataset.js';
import { buildDemoReport, overlayPng, type OverlayRow } from './report.js';
import { mean, type DemoResults, type DemoRun } from './results.js';
import { formatTable } from './table.js';
import { BATCH_SIZE, LEARNING_RATE, demoLosses, demoSplit, heldOutCount as heldOutOf } from './setup.js';
import { trainAndEvaluate, type History, type RunResult } from './train.js';

/** Held-out images shown in the report. */
const OVERLAY_ROWS = 4;

/** Pixel share of each class in a label array. */
function shares(counter: ClassCounter): number[] {
  const counts = counter.toJSON().counts;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** A progress bar per run on a terminal; one line per finished run otherwise; nothing with `--quiet`. */
function progress(io: CliIO, label: string, epochs: number) {
  if (!io.isTTY || io.quiet) {
    return {
      update: (_epoch: number, _h: History) => undefined,
      stop: (r: RunResult) =>
        info(
          io,
          `segkit demo: ${label}: ${epochs} epoch${epochs === 1 ? '' : 's'} in ${r.seconds.toFixed(1)} s\n`,
        ),
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} |{bar}| epoch {value}/{total}  loss {loss}  held-out F1 {f1}`,
      stream: ioStream(io),
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(epochs, 0, { loss: '-', f1: '-' });
  return {
    update: (epoch: number, h: History) =>
      bar.update(epoch, { loss: h.loss[epoch - 1].toFixed(4), f1: h.valF1[epoch - 1].toFixed(3) }),
    stop: () => bar.stop(),
  };
}

/**
 * Runs the demo: prints the table on `io.stdout`, progress and the output paths on `io.stderr`, writes
 * `<out>/results.json` and `<out>/report.html` (atomically, together).
 * @returns the exit code (0).
 */
export async function runDemo(o: DemoOptions, io: CliIO): Promise<number> {
  const started = performance.now();
  try {
    await mkdir(o.out, { recursive: true });
  } catch (cause) {
    throw new Error(`cannot create the output folder '${o.out}' (${(cause as Error).message})`, { cause });
  }
  await useBackend(o.backend);
  const data = generateDataset(o.samples, o.size, o.seed);
  const heldOutCount = heldOutOf(o.samples);
  const trainCount = o.samples - heldOutCount;
  const { train, heldOut, trainCounter, weights } = demoSplit(data);
  const heldOutCounter = new ClassCounter(CLASS_NAMES.length).addLabels(heldOut.labels);

  const runs: DemoRun[] = [];
  const predictions: Uint8Array[] = [];
  try {
    for (const spec of demoLosses(weights)) {
      const bar = progress(io, spec.label, o.epochs);
      const settings = {
        epochs: o.epochs,
        batchSize: BATCH_SIZE,
        learningRate: LEARNING_RATE,
        seed: o.seed,
        size: o.size,
        classes: CLASS_NAMES.length,
      };
      const r = await trainAndEvaluate(spec.loss, train, heldOut, settings, bar.update);
      bar.stop(r);
      predictions.push(r.prediction);
      runs.push({
        key: spec.key,
        label: spec.label,
        loss: spec.loss.name,
        code: spec.code,
        history: r.history,
        dice: r.dice,
        iou: r.iou,
        meanDice: mean(r.dice),
        meanIou: mean(r.iou),
        seconds: r.seconds,
      });
    }
  } finally {
    tf.dispose([train.x, train.y, heldOut.x, heldOut.y]);
  }

  const results: DemoResults = {
    schema: 'segkit.demo/1',
    settings: {
      epochs: o.epochs,
      seed: o.seed,
      size: o.size,
      samples: o.samples,
      backend: o.backend,
      batchSize: BATCH_SIZE,
      learningRate: LEARNING_RATE,
      trainImages: trainCount,
      heldOutImages: heldOutCount,
    },
    classes: [...CLASS_NAMES],
    trainShare: shares(trainCounter),
    heldOutShare: shares(heldOutCounter),
    classWeights: weights,
    runs,
    seconds: (performance.now() - started) / 1000,
  };
  const plane = o.size * o.size;
  const rows: OverlayRow[] = [];
  for (let i = 0; i < Math.min(OVERLAY_ROWS, heldOutCount); i++) {
    const image = data.images.subarray((trainCount + i) * plane, (trainCount + i + 1) * plane);
    const at = (labels: Uint8Array) => labels.subarray(i * plane, (i + 1) * plane);
    rows.push({
      input: overlayPng(image, undefined, o.size),
      truth: overlayPng(image, at(heldOut.labels), o.size),
      predictions: predictions.map((p) => overlayPng(image, at(p), o.size)),
    });
  }
  const json = join(o.out, 'results.json');
  const html = join(o.out, 'report.html');
  await writeFilesAtomic([
    [json, `${JSON.stringify(results, null, 2)}\n`],
    [html, buildDemoReport(results, rows)],
  ]);
  io.stdout(formatTable(results));
  info(io, `segkit demo: wrote ${json} and ${html} (${results.seconds.toFixed(0)} s)\n`);
  return 0;
}
