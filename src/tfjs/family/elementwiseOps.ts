/**
 * The elementwise losses of the family in TF.js ops, for GPU backends (no read-back): the focal loss
 * (core/family/focal.ts: sigmoid and softmax forms, from logits or probabilities, α, class weights, smp's
 * normalized and reduced variants, the MONAI / sm / smp reductions) and the cross-entropy term of
 * `diceCELoss` (core/family/crossEntropy.ts). Values as the core's formulas in ops; TF.js autodiff gives the
 * gradients (the core's closed forms are their derivatives; the clip of probabilities passes no gradient
 * outside [ε, 1 − ε], as in the core).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { type CrossEntropyConfig, ceChannelWeights } from '../../core/family/crossEntropy.js';
import { type FocalConfig, focalSetup, monaiDropsBackground } from '../../core/family/focal.js';
import { resolveActivation } from '../../core/family/input.js';
import { focalReductionOf, smpClassFactorOf, smpClassShares } from '../../core/family/focalReduction.js';
import {
  bceLogitsOf,
  binaryMixOf,
  crossEntropySideOf,
  focalSideOf,
  kerasClipOf,
  logSigmoidOf,
  smoothTargetOf,
  smpFocalFactorOf,
} from '../../core/family/elementwiseTerms.js';
import { tensorAlgebra as T } from './tensorAlgebra.js';
import { inverseIndex } from '../input.js';
import type { OpsLossFn } from './opsLoss.js';
import { type OpsGeometry, type OpsTargets, checkOpsInputs, logSoftmaxOn, opsTargets } from './targets.js';

/** A per-channel row of numbers as a tensor broadcasting along the channel axis of the 3-D view. */
function channelRow(values: ArrayLike<number>, geo: OpsGeometry): tf.Tensor3D {
  const C = values.length;
  return tf.tensor3d(Float32Array.from(values), geo.channelAxis === 2 ? [1, 1, C] : [1, C, 1]);
}

/** The 3-D view without channel 0 (MONAI's softmax focal loss with `include_background=False`). */
function dropChannel0(x: tf.Tensor3D, geo: OpsGeometry): tf.Tensor3D {
  const begin: [number, number, number] = [0, 0, 0];
  begin[geo.channelAxis] = 1;
  return tf.slice(x, begin, [-1, -1, -1]);
}

/** `geo` with one channel fewer. */
function withoutChannel0(geo: OpsGeometry): OpsGeometry {
  const C = geo.geom.channels - 1;
  const shape3 = [...geo.shape3] as [number, number, number];
  shape3[geo.channelAxis] = C;
  return { ...geo, geom: { ...geo.geom, channels: C }, shape3 };
}

/** The focal loss of `cfg` on the op path (validation of the options already done by the core). */
export function focalOps(fn: string, cfg: FocalConfig): OpsLossFn {
  return (yTrue, yPred) => {
    const { geo, labelMap } = checkOpsInputs(fn, yTrue, yPred, cfg.layout);
    const t = opsTargets(yTrue, geo, labelMap, cfg.ignoreIndex);
    const x = tf.reshape(tf.cast(yPred, 'float32'), geo.shape3) as tf.Tensor3D;
    const C = geo.geom.channels;
    const activation = cfg.activation ?? resolveActivation(undefined, C);
    if (monaiDropsBackground(cfg, activation, C)) {
      // As the core: channel 0 dropped before the softmax, α ignored, the dense remainder re-read with ignoreIndex.
      const geo2 = withoutChannel0(geo);
      const t2 = opsTargets(dropChannel0(t.g, geo), geo2, false, cfg.ignoreIndex);
      const cfg2 = { ...cfg, includeBackground: true, alpha: null, classIndexes: undefined };
      return focalOnTargets(fn, cfg2, t2, dropChannel0(x, geo), activation);
    }
    return focalOnTargets(fn, cfg, t, x, activation);
  };
}

function focalOnTargets(
  fn: string,
  cfg: FocalConfig,
  t: OpsTargets,
  x: tf.Tensor3D,
  activation: 'softmax' | 'sigmoid',
): tf.Scalar {
  const C = t.geom.channels;
  const { channels, K, w, classW, perClass, a1, a0 } = focalSetup(fn, cfg, activation, C);
  // Weight per channel (0 on unselected channels).
  const inv = inverseIndex(channels, C);
  const wC = channelRow(
    inv.map((k) => (k < K ? w[k] : 0)),
    t,
  );
  const selC = channelRow(
    inv.map((k) => (k < K ? 1 : 0)),
    t,
  );
  const { g } = t;
  const mask = t.mask ?? tf.onesLike(g);
  const gamma = cfg.gamma;
  const pixels = t.geom.pixels;
  let L: tf.Tensor; // per element, before the class weights
  let valid: tf.Tensor; // elements (sigmoid) or channels of valid pixels (softmax) that count
  if (activation === 'sigmoid') {
    valid = tf.mul(mask, selC);
    const A1 = channelRow(a1, t);
    const A0 = channelRow(a0, t);
    const a = binaryMixOf(T, g, A1, A0);
    if (cfg.normalized || cfg.reducedThreshold !== undefined) {
      const l = cfg.fromLogits
        ? bceLogitsOf(T, x, g, 1)
        : (() => {
            const q = kerasClipOf(T, x);
            const sides = [tf.log(q), tf.log(tf.sub(1, q))].map((lq) => crossEntropySideOf(T, lq));
            return binaryMixOf(T, g, sides[0], sides[1]);
          })();
      const f = smpFocalFactorOf(T, tf.exp(tf.neg(l)), gamma, cfg.reducedThreshold);
      L = tf.mul(tf.mul(a, f), l);
      if (cfg.normalized) {
        // Each class's terms divided by max(Σ f, eps) over its counted elements.
        const sumF = tf.sum(tf.mul(f, valid), [0, t.pixelAxis], true);
        L = tf.div(L, tf.maximum(sumF, cfg.eps));
      }
    } else {
      // The focal sides of p and 1 − p (core/family/elementwiseTerms.ts), weighted α₁ and α₀, mixed by gt.
      let sides: [tf.Tensor, tf.Tensor];
      if (cfg.fromLogits) {
        const lsp = logSigmoidOf(T, x);
        const lsn = logSigmoidOf(T, tf.neg(x));
        sides = [focalSideOf(T, tf.exp(lsn), lsp, gamma), focalSideOf(T, tf.exp(lsp), lsn, gamma)];
      } else {
        const q = kerasClipOf(T, x);
        const omq = tf.sub(1, q);
        sides = [focalSideOf(T, omq, tf.log(q), gamma), focalSideOf(T, q, tf.log(omq), gamma)];
      }
      L = binaryMixOf(T, g, tf.mul(A1, sides[0]), tf.mul(A0, sides[1]));
    }
  } else {
    // A pixel counts when none of its channels is ignored; it adds K to the count.
    const pixelValid = tf.min(mask, t.channelAxis, true);
    valid = tf.mul(pixelValid, selC);
    const A1 = channelRow(a1, t);
    let lp: tf.Tensor;
    let p: tf.Tensor;
    if (cfg.fromLogits) {
      lp = logSoftmaxOn(x, t.channelAxis);
      p = tf.exp(lp);
    } else {
      p = kerasClipOf(T, x);
      lp = tf.log(p);
    }
    L = tf.mul(tf.mul(A1, g), focalSideOf(T, tf.sub(1, p), lp, gamma));
  }
  // Ignored / unselected elements add exactly 0 (their terms may be NaN-free garbage: masked by where).
  const counted = tf.greater(valid, 0);
  const Lc = tf.where(counted, L, tf.zerosLike(L));
  // The reductions of core/family/focalReduction.ts on tensors.
  if (perClass) {
    const share = smpClassShares(classW);
    const totK = tf.sum(Lc, [0, t.pixelAxis], true);
    const cntK = tf.sum(valid, [0, t.pixelAxis], true);
    const shareC = channelRow(
      inv.map((k) => (k < K ? share[k] : 0)),
      t,
    );
    return tf.sum(tf.mul(totK, smpClassFactorOf(T, shareC, cntK, cfg.reduction))) as tf.Scalar;
  }
  const total = tf.sum(tf.mul(Lc, wC));
  return focalReductionOf(T, cfg, total, tf.sum(valid), pixels) as tf.Scalar;
}

/**
 * The cross-entropy term of `diceCELoss` on the op path (logits): softmax CE over all channels with class
 * weights and label smoothing (label maps: mean weighted by Σ w_y; dense targets: mean over pixels), or the
 * binary CE with positive weight when C = 1.
 */
export function crossEntropyOps(fn: string, cfg: CrossEntropyConfig): OpsLossFn {
  return (yTrue, yPred) => {
    const { geo, labelMap } = checkOpsInputs(fn, yTrue, yPred, cfg.layout);
    const t = opsTargets(yTrue, geo, labelMap, cfg.ignoreIndex);
    const x = tf.reshape(tf.cast(yPred, 'float32'), geo.shape3) as tf.Tensor3D;
    const C = geo.geom.channels;
    const W = ceChannelWeights(fn, cfg.weights, C);
    const { g } = t;
    const mask = t.mask ?? tf.onesLike(g);
    const counted = tf.greater(mask, 0);
    let total: tf.Tensor;
    let denom: tf.Tensor;
    if (C === 1) {
      const l = bceLogitsOf(T, x, g, W[0]);
      total = tf.sum(tf.where(counted, l, tf.zerosLike(l)));
      denom = tf.sum(mask);
    } else {
      const eps = cfg.labelSmoothing;
      const Wc = channelRow(W, t);
      // As the core: a pixel counts when its channel-0 element is not ignored (label maps mask whole pixels).
      const first: [number, number, number] = [-1, -1, -1];
      first[t.channelAxis] = 1;
      const pixelValid = tf.greater(tf.slice(mask, [0, 0, 0], first), 0);
      const coef = tf.mul(Wc, smoothTargetOf(T, g, eps, C));
      const side = crossEntropySideOf(T, logSoftmaxOn(x, t.channelAxis));
      const pixel = tf.sum(tf.mul(coef, side), t.channelAxis, true);
      total = tf.sum(tf.where(pixelValid, pixel, tf.zerosLike(pixel)));
      // (tf.ones, not onesLike(pixel): the count must not hang on the gradient tape of the logits.)
      const per = labelMap ? tf.sum(tf.mul(Wc, g), t.channelAxis, true) : tf.ones(pixel.shape);
      denom = tf.sum(tf.where(pixelValid, per, tf.zerosLike(per)));
    }
    if (cfg.reduction !== 'mean') return total as tf.Scalar;
    return tf.where(
      tf.greater(denom, 0),
      tf.div(total, tf.where(tf.greater(denom, 0), denom, tf.onesLike(denom))),
      tf.zerosLike(total),
    ) as tf.Scalar;
  };
}
