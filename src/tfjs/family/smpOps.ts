/**
 * smp's `MCCLoss`, `SoftCrossEntropyLoss` and `SoftBCEWithLogitsLoss` on the op path (GPU backends, no
 * read-back): the core's formulas (core/family/mcc.ts, crossEntropy.ts, softBce.ts) in TF.js ops, gradients by
 * autodiff. Options are the core's, resolved by its own resolvers.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SoftBceConfig } from '../../core/family/softBce.js';
import { geometryOf } from '../../core/validate.js';
import type { CrossEntropyConfig } from '../../core/family/crossEntropy.js';
import { checkSoftmaxChannels } from '../../core/losses/softCrossEntropyLoss.js';
import { asFloat } from '../input.js';
import { checkSameShapeOps } from './targets.js';
import { crossEntropyOps } from './elementwiseOps.js';
import { bceLogitsOf, smoothBinaryTargetOf } from '../../core/family/elementwiseTerms.js';
import type { OpsLossFn } from './opsLoss.js';
import { mccSidesOf } from '../../core/scores.js';
import { tensorAlgebra as T } from './tensorAlgebra.js';

/**
 * 1 − MCC of the soft counts over every element, each + ε: tp = Σp·g, fp = Σp(1 − g), fn = Σ(1 − p)g,
 * tn = Σ(1 − p)(1 − g); MCC = (tp·tn − fp·fn)/√((tp + fp)(tp + fn)(tn + fp)(tn + fn)) (Matthews 1975; smp
 * `MCCLoss`, Abhishek & Hamarneh 2021).
 */
export function mccOps(fn: string, eps: number): OpsLossFn {
  return (yTrue, yPred) => {
    checkSameShapeOps(fn, yTrue, yPred);
    const g = asFloat(yTrue);
    const p = asFloat(yPred);
    const n = p.size;
    const spg = tf.sum(tf.mul(p, g));
    const sp = tf.sum(p);
    const sg = tf.sum(g);
    const tp = tf.add(spg, eps);
    const fp = tf.add(tf.sub(sp, spg), eps);
    const fnC = tf.add(tf.sub(sg, spg), eps);
    const tn = tf.add(tf.add(tf.sub(tf.sub(n, sp), sg), spg), eps);
    // The table's MCC (core/scores.ts), as the core's mccFromCounts computes it.
    const { num, den } = mccSidesOf(T, tp, fp, fnC, tn);
    return tf.sub(1, tf.div(num, den)) as tf.Scalar;
  };
}

/** smp's soft cross-entropy: the summed cross-entropy of `cfg`, divided by every pixel for the mean. */
export function softCrossEntropyOps(
  fn: string,
  cfg: CrossEntropyConfig,
  reduction: 'mean' | 'sum',
): OpsLossFn {
  const ce = crossEntropyOps(fn, cfg);
  return (yTrue, yPred) => {
    const geom = geometryOf(yPred.shape, cfg.layout);
    checkSoftmaxChannels(fn, geom.channels);
    const total = ce(yTrue, yPred);
    return (reduction === 'mean' ? tf.div(total, geom.batch * geom.pixels) : total) as tf.Scalar;
  };
}

/**
 * smp's soft BCE from logits: t' = (1 − t)·s + t·(1 − s), ℓ = −(w·t'·log σ(x) + (1 − t')·log σ(−x)) with
 * `posWeight` w broadcast against `pr`; 0 where t = ignoreIndex; the mean divides by every element.
 */
export function softBceOps(fn: string, cfg: SoftBceConfig): OpsLossFn {
  return (yTrue, yPred) => {
    checkSameShapeOps(fn, yTrue, yPred);
    const t = asFloat(yTrue);
    const x = asFloat(yPred);
    const s = cfg.smoothFactor;
    const ts = smoothBinaryTargetOf(T, t, s);
    const w =
      typeof cfg.posWeight === 'number'
        ? cfg.posWeight
        : tf.tensor(Float32Array.from(cfg.posWeight.data), [...cfg.posWeight.shape]);
    const l = bceLogitsOf(T, x, ts, w);
    const kept =
      cfg.ignoreIndex === undefined ? l : tf.where(tf.notEqual(t, cfg.ignoreIndex), l, tf.zerosLike(l));
    const total = tf.sum(kept);
    return (cfg.reduction === 'mean' ? tf.div(total, x.size) : total) as tf.Scalar;
  };
}
