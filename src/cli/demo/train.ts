/**
 * Training and evaluating one U-Net with one loss: seeded weights, a seeded shuffle per epoch, the held-out
 * soft F1 per epoch, and per-class Dice and IoU of the hard (arg-max) prediction on the held-out split,
 * computed by segkit's core metrics.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fScore, iouScore } from '../../core/metrics/index.js';
import { fScore as tfFScore, type TfLoss } from '../../tfjs/index.js';
import { seededRandom } from './dataset.js';
import { buildUNet } from './model.js';

/** Tensors of one split: images `[n, s, s, 1]`, one-hot masks `[n, s, s, C]`. */
export interface Split {
  x: tf.Tensor4D;
  y: tf.Tensor4D;
  /** Labels as generated, `n · s · s`. */
  labels: Uint8Array;
}

/** Everything a training run needs besides the loss. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  size: number;
  classes: number;
  /** Also score the held-out split after every epoch (per-class Dice of the arg-max prediction, for live charts). @default false */
  perClassDiceEachEpoch?: boolean;
}

/** Per-epoch curves of one run. */
export interface History {
  /** Training loss, mean over the epoch's batches. */
  loss: number[];
  /** Held-out soft F1 (sm `f1-score`, all classes). */
  valF1: number[];
  /** Per epoch, the per-class Dice of the arg-max held-out prediction (with `perClassDiceEachEpoch`). */
  valDice?: number[][];
}

/** The outcome of one run. */
export interface RunResult {
  history: History;
  /** Per-class Dice (= F1) of the arg-max prediction on the held-out split. */
  dice: number[];
  /** Per-class IoU of the arg-max prediction on the held-out split. */
  iou: number[];
  /** Arg-max labels of the held-out images (for the overlays). */
  prediction: Uint8Array;
  seconds: number;
}

/** A permutation of 0..n−1 from a seeded Fisher–Yates shuffle. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Arg-max labels of the model's softmax output, batch by batch. */
export function predictLabels(model: tfl.LayersModel, x: tf.Tensor4D, batchSize: number): Uint8Array {
  const n = x.shape[0];
  const plane = x.shape[1] * x.shape[2];
  const out = new Uint8Array(n * plane);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const labels = tf.tidy(() => {
      const batch = tf.slice(x, [start, 0, 0, 0], [count, -1, -1, -1]);
      return tf.argMax(model.predict(batch) as tf.Tensor, -1);
    });
    out.set(labels.dataSync(), start * plane);
    labels.dispose();
  }
  return out;
}

/** One-hot float32 `{ data, shape }` of a label array (`[n, s, s, C]`). */
export function oneHot(labels: Uint8Array, n: number, size: number, classes: number) {
  const data = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) data[i * classes + labels[i]] = 1;
  return { data, shape: [n, size, size, classes] };
}

/**
 * Trains a fresh U-Net with `loss` on `train` and evaluates it on `heldOut`; `onEpoch` is called after
 * each epoch (for the progress bar).
 */
export async function trainAndEvaluate(
  loss: TfLoss,
  train: Split,
  heldOut: Split,
  settings: TrainSettings,
  onEpoch: (epoch: number, history: History) => void,
): Promise<RunResult> {
  const started = performance.now();
  const { epochs, batchSize, learningRate, seed, size, classes } = settings;
  const model = buildUNet({ size, classes, seed });
  model.compile({ optimizer: tf.train.adam(learningRate), loss, metrics: [tfFScore] });
  const rand = seededRandom(seed + 1);
  const history: History = { loss: [], valF1: [] };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = tf.tensor1d(permutation(train.x.shape[0], rand), 'int32');
    const [xs, ys] = [tf.gather(train.x, order), tf.gather(train.y, order)];
    const h = await model.fit(xs, ys, {
      epochs: 1,
      batchSize,
      shuffle: false,
      verbose: 0,
      validationData: [heldOut.x, heldOut.y],
    });
    tf.dispose([order, xs, ys]);
    history.loss.push(h.history.loss[0] as number);
    history.valF1.push(h.history['val_f1-score'][0] as number);
    if (settings.perClassDiceEachEpoch) {
      const n = heldOut.x.shape[0];
      const labels = predictLabels(model, heldOut.x, batchSize);
      (history.valDice ??= []).push(
        fScore.perClass(oneHot(heldOut.labels, n, size, classes), oneHot(labels, n, size, classes)),
      );
    }
    onEpoch(epoch + 1, history);
  }
  const n = heldOut.x.shape[0];
  const prediction = predictLabels(model, heldOut.x, batchSize);
  const gt = oneHot(heldOut.labels, n, size, classes);
  const pr = oneHot(prediction, n, size, classes);
  const result: RunResult = {
    history,
    dice: fScore.perClass(gt, pr),
    iou: iouScore.perClass(gt, pr),
    prediction,
    seconds: (performance.now() - started) / 1000,
  };
  const optimizer = model.optimizer;
  model.dispose();
  optimizer.dispose();
  return result;
}
