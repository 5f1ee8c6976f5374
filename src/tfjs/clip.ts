/**
 * Keras' probability clip (`clip(p, ε, 1 − ε)`, ε = 1e-7) and the mask where its gradient passes, shared by
 * the cross-entropy and focal losses.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { EPSILON } from '../core/options.js';

/**
 * `clip(x, ε, 1 − ε)` with Keras' ε = 1e-7. For `1 − clip(p, ε, 1 − ε)` use `clipProbability(1 − p)`: the
 * same number, without float32's rounding of `1 − ε`.
 */
export function clipProbability(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(x, EPSILON, 1 - EPSILON);
}

/**
 * 1 where the clip passes the gradient (ε ≤ x ≤ 1 − ε, as TensorFlow's and PyTorch's clip gradients), else 0.
 */
export function clipMask(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.logicalAnd(tf.greaterEqual(x, EPSILON), tf.lessEqual(x, 1 - EPSILON)), 'float32');
}
