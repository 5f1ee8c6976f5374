/**
 * segmentation_models' losses written as plain TF.js op compositions, line by line as sm writes them
 * (`base/functional.py`), differentiated by TF.js autodiff: the reference the fused `tf.customGrad` losses are
 * tested against, and the baseline of the TF.js benchmark.
 */
import * as tf from '@tensorflow/tfjs-core';

/** sm's keyword arguments (camelCase), as plain values. */
export interface CompositionOptions {
  beta?: number;
  smooth?: number;
  perImage?: boolean;
  classWeights?: number | number[];
  classIndexes?: number[];
  channelsFirst?: boolean;
  alpha?: number;
  gamma?: number;
}

const EPS = 1e-7;

/** sm's `gather_channels`, as slices (tf.gather has no gradient on the wasm backend). */
function gather(x: tf.Tensor, o: CompositionOptions): tf.Tensor {
  if (!o.classIndexes) return x;
  const axis = o.channelsFirst ? 1 : x.rank - 1;
  const parts = o.classIndexes.map((c) => {
    const begin = x.shape.map((_, i) => (i === axis ? c : 0));
    const size = x.shape.map((d, i) => (i === axis ? 1 : d));
    return tf.slice(x, begin, size);
  });
  return tf.concat(parts, axis);
}

function reduceAxes(x: tf.Tensor, o: CompositionOptions): number[] {
  const spatial = o.channelsFirst
    ? Array.from({ length: x.rank - 2 }, (_, i) => i + 2)
    : Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
  return o.perImage ? spatial : [0, ...spatial];
}

function weights(o: CompositionOptions): tf.Tensor | number {
  return Array.isArray(o.classWeights) ? tf.tensor1d(o.classWeights) : (o.classWeights ?? 1);
}

function average(score: tf.Tensor, o: CompositionOptions): tf.Scalar {
  const s = o.perImage ? tf.mean(score, 0) : score;
  return tf.mean(tf.mul(s, weights(o)));
}

/** sm `f_score` (soft). */
export function fScoreComposition(gt: tf.Tensor, pr: tf.Tensor, o: CompositionOptions = {}): tf.Scalar {
  const [g, p] = [gather(gt, o), gather(pr, o)];
  const axes = reduceAxes(g, o);
  const beta = o.beta ?? 1;
  const smooth = o.smooth ?? 1e-5;
  const tp = tf.sum(tf.mul(g, p), axes);
  const fp = tf.sub(tf.sum(p, axes), tp);
  const fn = tf.sub(tf.sum(g, axes), tp);
  const b2 = beta * beta;
  const score = tf.div(
    tf.add(tf.mul(1 + b2, tp), smooth),
    tf.add(tf.add(tf.add(tf.mul(1 + b2, tp), tf.mul(b2, fn)), fp), smooth),
  );
  return average(score, o);
}

/** sm `iou_score` (soft). */
export function iouComposition(gt: tf.Tensor, pr: tf.Tensor, o: CompositionOptions = {}): tf.Scalar {
  const [g, p] = [gather(gt, o), gather(pr, o)];
  const axes = reduceAxes(g, o);
  const smooth = o.smooth ?? 1e-5;
  const intersection = tf.sum(tf.mul(g, p), axes);
  const union = tf.sub(tf.sum(tf.add(g, p), axes), intersection);
  return average(tf.div(tf.add(intersection, smooth), tf.add(union, smooth)), o);
}

/** sm `DiceLoss`. */
export function diceComposition(gt: tf.Tensor, pr: tf.Tensor, o: CompositionOptions = {}): tf.Scalar {
  return tf.sub(1, fScoreComposition(gt, pr, o));
}

/** sm `JaccardLoss`. */
export function jaccardComposition(gt: tf.Tensor, pr: tf.Tensor, o: CompositionOptions = {}): tf.Scalar {
  return tf.sub(1, iouComposition(gt, pr, o));
}

/** sm `CategoricalFocalLoss`. */
export function categoricalFocalComposition(
  gt: tf.Tensor,
  pr: tf.Tensor,
  o: CompositionOptions = {},
): tf.Scalar {
  const [g, p] = [gather(gt, o), gather(pr, o)];
  const q = tf.clipByValue(p, EPS, 1 - EPS);
  const loss = tf.neg(
    tf.mul(g, tf.mul(tf.mul(o.alpha ?? 0.25, tf.pow(tf.sub(1, q), o.gamma ?? 2)), tf.log(q))),
  );
  return tf.mean(loss);
}

/** sm `BinaryFocalLoss`. */
export function binaryFocalComposition(gt: tf.Tensor, pr: tf.Tensor, o: CompositionOptions = {}): tf.Scalar {
  const alpha = o.alpha ?? 0.25;
  const gamma = o.gamma ?? 2;
  const q = tf.clipByValue(pr, EPS, 1 - EPS);
  const loss1 = tf.neg(tf.mul(gt, tf.mul(tf.mul(alpha, tf.pow(tf.sub(1, q), gamma)), tf.log(q))));
  const loss0 = tf.neg(
    tf.mul(tf.sub(1, gt), tf.mul(tf.mul(1 - alpha, tf.pow(q, gamma)), tf.log(tf.sub(1, q)))),
  );
  return tf.mean(tf.add(loss0, loss1));
}

/** sm `CategoricalCELoss` (class weights along the channel axis). */
export function categoricalCeComposition(
  gt: tf.Tensor,
  pr: tf.Tensor,
  o: CompositionOptions = {},
): tf.Scalar {
  const [g, p] = [gather(gt, o), gather(pr, o)];
  const axis = o.channelsFirst ? 1 : p.rank - 1;
  const r = tf.div(p, tf.sum(p, axis, true));
  const q = tf.clipByValue(r, EPS, 1 - EPS);
  let w = weights(o);
  if (typeof w !== 'number' && o.channelsFirst) w = tf.reshape(w, [-1, ...Array(p.rank - 2).fill(1)]);
  return tf.neg(tf.mean(tf.mul(tf.mul(g, tf.log(q)), w))) as tf.Scalar;
}

/** tf.keras 2.x `binary_crossentropy` as sm calls it. */
export function binaryCeComposition(gt: tf.Tensor, pr: tf.Tensor): tf.Scalar {
  const q = tf.clipByValue(pr, EPS, 1 - EPS);
  const bce = tf.add(
    tf.mul(gt, tf.log(tf.add(q, EPS))),
    tf.mul(tf.sub(1, gt), tf.log(tf.add(tf.sub(1, q), EPS))),
  );
  return tf.neg(tf.mean(bce)) as tf.Scalar;
}
