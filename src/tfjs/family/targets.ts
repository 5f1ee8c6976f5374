/**
 * The loss family's inputs as TF.js tensors, for the op path of GPU backends (no read-back): the shape checks
 * of the core (its own messages), label-map or dense targets as a dense float32 tensor with an `ignoreIndex`
 * mask, and the activation of logits by TF.js ops (autodiff differentiates it).
 *
 * Every tensor here is a 3-D view of the input: `[N, pixels, C]` (channels-last) or `[N, C, pixels]`
 * (channels-first), so every reduction runs over one pixel axis whatever the number of spatial dimensions.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Activation, checkTargets, resolveActivation } from '../../core/family/input.js';
import type { BatchGeometry, Layout, NdArray } from '../../core/types.js';
import { checkNdArray, checkSameShape } from '../../core/validate.js';
import { asFloat, checkNumericTensors } from '../input.js';

/** The 3-D geometry of a checked `(yTrue, yPred)` pair on the op path. */
export interface OpsGeometry {
  readonly geom: BatchGeometry;
  /** `[N, pixels, C]` or `[N, C, pixels]`. */
  readonly shape3: [number, number, number];
  readonly channelAxis: 1 | 2;
  readonly pixelAxis: 1 | 2;
}

/** Dense targets of the op path: `g` (0 where ignored) and the mask (1 = counts), both 3-D float32. */
export interface OpsTargets extends OpsGeometry {
  g: tf.Tensor3D;
  /** `null` when nothing can be ignored (no `ignoreIndex`). */
  mask: tf.Tensor3D | null;
  /** True when `yTrue` was a label map. */
  labelMap: boolean;
}

/**
 * A stand-in `{ data, shape }` of a tensor for the core's shape checks: an empty array whose `length` is the
 * tensor's size (no element is allocated or read).
 */
export function shapeOnly(t: tf.Tensor): NdArray {
  const data: number[] = [];
  data.length = t.size;
  return { data, shape: t.shape };
}

/**
 * Checks `yTrue` / `yPred` as the core checks `gt` / `pr` (same messages: `gt` may be a label map of shape
 * `[N, ...spatial]`), without reading any value.
 */
export function checkOpsInputs(
  fn: string,
  yTrue: unknown,
  yPred: unknown,
  layout: Layout,
): { geo: OpsGeometry; labelMap: boolean } {
  checkNumericTensors(fn, yTrue, yPred);
  const t = yTrue as tf.Tensor;
  const p = yPred as tf.Tensor;
  const { geom, labelMap } = checkTargets(fn, shapeOnly(t), shapeOnly(p), layout);
  const last = layout === 'channelsLast';
  return {
    geo: {
      geom,
      shape3: last ? [geom.batch, geom.pixels, geom.channels] : [geom.batch, geom.channels, geom.pixels],
      channelAxis: last ? 2 : 1,
      pixelAxis: last ? 1 : 2,
    },
    labelMap,
  };
}

/** The core's checks of `gt` and `pr` of the same shape (rank ≥ `minRank`), on the tensors' shapes. */
export function checkSameShapeOps(fn: string, yTrue: unknown, yPred: unknown, minRank = 1): void {
  checkNumericTensors(fn, yTrue, yPred);
  const gt = checkNdArray(fn, 'gt', shapeOnly(yTrue), minRank);
  checkSameShape(fn, gt, checkNdArray(fn, 'pr', shapeOnly(yPred as tf.Tensor), minRank));
}

/**
 * Dense 3-D targets of `yTrue` on `geo`. Dense targets: `g = yTrue`, and with `ignoreIndex` the mask of the
 * elements that differ from it (`g` zeroed where ignored), as the core. A label map: one-hot over the
 * channels (or the label itself with one channel), every channel of a pixel labelled `ignoreIndex` masked.
 * A label that is neither a class index nor `ignoreIndex` cannot be reported without reading the tensor on a
 * GPU: it makes `g` NaN at its pixel, so the loss is NaN (never a silent number); the core path throws.
 */
export function opsTargets(
  yTrue: tf.Tensor,
  geo: OpsGeometry,
  labelMap: boolean,
  ignoreIndex: number | undefined,
): OpsTargets {
  const { shape3, channelAxis } = geo;
  const { batch, pixels, channels: C } = geo.geom;
  if (!labelMap) {
    const g = tf.reshape(asFloat(yTrue), shape3) as tf.Tensor3D;
    if (ignoreIndex === undefined) return { ...geo, g, mask: null, labelMap };
    const mask = tf.cast(tf.notEqual(g, ignoreIndex), 'float32') as tf.Tensor3D;
    return { ...geo, g: tf.mul(g, mask) as tf.Tensor3D, mask, labelMap };
  }
  const labels = tf.reshape(asFloat(yTrue), [batch, pixels]);
  const hi = C === 1 ? 1 : C - 1;
  const valid = tf.logicalAnd(
    tf.logicalAnd(tf.greaterEqual(labels, 0), tf.lessEqual(labels, hi)),
    tf.equal(labels, tf.round(labels)),
  );
  const ignored = ignoreIndex === undefined ? null : tf.equal(labels, ignoreIndex);
  const keep = ignored === null ? null : tf.logicalNot(ignored);
  // NaN where a label is invalid (and not ignored), 0 elsewhere.
  const bad = tf.where(
    keep === null ? valid : tf.logicalOr(valid, ignored!),
    tf.zerosLike(labels),
    tf.fill(labels.shape, NaN),
  );
  const safe = tf.where(valid, labels, tf.zerosLike(labels));
  let dense: tf.Tensor; // [N, pixels, C]
  if (C === 1) dense = tf.reshape(safe, [batch, pixels, 1]);
  else dense = tf.oneHot(tf.cast(safe, 'int32'), C, 1, 0, 'float32');
  dense = tf.add(dense, tf.reshape(bad, [batch, pixels, 1]));
  let mask: tf.Tensor | null = null;
  if (keep !== null) {
    const m = tf.reshape(tf.cast(keep, 'float32'), [batch, pixels, 1]);
    dense = tf.mul(dense, m);
    mask = tf.mul(m, tf.ones([1, 1, C]));
  }
  const toView = (x: tf.Tensor) => (channelAxis === 2 ? x : tf.transpose(x, [0, 2, 1])) as tf.Tensor3D;
  return { ...geo, g: toView(dense), mask: mask === null ? null : toView(mask), labelMap };
}

/**
 * Probabilities from `yPred` (3-D view): the softmax over the channel axis (C > 1) or the sigmoid (C = 1, or
 * `activation`) when `fromLogits`, else `yPred` itself. TF.js ops: autodiff takes the gradient through them.
 */
export function opsActivate(
  yPred: tf.Tensor,
  geo: OpsGeometry,
  fromLogits: boolean,
  activation: Activation | undefined,
): tf.Tensor3D {
  const x = tf.reshape(asFloat(yPred), geo.shape3) as tf.Tensor3D;
  if (!fromLogits) return x;
  if (resolveActivation(activation, geo.geom.channels) === 'sigmoid') return tf.sigmoid(x);
  return softmaxOn(x, geo.channelAxis);
}

/** Softmax along `axis` (the last axis by `tf.softmax`; another by max-shifted exponentials). */
export function softmaxOn(x: tf.Tensor3D, axis: 1 | 2): tf.Tensor3D {
  if (axis === 2) return tf.softmax(x);
  return tf.exp(logSoftmaxOn(x, axis)) as tf.Tensor3D;
}

/**
 * log softmax along `axis`: x − max − log Σ exp(x − max), finite for logits of any size (the gradient through
 * the max cancels: Σ softmax = 1).
 */
export function logSoftmaxOn(x: tf.Tensor3D, axis: 1 | 2): tf.Tensor3D {
  if (axis === 2) return tf.logSoftmax(x);
  const shifted = tf.sub(x, tf.max(x, axis, true));
  return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axis, true))) as tf.Tensor3D;
}
