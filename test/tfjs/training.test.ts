/**
 * segkit/tfjs in TF.js training: every loss trains a small model for an epoch through `model.fit` (history
 * keys are sm's names), `fitDataset` and a custom loop with `tf.variableGrads` work, and a training step
 * leaks no tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as segkit from '../../src/tfjs/index.js';
import { BACKENDS, randomPair, useBackend } from './setup.js';

const SHAPE = [6, 8, 8, 3];

function smallModel(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      inputShape: [8, 8, 1],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  model.add(
    tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', kernelInitializer: init(2) }),
  );
  return model;
}

const LOSSES: [string, segkit.TfLoss][] = [
  ['diceLoss', segkit.diceLoss],
  ['jaccardLoss', segkit.jaccardLoss({ perImage: true })],
  ['categoricalCrossentropy', segkit.categoricalCrossentropy({ classWeights: [0.5, 1, 2] })],
  ['binaryCrossentropy', segkit.binaryCrossentropy],
  ['categoricalFocalLoss', segkit.categoricalFocalLoss],
  ['binaryFocalLoss', segkit.binaryFocalLoss],
  ['categoricalFocalDiceLoss', segkit.categoricalFocalDiceLoss],
  ['bceJaccardLoss', segkit.bceJaccardLoss],
  [
    'diceLoss.plus(categoricalFocalLoss.times(2))',
    segkit.diceLoss.plus(segkit.categoricalFocalLoss.times(2)),
  ],
];

describe.each(BACKENDS)('training on the %s backend', (backend) => {
  let x: tf.Tensor;
  let y: tf.Tensor;
  beforeAll(async () => {
    await useBackend(backend);
    const { gt } = randomPair(SHAPE, 1);
    y = gt;
    x = tf.tidy(() =>
      tf.add(
        tf.sum(tf.mul(gt, tf.tensor1d([0, 1, 2])), -1, true),
        tf.randomUniform([6, 8, 8, 1], 0, 0.5, 'float32', 3),
      ),
    );
  });

  it.each(LOSSES)(
    'a model compiled with %s trains one epoch; history keys are the sm names',
    async (name, loss) => {
      const model = smallModel();
      model.compile({
        optimizer: tf.train.adam(0.01),
        loss,
        metrics: [loss, segkit.iouScore, segkit.fScore({ threshold: 0.5 }), segkit.precision, segkit.recall],
      });
      const history = await model.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0 });
      expect(Object.keys(history.history).sort()).toEqual(
        ['loss', loss.name, 'iou_score', 'f1-score', 'precision', 'recall'].sort(),
      );
      const values = Object.values(history.history).map((v) => v[0] as number);
      expect(values.every(Number.isFinite), `${name}: ${values}`).toBe(true);
      model.dispose();
    },
  );

  it('fitDataset trains with a segkit loss', async () => {
    const model = smallModel();
    model.compile({ optimizer: tf.train.sgd(0.1), loss: segkit.diceLoss, metrics: [segkit.iouScore] });
    // A minimal tf.data-like dataset: two batches of three images.
    const dataset = {
      size: 2,
      iterator: async () => {
        let i = 0;
        return {
          next: async () =>
            i < 2
              ? { value: { xs: tf.slice(x, [3 * i], [3]), ys: tf.slice(y, [3 * i++], [3]) }, done: false }
              : { value: undefined, done: true },
        };
      },
    };
    const history = await model.fitDataset(dataset as never, { epochs: 1, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['iou_score', 'loss']);
    model.dispose();
  });

  it('tf.variableGrads and a training step leave no tensor behind', () => {
    const model = smallModel();
    const optimizer = tf.train.adam(0.01);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => segkit.categoricalFocalDiceLoss(y, model.apply(x) as tf.Tensor) as tf.Scalar,
        );
        optimizer.applyGradients(grads as tf.NamedTensorMap as never);
        return value.dataSync()[0];
      });
    const first = step(); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    model.dispose();
    optimizer.dispose();
  });
});
