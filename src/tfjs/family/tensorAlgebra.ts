/**
 * The core's numeric {@link Algebra} (src/core/algebra.ts) on TF.js tensors, so the op path runs the score
 * table's formulas (src/core/scores.ts: `ratioScoreOf`, `classTermOf`, `reduceTermsOf`, …) as tensor ops on the
 * backend, nothing read back, differentiated by TF.js autodiff.
 *
 * Comparisons hide in a custom op whose gradient is 0: TF.js registers no gradient for them, and a condition
 * computed from a differentiated tensor would otherwise break the tape.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Algebra } from '../../core/algebra.js';

/** A comparison of `x` with a constant, as a constant of the gradient tape. */
function compare(op: (x: tf.Tensor, c: number) => tf.Tensor): (x: tf.Tensor, c: number) => tf.Tensor {
  return (x, c) =>
    tf.customGrad((...args) => {
      const [v] = args as unknown as [tf.Tensor];
      return { value: op(v, c), gradFunc: () => [tf.zerosLike(v)] };
    })(x);
}

/** A number or a tensor as a tensor of `like`'s shape (for `where`, which needs both sides as tensors). */
function full(v: tf.Tensor | number, like: tf.Tensor): tf.Tensor {
  return typeof v === 'number' ? tf.fill(like.shape, v) : v;
}

/**
 * The algebra of TF.js tensors (float32, broadcasting as TF.js does).
 * @example ratioScoreOf(tensorAlgebra, fScoreShape(1), tp, fp, fn).s // a tensor of Dice scores
 */
export const tensorAlgebra: Algebra<tf.Tensor, tf.Tensor> = {
  add: (x, y) => tf.add(x, y),
  sub: (x, y) => tf.sub(x, y),
  mul: (x, y) => tf.mul(x, y),
  div: (x, y) => tf.div(x, y),
  neg: (x) => tf.neg(x),
  abs: (x) => tf.abs(x),
  log: (x) => tf.log(x),
  log1p: (x) => tf.log1p(x),
  exp: (x) => tf.exp(x),
  sqrt: (x) => tf.sqrt(x),
  pow: (x, e) => tf.pow(x, e),
  max: (x, c) => tf.maximum(x, c),
  clip: (x, lo, hi) => tf.clipByValue(x, lo, hi),
  softplus: (x) => tf.softplus(x),
  sigmoid: (x) => tf.sigmoid(x),
  gt: compare((x, c) => tf.greater(x, c)),
  lt: compare((x, c) => tf.less(x, c)),
  eq: compare((x, c) => tf.equal(x, c)),
  not: (m) => tf.logicalNot(m),
  where: (m, x, y) => tf.where(m, full(x, m), full(y, m)),
};
