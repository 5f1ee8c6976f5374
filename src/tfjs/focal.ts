/**
 * Focal losses for TF.js (sm `CategoricalFocalLoss`, `BinaryFocalLoss`; Lin et al. 2017), with closed-form
 * gradients through `tf.customGrad`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { categoricalFocalLoss as coreCategoricalFocalLoss } from '../core/losses/categoricalFocalLoss.js';
import { binaryFocalLoss as coreBinaryFocalLoss } from '../core/losses/binaryFocalLoss.js';
import { lossOnData, onHostBackend } from './fromCore.js';
import type { BinaryFocalOptions } from '../core/losses/binaryFocalLoss.js';
import { resolveFocalOptions, selectedChannels, type FocalOptions } from '../core/options.js';
import { clipMask, clipProbability } from './clip.js';
import { binaryMixOf, focalSideLogSlopeOf, focalSideOf } from '../core/family/elementwiseTerms.js';
import { tensorAlgebra as T } from './family/tensorAlgebra.js';
import { defineTfLoss, lossFactory, withClosedFormGradient } from './compose.js';
import { checkTensors, gatherChannels, scatterChannels, view3 } from './input.js';
import type { TfLossFactory } from './types.js';

/** `∂/∂q` of the focal side `(1 − q)^γ·(−log q)` (core/family/elementwiseTerms.ts): its log-slope over q. */
function sideSlope(q: tf.Tensor, omq: tf.Tensor, logQ: tf.Tensor, gamma: number): tf.Tensor {
  return tf.div(focalSideLogSlopeOf(T, q, omq, logQ, gamma), q);
}

/**
 * Categorical focal loss (sm `CategoricalFocalLoss`):
 * `mean over all elements of −gt·α·(1 − q)^γ·log q`, q = clip(pr, 1e-7, 1 − 1e-7), over the selected
 * channels. Named `focal_loss` as in sm. `categoricalFocalLoss` itself is sm's `categorical_focal_loss`.
 * @param options.alpha - weight of the loss, in [0, 1]. @default 0.25
 * @param options.gamma - focusing parameter, ≥ 0. @default 2
 * @param options.classIndexes - channels to use. @default all
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: diceLoss.plus(categoricalFocalLoss) })
 */
export const categoricalFocalLoss: TfLossFactory<FocalOptions> = lossFactory((options?: FocalOptions) => {
  const fn = 'categoricalFocalLoss';
  const { alpha, gamma, classIndexes, layout } = resolveFocalOptions(fn, options);
  const core = coreCategoricalFocalLoss(options);
  return defineTfLoss('focal_loss', (yTrue, yPred) => {
    const geo = checkTensors(fn, yTrue, yPred, layout);
    const channels = selectedChannels(fn, classIndexes, geo.channels);
    if (onHostBackend()) return lossOnData(core, yTrue, yPred);
    return withClosedFormGradient(yPred, (pr, save) => {
      const gt = gatherChannels(view3(yTrue, geo), channels, geo);
      const p = gatherChannels(view3(pr, geo), channels, geo);
      const scale = alpha / p.size;
      const q = clipProbability(p);
      const omq = clipProbability(tf.sub(1, p));
      const logQ = tf.log(q);
      save([gt, p, q, omq, logQ]);
      return {
        value: tf.mul(tf.sum(tf.mul(gt, focalSideOf(T, omq, logQ, gamma))), scale) as tf.Scalar,
        gradFunc: (dy, saved) => {
          const [g, x, qs, oq, lq] = saved;
          const d = tf.mul(tf.mul(g, sideSlope(qs, oq, lq, gamma)), tf.mul(clipMask(x), tf.mul(dy, scale)));
          return tf.reshape(scatterChannels(d as tf.Tensor3D, channels, geo), pr.shape);
        },
      };
    });
  });
});

/**
 * Binary focal loss (sm `BinaryFocalLoss`), elementwise over every channel:
 * `mean(−gt·α·(1 − q)^γ·log q − (1 − gt)·(1 − α)·q^γ·log(1 − q))`, q = clip(pr, 1e-7, 1 − 1e-7).
 * Named `binary_focal_loss`; `binaryFocalLoss` itself is sm's `binary_focal_loss`.
 * @param options.alpha - weight of the positive term, in [0, 1]. @default 0.25
 * @param options.gamma - focusing parameter, ≥ 0. @default 2
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: binaryFocalLoss.plus(diceLoss) })
 */
export const binaryFocalLoss: TfLossFactory<BinaryFocalOptions> = lossFactory(
  (options?: BinaryFocalOptions) => {
    const fn = 'binaryFocalLoss';
    const { alpha, gamma, layout } = resolveFocalOptions(fn, options, false);
    const core = coreBinaryFocalLoss(options);
    return defineTfLoss('binary_focal_loss', (yTrue, yPred) => {
      checkTensors(fn, yTrue, yPred, layout);
      if (onHostBackend()) return lossOnData(core, yTrue, yPred);
      return withClosedFormGradient(yPred, (pr, save) => {
        const gt = tf.cast(yTrue, 'float32');
        const p = tf.cast(pr, 'float32');
        const q = clipProbability(p);
        const omq = clipProbability(tf.sub(1, p));
        const logQ = tf.log(q);
        const logOmq = tf.log(omq);
        // The focal sides of q and 1 − q (core/family/elementwiseTerms.ts), weighted α and 1 − α, mixed by gt.
        const pos = tf.mul(focalSideOf(T, omq, logQ, gamma), alpha);
        const neg = tf.mul(focalSideOf(T, q, logOmq, gamma), 1 - alpha);
        save([gt, p, q, omq, logQ, logOmq]);
        return {
          value: tf.div(tf.sum(binaryMixOf(T, gt, pos, neg)), p.size) as tf.Scalar,
          gradFunc: (dy, saved) => {
            const [g, x, qs, oq, lq, lomq] = saved;
            // d(1 − q)/dq = −1: the negative side's slope changes sign.
            const d = binaryMixOf(
              T,
              g,
              tf.mul(sideSlope(qs, oq, lq, gamma), alpha),
              tf.mul(sideSlope(oq, qs, lomq, gamma), alpha - 1),
            );
            return tf.mul(d, tf.mul(clipMask(x), tf.div(dy, x.size)));
          },
        };
      });
    });
  },
);
