/**
 * Keras' probability clip (`clip(p, ε, 1 − ε)`, ε = 1e-7) and the mask where its gradient passes, shared by
 * the cross-entropy and focal losses. The clip is the core's `kerasClipOf` (core/family/elementwiseTerms.ts)
 * on tensors.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { KERAS_CLIP_HI, KERAS_CLIP_LO, kerasClipOf } from '../core/family/elementwiseTerms.js';
import { tensorAlgebra } from './family/tensorAlgebra.js';

/**
 * `clip(x, ε, 1 − ε)` with Keras' ε = 1e-7. For `1 − clip(p, ε, 1 − ε)` use `clipProbability(1 − p)`: the
 * same number, without float32's rounding of `1 − ε`.
 */
export function clipProbability(x: tf.Tensor): tf.Tensor {
  return kerasClipOf(tensorAlgebra, x);
}

/**
 * 1 where the clip passes the gradient (ε ≤ x ≤ 1 − ε, as TensorFlow's and PyTorch's clip gradients), else 0.
 */
export function clipMask(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.logicalAnd(tf.greaterEqual(x, KERAS_CLIP_LO), tf.lessEqual(x, KERAS_CLIP_HI)), 'float32');
}
