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
  resolveCrossentropyOptions,
  selectedChannels,
  type CrossentropyOptions,
} from '../core/options.js';
import type { BinaryCrossentropyOptions } from '../core/losses/binaryCrossentropy.js';
import { clipMask, clipProbability } from './clip.js';
import {
  binaryMixOf,
  crossEntropySideOf,
  crossEntropySlopeOf,
  kerasBceSideOf,
  kerasBceSideSlopeOf,
  normalisedSlopeOf,
} from '../core/family/elementwiseTerms.js';
import { tensorAlgebra as T } from './family/tensorAlgebra.js';
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
          // The cross-entropy side −log q (core/family/elementwiseTerms.ts), weighted by gt·w.
          value: tf.div(tf.sum(tf.mul(gw, crossEntropySideOf(T, tf.log(q)))), p.size) as tf.Scalar,
          gradFunc: (dy, saved) => {
            const [g, rs, ss, qs] = saved;
            // u = ∂loss/∂r = −gt·w/q inside the clip; ∂loss/∂pr_j = (u_j − Σ_c u_c·r_c) / s (elementwiseTerms).
            const u = tf.mul(crossEntropySlopeOf(T, g, qs), tf.mul(clipMask(rs), tf.div(dy, rs.size)));
            const d = normalisedSlopeOf(T, u, tf.sum(tf.mul(u, rs), axis, true), ss);
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
        const omq = clipProbability(tf.sub(1, p));
        save([gt, p, q, omq]);
        // Keras' two sides −log(q + ε), −log(1 − q + ε) (core/family/elementwiseTerms.ts), mixed by gt.
        const terms = binaryMixOf(T, gt, kerasBceSideOf(T, q), kerasBceSideOf(T, omq));
        return {
          value: tf.div(tf.sum(terms), p.size) as tf.Scalar,
          gradFunc: (dy, saved) => {
            const [g, x, qs, oq] = saved;
            const d = binaryMixOf(T, g, kerasBceSideSlopeOf(T, qs), tf.neg(kerasBceSideSlopeOf(T, oq)));
            return tf.mul(d, tf.mul(clipMask(x), tf.div(dy, x.size)));
          },
        };
      });
    });
  },
);
