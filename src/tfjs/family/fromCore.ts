/**
 * The loss family of issue 6 in TF.js: each core loss runs inside `tf.customGrad`, so TF.js autodiff
 * (`tf.grad`, `optimizer.minimize`, `model.fit`) takes the core's closed-form gradient. The tensors are read
 * once with `dataSync` (a synchronous download on GPU backends, a view on cpu / wasm) and the gradient is
 * uploaded once.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Loss } from '../../core/loss.js';
import { defineTfLoss, lossFactory, withClosedFormGradient } from '../compose.js';
import type { TfLoss, TfLossFactory } from '../types.js';

/** A TF.js loss computing `core(yTrue, yPred)` with the core's value and gradient. */
export function tfLossFromCore(core: Loss): TfLoss {
  return defineTfLoss(core.name, (yTrue, yPred) =>
    withClosedFormGradient(yPred, (pr, save) => {
      const gt = { data: yTrue.dataSync() as Float32Array, shape: yTrue.shape };
      const r = core.valueAndGrad(gt, { data: pr.dataSync() as Float32Array, shape: pr.shape });
      save([tf.tensor(r.grad, pr.shape, 'float32')]);
      return {
        value: tf.scalar(r.value),
        gradFunc: (dy, saved) => tf.mul(dy, saved[0]),
      };
    }),
  );
}

/** A TF.js loss factory over a core factory (options validated by the core, with its messages). */
export function tfFactoryFromCore<O>(make: (options?: O) => Loss): TfLossFactory<O> {
  return lossFactory((options?: O) => tfLossFromCore(make(options)));
}
