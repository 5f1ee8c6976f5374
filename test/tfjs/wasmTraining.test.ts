/**
 * registerWasmTrainingKernels(): the wasm backend's conv2d gradients (input and filter) equal the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/tfjs/index.js';
import { gradMismatch } from '../helpers/vectors.js';
import { rng, useBackend } from './setup.js';

function gradients(
  xShape: [number, number, number, number],
  fShape: [number, number, number, number],
  strides: number,
  pad: 'same' | 'valid',
): Float32Array[] {
  const rand = rng(5);
  const x = tf.tensor4d(
    Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, () => rand() - 0.5),
    xShape,
  );
  const f = tf.tensor4d(
    Float32Array.from({ length: fShape.reduce((a, b) => a * b) }, () => rand() - 0.5),
    fShape,
  );
  const [gx, gf] = tf.grads((a: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, strides, pad))),
  )([x, f]);
  const data = [gx.dataSync() as Float32Array, gf.dataSync() as Float32Array];
  tf.dispose([x, f, gx, gf]);
  return data;
}

describe('registerWasmTrainingKernels', () => {
  it.each([
    ['3×3 same, stride 1', [2, 9, 7, 3], [3, 3, 3, 4], 1, 'same'],
    ['3×3 valid, stride 2', [2, 9, 8, 2], [3, 3, 2, 5], 2, 'valid'],
    ['2×2 same, stride 2', [1, 6, 6, 4], [2, 2, 4, 3], 2, 'same'],
    ['1×1', [3, 5, 5, 2], [1, 1, 2, 2], 1, 'same'],
    ['3×3 same, stride 2 (odd size)', [1, 7, 9, 2], [3, 3, 2, 2], 2, 'same'],
    ['5×5 valid, stride 3', [1, 11, 10, 1], [5, 5, 1, 2], 3, 'valid'],
  ] as const)(
    'the wasm input and filter gradients of a %s convolution equal the cpu backend',
    async (_, xs, fs, s, pad) => {
      await useBackend('cpu');
      const expected = gradients([...xs], [...fs], s, pad);
      registerWasmTrainingKernels();
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const actual = gradients([...xs], [...fs], s, pad);
      expect(tf.memory().numTensors).toBe(before);
      expect(gradMismatch(actual[0], expected[0], 1e-5)).toBe(-1);
      expect(gradMismatch(actual[1], expected[1], 1e-5)).toBe(-1);
    },
  );
});
