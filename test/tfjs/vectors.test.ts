/**
 * segkit/tfjs against segmentation_models' reference vectors (../shared/vectors/sm) on every backend:
 * values within 1e-4 relative, gradients within 1e-4 of the largest gradient magnitude (float32 tolerance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as segkit from '../../src/tfjs/index.js';
import { close, gradMismatch, loadVectors, num } from '../helpers/vectors.js';
import { BACKENDS, optionsOf, tensorOf, useBackend } from './setup.js';

type Factory = (options?: Record<string, unknown>) => segkit.TfMetric;

const FILES: [string, Factory][] = [
  ['DiceLoss', segkit.diceLoss as Factory],
  ['JaccardLoss', segkit.jaccardLoss as Factory],
  ['BinaryCELoss', segkit.binaryCrossentropy as Factory],
  ['CategoricalCELoss', segkit.categoricalCrossentropy as Factory],
  ['BinaryFocalLoss', segkit.binaryFocalLoss as Factory],
  ['CategoricalFocalLoss', segkit.categoricalFocalLoss as Factory],
  ['f_score', segkit.fScore as Factory],
  ['iou_score', segkit.iouScore as Factory],
  ['precision', segkit.precision as Factory],
  ['recall', segkit.recall as Factory],
];

describe.each(BACKENDS)('segkit/tfjs on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(FILES)('%s matches every sm reference case (value and gradient)', (file, factory) => {
    const failures: string[] = [];
    for (const c of loadVectors('sm', file).cases) {
      const fn = factory(optionsOf(c));
      const gt = tensorOf(c.gt);
      const pr = tensorOf(c.pr);
      // Thresholded metrics are piecewise constant: sm gives no gradient, TF.js has none for `greater`.
      const { value, grad } = c.expected.grad_pr
        ? tf.valueAndGrad((p: tf.Tensor) => fn(gt, p))(pr)
        : { value: fn(gt, pr), grad: undefined };
      const v = value.dataSync()[0];
      const g = grad?.dataSync() ?? new Float32Array(0);
      tf.dispose([gt, pr, value, ...(grad ? [grad] : [])]);
      const expected = num(c.expected.value);
      if (!close(v, expected, 1e-4, 1e-6)) failures.push(`${c.id}: value ${v}, expected ${expected}`);
      if (c.expected.grad_pr) {
        const eg = c.expected.grad_pr.map(num);
        const i = gradMismatch(g, eg, 1e-4);
        if (i >= 0) failures.push(`${c.id}: grad[${i}] ${g[i]}, expected ${eg[i]}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
