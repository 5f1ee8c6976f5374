/**
 * What the CLI demo and the browser demo share besides the training loop: the three losses compared, the split of
 * the data set into training and held-out tensors, and the training constants. Browser-safe (TF.js only).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassCounter, classWeights } from '../../core/weights/index.js';
import { categoricalCrossentropy, categoricalFocalLoss, diceLoss, type TfLoss } from '../../tfjs/index.js';
import { CLASS_NAMES, type DemoDataset } from './dataset.js';
import type { Split } from './train.js';

/** Mini-batch size of every run. */
export const BATCH_SIZE = 8;
/** Adam's learning rate. */
export const LEARNING_RATE = 0.01;

/** One loss the demo compares. */
export interface DemoLossSpec {
  key: string;
  label: string;
  /** How it is written with segkit/tfjs. */
  code: string;
  loss: TfLoss;
}

/**
 * The three losses the demo compares, with the class weights for the third.
 * @example demoLosses([1, 1, 1, 1]).map((l) => l.key) // ['cce', 'dice', 'dice_focal']
 */
export function demoLosses(weights: number[]): DemoLossSpec[] {
  return [
    { key: 'cce', label: 'categorical CE', code: 'categoricalCrossentropy', loss: categoricalCrossentropy },
    { key: 'dice', label: 'Dice', code: 'diceLoss', loss: diceLoss },
    {
      key: 'dice_focal',
      label: 'weighted Dice + focal',
      code: 'diceLoss({ classWeights }).plus(categoricalFocalLoss)',
      loss: diceLoss({ classWeights: weights }).plus(categoricalFocalLoss),
    },
  ];
}

/** Images `[from, to)` of the data set as tensors. */
export function splitTensors(data: DemoDataset, from: number, to: number): Split {
  const plane = data.size * data.size;
  const n = to - from;
  const labels = data.labels.slice(from * plane, to * plane);
  return {
    x: tf.tensor4d(data.images.slice(from * plane, to * plane), [n, data.size, data.size, 1]),
    y: tf.tidy(() =>
      tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASS_NAMES.length), [
        n,
        data.size,
        data.size,
        CLASS_NAMES.length,
      ]),
    ) as tf.Tensor4D,
    labels,
  };
}

/** The held-out share: a quarter of the images, at least one. */
export function heldOutCount(samples: number): number {
  return Math.max(1, Math.round(samples / 4));
}

/**
 * The data set split for training, with the class weights (inverse frequency, mean 1) of its training part.
 * @example const { train, heldOut, weights } = demoSplit(generateDataset(160, 64, 1))
 */
export function demoSplit(data: DemoDataset): {
  train: Split;
  heldOut: Split;
  trainCounter: ClassCounter;
  weights: number[];
} {
  const trainCount = data.samples - heldOutCount(data.samples);
  const train = splitTensors(data, 0, trainCount);
  const heldOut = splitTensors(data, trainCount, data.samples);
  const trainCounter = new ClassCounter(CLASS_NAMES.length).addLabels(train.labels);
  return { train, heldOut, trainCounter, weights: classWeights(trainCounter) };
}
