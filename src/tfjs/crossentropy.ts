/**
 * Cross-entropy losses for TF.js as segmentation_models computes them (sm `CategoricalCELoss`,
 * `BinaryCELoss`), with closed-form gradients through `tf.customGrad`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { categoricalCrossentropy as coreCategoricalCrossentropy } from '../core/losses/categoricalCrossentropy.js';
import { binaryCrossentropy as coreBinaryCrossentropy } from '../core/losses/binaryCrossentropy.js';
import { lossOnData, onHostBackend } from './fromCore.js';
import {
  checkClassWeights,
  EPSILON,
  resolveCrossentropyOptions,
  selectedChannels,
  type CrossentropyOptions,
} from '../core/options.js';
import type { BinaryCrossentropyOptions } from '../core/losses/binaryCrossentropy.js';
import { clipMask, clipProbability } from './clip.js';
import { defineTfLoss, lossFactory, withClosedFormGradient } from './compose.js';
import { checkTensors, gatherChannels, scatterChannels, view3 } from './input.js';
import type { TfLossFactory } from './types.js';

/**
 * Categorical cross-entropy (sm `CategoricalCELoss`): over the selected channels, `pr` is first rescaled to
 * sum to 1 per pixel, then `−mean over all elements of gt·w_c·log(clip(pr / Σ_c pr, 1e-7, 1 − 1e-7))`.
 * Named `categorical_crossentropy`.
 * @param options.classWeights - one number or one weight per selected class (applied along the channel
 *   axis). @default 1
 * @param options.classIndexes - channels to use. @default all
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: categoricalCrossentropy({ classWeights: [0.1, 1, 3] }) })
 */
export const categoricalCrossentropy: TfLossFactory<CrossentropyOptions> = lossFactory(
  (options?: CrossentropyOptions) => {
    const fn = 'categoricalCrossentropy';
    const { classWeights, classIndexes, layout } = resolveCrossentropyOptions(fn, options);
    const core = coreCategoricalCrossentropy(options);
    return defineTfLoss('categorical_crossentropy', (yTrue, yPred) => {
      const geo = checkTensors(fn, yTrue, yPred, layout);
      const channels = selectedChannels(fn, classIndexes, geo.channels);
      checkClassWeights(fn, classWeights, channels.length);
      if (onHostBackend()) return lossOnData(core, yTrue, yPred);
      const axis = geo.channelAxis;
      return withClosedFormGradient(yPred, (pr, save) => {
        const p = gatherChannels(view3(pr, geo), channels, geo);
        const w =
          typeof classWeights === 'number'
            ? classWeights
            : tf.reshape(Float32Array.from(classWeights), axis === 2 ? [1, 1, -1] : [1, -1, 1]);
        // gt·w together: one tensor for the value and the gradient.
        const gw = tf.mul(gatherChannels(view3(yTrue, geo), channels, geo), w);
        const s = tf.sum(p, axis, true);
        const r = tf.div(p, s);
        const q = clipProbability(r);
        save([gw, r, s, q]);
        return {
          value: tf.div(tf.neg(tf.sum(tf.mul(gw, tf.log(q)))), p.size) as tf.Scalar,
          gradFunc: (dy, saved) => {
            const [g, rs, ss, qs] = saved;
            // u = ∂loss/∂r; ∂loss/∂pr_j = (u_j − Σ_c u_c·r_c) / s.
            const u = tf.mul(tf.div(g, qs), tf.mul(clipMask(rs), tf.div(tf.neg(dy), rs.size)));
            const d = tf.div(tf.sub(u, tf.sum(tf.mul(u, rs), axis, true)), ss);
            return tf.reshape(scatterChannels(d as tf.Tensor3D, channels, geo), pr.shape);
          },
        };
      });
    });
  },
);

/**
 * Binary cross-entropy as sm computes it (`K.binary_crossentropy`, tf.keras 2.x), elementwise over every
 * channel: `−mean(gt·log(q + ε) + (1 − gt)·log(1 − q + ε))`, q = clip(pr, ε, 1 − ε), ε = 1e-7.
 * Named `binary_crossentropy`; `binaryCrossentropy` itself is the ready-made instance.
 * @param options.layout - accepted for symmetry; the loss is elementwise. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: binaryCrossentropy.plus(diceLoss) })
 */
export const binaryCrossentropy: TfLossFactory<BinaryCrossentropyOptions> = lossFactory(
  (options?: BinaryCrossentropyOptions) => {
    const fn = 'binaryCrossentropy';
    const { layout } = resolveCrossentropyOptions(fn, options, false);
    const core = coreBinaryCrossentropy(options);
    return defineTfLoss('binary_crossentropy', (yTrue, yPred) => {
      checkTensors(fn, yTrue, yPred, layout);
      if (onHostBackend()) return lossOnData(core, yTrue, yPred);
      return withClosedFormGradient(yPred, (pr, save) => {
        const gt = tf.cast(yTrue, 'float32');
        const p = tf.cast(pr, 'float32');
        const q = clipProbability(p);
        const qe = tf.add(q, EPSILON);
        const oqe = tf.add(clipProbability(tf.sub(1, p)), EPSILON);
        save([gt, p, qe, oqe]);
        const ll = tf.add(tf.mul(gt, tf.log(qe)), tf.mul(tf.sub(1, gt), tf.log(oqe)));
        return {
          value: tf.div(tf.neg(tf.sum(ll)), p.size) as tf.Scalar,
          gradFunc: (dy, saved) => {
            const [g, x, a, b] = saved;
            const d = tf.sub(tf.div(tf.sub(1, g), b), tf.div(g, a));
            return tf.mul(d, tf.mul(clipMask(x), tf.div(dy, x.size)));
          },
        };
      });
    });
  },
);
