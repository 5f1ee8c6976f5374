/**
 * The fused segkit/tfjs losses against the same losses written as plain TF.js op compositions (sm's
 * formulas, differentiated by TF.js autodiff): equal values and gradients on seeded inputs over a grid of
 * options, layouts and ranks; plus the sm algebra, the names and the exported API.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as segkit from '../../src/tfjs/index.js';
import { setComputePath } from '../../src/tfjs/fromCore.js';
import { close, gradMismatch } from '../helpers/vectors.js';
import {
  binaryCeComposition,
  binaryFocalComposition,
  categoricalCeComposition,
  categoricalFocalComposition,
  diceComposition,
  jaccardComposition,
  type CompositionOptions,
} from './composition.js';
import { BACKEND_PATHS, useBackendPath, randomPair, useBackend } from './setup.js';

type Composition = (gt: tf.Tensor, pr: tf.Tensor, o?: CompositionOptions) => tf.Scalar;
type Case = [string, segkit.TfLoss, Composition, CompositionOptions, number[]];

const NHWC = [2, 6, 5, 4];
const NCHW = [2, 4, 6, 5];
const VOLUME = [2, 3, 4, 5, 3];

function cases(): Case[] {
  const cf = { layout: 'channelsFirst' as const };
  return [
    ['diceLoss()', segkit.diceLoss, diceComposition, {}, NHWC],
    [
      'diceLoss({ beta: 2, smooth: 1 })',
      segkit.diceLoss({ beta: 2, smooth: 1 }),
      diceComposition,
      { beta: 2, smooth: 1 },
      NHWC,
    ],
    [
      'diceLoss({ perImage: true })',
      segkit.diceLoss({ perImage: true }),
      diceComposition,
      { perImage: true },
      NHWC,
    ],
    [
      'diceLoss({ classIndexes: [2, 0], classWeights: [0.5, 2] })',
      segkit.diceLoss({ classIndexes: [2, 0], classWeights: [0.5, 2] }),
      diceComposition,
      { classIndexes: [2, 0], classWeights: [0.5, 2] },
      NHWC,
    ],
    [
      'diceLoss channelsFirst, perImage, weights',
      segkit.diceLoss({ ...cf, perImage: true, classWeights: [1, 2, 3, 4] }),
      diceComposition,
      { channelsFirst: true, perImage: true, classWeights: [1, 2, 3, 4] },
      NCHW,
    ],
    ['diceLoss on a 3-D volume', segkit.diceLoss, diceComposition, {}, VOLUME],
    ['jaccardLoss()', segkit.jaccardLoss, jaccardComposition, {}, NHWC],
    [
      'jaccardLoss({ perImage: true, classIndexes: [1, 3] })',
      segkit.jaccardLoss({ perImage: true, classIndexes: [1, 3] }),
      jaccardComposition,
      { perImage: true, classIndexes: [1, 3] },
      NHWC,
    ],
    ['jaccardLoss channelsFirst', segkit.jaccardLoss(cf), jaccardComposition, { channelsFirst: true }, NCHW],
    ['categoricalFocalLoss()', segkit.categoricalFocalLoss, categoricalFocalComposition, {}, NHWC],
    [
      'categoricalFocalLoss({ alpha: 0.5, gamma: 0 })',
      segkit.categoricalFocalLoss({ alpha: 0.5, gamma: 0 }),
      categoricalFocalComposition,
      { alpha: 0.5, gamma: 0 },
      NHWC,
    ],
    [
      'categoricalFocalLoss({ gamma: 1.5, classIndexes: [1, 3] }) channelsFirst',
      segkit.categoricalFocalLoss({ gamma: 1.5, classIndexes: [1, 3], ...cf }),
      categoricalFocalComposition,
      { gamma: 1.5, classIndexes: [1, 3], channelsFirst: true },
      NCHW,
    ],
    ['binaryFocalLoss()', segkit.binaryFocalLoss, binaryFocalComposition, {}, NHWC],
    [
      'binaryFocalLoss({ alpha: 0.7, gamma: 0.5 })',
      segkit.binaryFocalLoss({ alpha: 0.7, gamma: 0.5 }),
      binaryFocalComposition,
      { alpha: 0.7, gamma: 0.5 },
      VOLUME,
    ],
    [
      'binaryFocalLoss({ gamma: 0 })',
      segkit.binaryFocalLoss({ gamma: 0 }),
      binaryFocalComposition,
      { gamma: 0 },
      NHWC,
    ],
    ['categoricalCrossentropy()', segkit.categoricalCrossentropy, categoricalCeComposition, {}, NHWC],
    [
      'categoricalCrossentropy({ classIndexes: [0, 2, 3], classWeights: [0.2, 1, 3] })',
      segkit.categoricalCrossentropy({ classIndexes: [0, 2, 3], classWeights: [0.2, 1, 3] }),
      categoricalCeComposition,
      { classIndexes: [0, 2, 3], classWeights: [0.2, 1, 3] },
      NHWC,
    ],
    [
      'categoricalCrossentropy channelsFirst with weights',
      segkit.categoricalCrossentropy({ ...cf, classWeights: [1, 2, 3, 4] }),
      categoricalCeComposition,
      { channelsFirst: true, classWeights: [1, 2, 3, 4] },
      NCHW,
    ],
    ['binaryCrossentropy()', segkit.binaryCrossentropy, binaryCeComposition, {}, NHWC],
  ];
}

describe.each(BACKEND_PATHS)('fused losses on the %s backend, %s path', (backend, path) => {
  beforeAll(async () => {
    await useBackendPath(backend, path);
  });
  afterAll(() => void setComputePath('auto'));

  it.each(cases())(
    '%s: value and customGrad gradient equal tf.grad of the sm op composition',
    (_, loss, composition, o, shape) => {
      const { gt, pr } = randomPair(shape, 7, o.channelsFirst ? 'channelsFirst' : 'channelsLast', 1);
      const fused = tf.valueAndGrad((p: tf.Tensor) => loss(gt, p))(pr);
      const plain = tf.valueAndGrad((p: tf.Tensor) => composition(gt, p, o))(pr);
      const [v, ve] = [fused.value.dataSync()[0], plain.value.dataSync()[0]];
      expect(close(v, ve, 1e-5, 1e-7), `value ${v} vs ${ve}`).toBe(true);
      expect(gradMismatch(fused.grad.dataSync(), plain.grad.dataSync(), 1e-4)).toBe(-1);
      tf.dispose([gt, pr, fused.value, fused.grad, plain.value, plain.grad]);
    },
  );

  it('diceLoss, its gradient and an optimizer step leave tf.memory().numTensors unchanged', () => {
    const { gt, pr } = randomPair(NHWC, 3);
    const x = tf.variable(tf.log(pr));
    const optimizer = tf.train.sgd(0.1);
    const losses = [
      segkit.diceLoss,
      segkit.jaccardLoss({ perImage: true, classIndexes: [0, 2] }),
      segkit.categoricalFocalDiceLoss,
    ];
    // One warm-up step creates the optimizer's state; count from there.
    const step = (loss: segkit.TfLoss) => optimizer.minimize(() => loss(gt, tf.softmax(x)), false);
    step(segkit.diceLoss);
    const before = tf.memory().numTensors;
    for (const loss of losses) {
      tf.dispose(loss(gt, pr));
      const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => loss(gt, p))(pr);
      tf.dispose([value, grad]);
      step(loss);
    }
    for (const metric of [
      segkit.fScore,
      segkit.iouScore({ threshold: 0.5 }),
      segkit.precision,
      segkit.recall,
    ]) {
      tf.dispose(metric(gt, pr));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([gt, pr, x]);
    optimizer.dispose();
  });
});

describe('names and algebra', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('every loss and metric carries its Keras name as sm gives it', () => {
    expect(segkit.diceLoss.name).toBe('dice_loss');
    expect(segkit.diceLoss({ beta: 2 }).name).toBe('dice_loss');
    expect(segkit.jaccardLoss.name).toBe('jaccard_loss');
    expect(segkit.categoricalFocalLoss.name).toBe('focal_loss');
    expect(segkit.binaryFocalLoss.name).toBe('binary_focal_loss');
    expect(segkit.categoricalCrossentropy.name).toBe('categorical_crossentropy');
    expect(segkit.binaryCrossentropy.name).toBe('binary_crossentropy');
    expect(segkit.fScore.name).toBe('f1-score');
    expect(segkit.fScore({ beta: 2 }).name).toBe('f2-score');
    expect(segkit.iouScore.name).toBe('iou_score');
    expect(segkit.precision.name).toBe('precision');
    expect(segkit.recall.name).toBe('recall');
    expect(segkit.cceDiceLoss.name).toBe('categorical_crossentropy_plus_dice_loss');
    expect(segkit.categoricalFocalJaccardLoss.name).toBe('focal_loss_plus_jaccard_loss');
    expect(segkit.diceLoss.times(2).name).toBe('2dice_loss');
  });

  it('a.plus(b.times(k)) is a + k·b in value and gradient', () => {
    const { gt, pr } = randomPair(NHWC, 11);
    const sum = segkit.diceLoss.plus(segkit.categoricalFocalLoss.times(3));
    const a = tf.valueAndGrad((p: tf.Tensor) => sum(gt, p))(pr);
    const b = tf.valueAndGrad((p: tf.Tensor) =>
      tf.add(segkit.diceLoss(gt, p), tf.mul(3, segkit.categoricalFocalLoss(gt, p))),
    )(pr);
    expect(close(a.value.dataSync()[0], b.value.dataSync()[0], 1e-6)).toBe(true);
    expect(gradMismatch(a.grad.dataSync(), b.grad.dataSync(), 1e-6)).toBe(-1);
    expect(sum.name).toBe('dice_loss_plus_3focal_loss');
    tf.dispose([gt, pr, a.value, a.grad, b.value, b.grad]);
  });

  it('the default instance equals the factory called without options', () => {
    const { gt, pr } = randomPair(NHWC, 5);
    const [a, b] = [segkit.diceLoss(gt, pr), segkit.diceLoss()(gt, pr)];
    expect(a.dataSync()[0]).toBe(b.dataSync()[0]);
    tf.dispose([gt, pr, a, b]);
  });

  it('exports exactly the documented names', () => {
    expect(Object.keys(segkit).sort()).toMatchInlineSnapshot(`
      [
        "bceDiceLoss",
        "bceJaccardLoss",
        "binaryCrossentropy",
        "binaryFocalDiceLoss",
        "binaryFocalJaccardLoss",
        "binaryFocalLoss",
        "categoricalCrossentropy",
        "categoricalFocalDiceLoss",
        "categoricalFocalJaccardLoss",
        "categoricalFocalLoss",
        "cceDiceLoss",
        "cceJaccardLoss",
        "diceCELoss",
        "diceFocalLoss",
        "diceLoss",
        "fScore",
        "focalLoss",
        "generalizedDiceFocalLoss",
        "generalizedDiceLoss",
        "iouScore",
        "jaccardLoss",
        "logCoshDiceLoss",
        "lovaszHingeLoss",
        "lovaszLoss",
        "lovaszSoftmaxLoss",
        "maskedDiceLoss",
        "mccLoss",
        "precision",
        "recall",
        "registerWasmTrainingKernels",
        "softBCEWithLogitsLoss",
        "softCrossEntropyLoss",
        "tverskyLoss",
      ]
    `);
  });
});

describe('bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const pr = () => tf.fill([2, 8, 8, 3], 1 / 3);

  it('mismatched shapes throw a RangeError naming both shapes', () => {
    expect(() => segkit.diceLoss(tf.zeros([2, 8, 8, 4]), pr())).toThrow(
      /^diceLoss: yTrue and yPred must have the same shape; got \[2,8,8,4\] and \[2,8,8,3\]\.$/,
    );
  });

  it('integer labels where one-hot is expected throw naming both shapes and pointing at tf.oneHot', () => {
    expect(() => segkit.categoricalFocalLoss(tf.zeros([2, 8, 8], 'int32'), pr())).toThrow(
      /^categoricalFocalLoss: yTrue and yPred must have the same shape \(yTrue must be one-hot .*tf\.oneHot.*\); got \[2,8,8\] and \[2,8,8,3\]\.$/,
    );
    expect(() => segkit.iouScore(tf.zeros([2, 8, 8, 1], 'int32'), pr())).toThrow(
      /one-hot.*got \[2,8,8,1\] and \[2,8,8,3\]/,
    );
  });

  it('a rank below 3 throws naming both shapes', () => {
    expect(() => segkit.jaccardLoss(tf.zeros([4, 3]), tf.zeros([4, 3]))).toThrow(
      /^jaccardLoss: yTrue and yPred must have rank ≥ 3 \(\[N, \.\.\.spatial, C\]\); got \[4,3\] and \[4,3\]\.$/,
    );
  });

  it('a non-tensor throws a TypeError', () => {
    expect(() => segkit.diceLoss([1, 2] as unknown as tf.Tensor, pr())).toThrow(
      new TypeError('diceLoss: yTrue must be a tf.Tensor; got [1, 2].'),
    );
  });

  it('options are validated with the core messages, when the loss is made', () => {
    expect(() => segkit.diceLoss({ classWeight: 1 } as never)).toThrow(
      /^diceLoss: options must only use the keys/,
    );
    for (const make of [
      () => segkit.diceLoss({ fromLogit: true } as never),
      () => segkit.iouScore({ ignoreIdx: 255 } as never),
    ]) {
      expect(make).toThrow(
        /options must only use the keys .*(fromLogits|ignoreIndex).*; got '(fromLogit|ignoreIdx)'\.$/,
      );
    }
    expect(() => segkit.categoricalFocalLoss({ alpha: 2 })).toThrow(
      'categoricalFocalLoss: alpha must be in [0, 1]; got 2.',
    );
    expect(() => segkit.fScore({ smooth: -1 })).toThrow('fScore: smooth must be ≥ 0; got -1.');
  });

  it('options that depend on the channel count are checked per call', () => {
    expect(() => segkit.diceLoss({ classWeights: [1, 2] })(pr(), pr())).toThrow(
      'diceLoss: classWeights must have 3 entries, one per selected class; got 2.',
    );
    expect(() => segkit.iouScore({ classIndexes: 5 })(pr(), pr())).toThrow(
      'iouScore: classIndexes must be integers in [0, 2]; got 5.',
    );
  });

  it('times rejects a non-number with the core message', () => {
    expect(() => segkit.diceLoss.times('2' as unknown as number)).toThrow(
      "dice_loss.times: k must be a number; got '2'.",
    );
  });
});
