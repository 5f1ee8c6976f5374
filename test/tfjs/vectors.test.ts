/**
 * segkit/tfjs against segmentation_models' reference vectors (test/vectors/sm) and against the core on
 * the same cases, on every backend: values within 1e-4 relative, gradients within 1e-4 of the largest
 * gradient magnitude (float32 tolerance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import type { Loss, Metric } from '../../src/index.js';
import * as segkit from '../../src/tfjs/index.js';
import { setComputePath } from '../../src/tfjs/fromCore.js';
import { close, gradMismatch, loadVectors, num } from '../helpers/vectors.js';
import { BACKEND_PATHS, useBackendPath, optionsOf, tensorOf } from './setup.js';

type Factory<T> = (options?: Record<string, unknown>) => T;

const FILES: [string, Factory<segkit.TfMetric>, Factory<Loss | Metric>][] = [
  ['DiceLoss', segkit.diceLoss as Factory<segkit.TfLoss>, core.diceLoss as Factory<Loss>],
  ['JaccardLoss', segkit.jaccardLoss as Factory<segkit.TfLoss>, core.jaccardLoss as Factory<Loss>],
  [
    'BinaryCELoss',
    segkit.binaryCrossentropy as Factory<segkit.TfLoss>,
    core.binaryCrossentropy as Factory<Loss>,
  ],
  [
    'CategoricalCELoss',
    segkit.categoricalCrossentropy as Factory<segkit.TfLoss>,
    core.categoricalCrossentropy as Factory<Loss>,
  ],
  [
    'BinaryFocalLoss',
    segkit.binaryFocalLoss as Factory<segkit.TfLoss>,
    core.binaryFocalLoss as Factory<Loss>,
  ],
  [
    'CategoricalFocalLoss',
    segkit.categoricalFocalLoss as Factory<segkit.TfLoss>,
    core.categoricalFocalLoss as Factory<Loss>,
  ],
  ['f_score', segkit.fScore as Factory<segkit.TfMetric>, core.fScore as Factory<Metric>],
  ['iou_score', segkit.iouScore as Factory<segkit.TfMetric>, core.iouScore as Factory<Metric>],
  ['precision', segkit.precision as Factory<segkit.TfMetric>, core.precision as Factory<Metric>],
  ['recall', segkit.recall as Factory<segkit.TfMetric>, core.recall as Factory<Metric>],
];

describe.each(BACKEND_PATHS)('segkit/tfjs on the %s backend, %s path', (backend, path) => {
  beforeAll(async () => {
    await useBackendPath(backend, path);
  });
  afterAll(() => void setComputePath('auto'));

  it.each(FILES)(
    '%s equals the sm reference and the core on every case (value and gradient)',
    (file, factory, coreFactory) => {
      const failures: string[] = [];
      for (const c of loadVectors('sm', file).cases) {
        const options = optionsOf(c);
        const fn = factory(options);
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
        if (!close(v, expected, 1e-4, 1e-6)) failures.push(`${c.id}: value ${v}, sm ${expected}`);
        if (c.expected.grad_pr) {
          const eg = c.expected.grad_pr.map(num);
          const i = gradMismatch(g, eg, 1e-4);
          if (i >= 0) failures.push(`${c.id}: grad[${i}] ${g[i]}, sm ${eg[i]}`);
        }

        const ref = coreFactory(options);
        const nd = { gt: { data: c.gt.data, shape: c.gt.shape }, pr: { data: c.pr.data, shape: c.pr.shape } };
        if ('valueAndGrad' in ref) {
          const r = ref.valueAndGrad(nd.gt, nd.pr);
          if (!close(v, r.value, 1e-4, 1e-6)) failures.push(`${c.id}: value ${v}, core ${r.value}`);
          const i = gradMismatch(g, r.grad, 1e-4);
          if (i >= 0) failures.push(`${c.id}: grad[${i}] ${g[i]}, core ${r.grad[i]}`);
        } else {
          const r = ref.value(nd.gt, nd.pr);
          if (!close(v, r, 1e-4, 1e-6)) failures.push(`${c.id}: value ${v}, core ${r}`);
        }
      }
      expect(failures).toEqual([]);
    },
  );
});
