/** segkit/tfjs versions of the loss family: same values and gradients as the core, no tensor leaks, training. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../src/core/losses/index.js';
import * as fam from '../../src/tfjs/family/index.js';
import type { TfLoss } from '../../src/tfjs/types.js';
import type { Loss } from '../../src/core/loss.js';
import { BACKENDS, useBackend } from '../tfjs/setup.js';
import { gradMismatch } from '../helpers/vectors.js';
import { inputs } from './helpers.js';

const cf = { layout: 'channelsFirst' as const };
const X = inputs(21, [2, 3, 4, 4]);
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

const cases: [string, TfLoss, Loss, ('probs' | 'logits')?][] = [
  [
    'tverskyLoss',
    fam.tverskyLoss({ ...cf, fromLogits: true, alpha: 0.3, beta: 0.7 }),
    core.tverskyLoss({ ...cf, fromLogits: true, alpha: 0.3, beta: 0.7 }),
  ],
  [
    'generalizedDiceLoss',
    fam.generalizedDiceLoss({ ...cf, fromLogits: true }),
    core.generalizedDiceLoss({ ...cf, fromLogits: true }),
  ],
  [
    'logCoshDiceLoss',
    fam.logCoshDiceLoss({ ...cf, fromLogits: true }),
    core.logCoshDiceLoss({ ...cf, fromLogits: true }),
  ],
  [
    'focalLoss',
    fam.focalLoss({ ...cf, fromLogits: true, alpha: [0.2, 0.3, 0.5] }),
    core.focalLoss({ ...cf, fromLogits: true, alpha: [0.2, 0.3, 0.5] }),
  ],
  ['diceCELoss', fam.diceCELoss({ ...cf, fromLogits: true }), core.diceCELoss({ ...cf, fromLogits: true })],
  [
    'diceFocalLoss',
    fam.diceFocalLoss({ ...cf, fromLogits: true }),
    core.diceFocalLoss({ ...cf, fromLogits: true }),
  ],
  [
    'generalizedDiceFocalLoss',
    fam.generalizedDiceFocalLoss({ ...cf, fromLogits: true }),
    core.generalizedDiceFocalLoss({ ...cf, fromLogits: true }),
  ],
  [
    'lovaszSoftmaxLoss',
    fam.lovaszSoftmaxLoss({ ...cf, fromLogits: true }),
    core.lovaszSoftmaxLoss({ ...cf, fromLogits: true }),
  ],
  ['mccLoss (probabilities)', fam.mccLoss(), core.mccLoss(), 'probs'],
  [
    'softCrossEntropyLoss (dense targets)',
    fam.softCrossEntropyLoss({ smoothFactor: 0.1 }),
    core.softCrossEntropyLoss({ smoothFactor: 0.1 }),
  ],
  [
    'softBCEWithLogitsLoss',
    fam.softBCEWithLogitsLoss({ smoothFactor: 0.1 }),
    core.softBCEWithLogitsLoss({ smoothFactor: 0.1 }),
  ],
  ['lovaszLoss multilabel', fam.lovaszLoss({ mode: 'multilabel' }), core.lovaszLoss({ mode: 'multilabel' })],
];

describe.each(BACKENDS)('segkit/tfjs loss family on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(cases)('%s: value and gradient equal the core', (_name, tfLoss, coreLoss, kind = 'logits') => {
    const input = kind === 'probs' ? X.probs : X.logits;
    const gt = tf.tensor(f32(X.onehot.data), [...X.onehot.shape]);
    const pr = tf.tensor(f32(input.data), [...input.shape]);
    const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => tfLoss(gt, p))(pr);
    const want = coreLoss.valueAndGrad(
      { data: f32(X.onehot.data), shape: X.onehot.shape },
      { data: f32(input.data), shape: input.shape },
    );
    expect(value.dataSync()[0]).toBeCloseTo(want.value, 6);
    expect(gradMismatch(grad.dataSync(), want.grad, 1e-6)).toBe(-1);
    expect(tfLoss.name).toBe(coreLoss.name);
    tf.dispose([gt, pr, value, grad]);
  });

  it('a training step lowers the loss and leaves tf.memory().numTensors unchanged', () => {
    const gt = tf.tensor(f32(X.onehot.data), [...X.onehot.shape]);
    const x = tf.variable(tf.tensor(f32(X.logits.data), [...X.logits.shape]));
    const loss = fam.diceFocalLoss({ ...cf, fromLogits: true });
    const optimizer = tf.train.sgd(0.5);
    optimizer.minimize(() => loss(gt, x), false);
    const before = tf.memory().numTensors;
    const first = tf.tidy(() => loss(gt, x).dataSync()[0]);
    for (let i = 0; i < 5; i++) optimizer.minimize(() => loss(gt, x), false);
    const last = tf.tidy(() => loss(gt, x).dataSync()[0]);
    expect(last).toBeLessThan(first);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([gt, x]);
    optimizer.dispose();
  });
});
