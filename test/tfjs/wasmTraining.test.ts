/**
 * registerWasmTrainingKernels(): the wasm backend's Conv2DBackpropFilter equals the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/tfjs/index.js';
import { gradMismatch } from '../helpers/vectors.js';
import { rng, useBackend } from './setup.js';

function filterGradient(
  xShape: [number, number, number, number],
  fShape: [number, number, number, number],
  strides: number,
  pad: 'same' | 'valid',
): Float32Array {
  const rand = rng(5);
  const x = tf.tensor4d(
    Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, () => rand() - 0.5),
    xShape,
  );
  const f = tf.tensor4d(
    Float32Array.from({ length: fShape.reduce((a, b) => a * b) }, () => rand() - 0.5),
    fShape,
  );
  const g = tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, w as tf.Tensor4D, strides, pad))))(f);
  const data = g.dataSync() as Float32Array;
  tf.dispose([x, f, g]);
  return data;
}

describe('registerWasmTrainingKernels', () => {
  it.each([
    ['3×3 same, stride 1', [2, 9, 7, 3], [3, 3, 3, 4], 1, 'same'],
    ['3×3 valid, stride 2', [2, 9, 8, 2], [3, 3, 2, 5], 2, 'valid'],
    ['2×2 same, stride 2', [1, 6, 6, 4], [2, 2, 4, 3], 2, 'same'],
    ['1×1', [3, 5, 5, 2], [1, 1, 2, 2], 1, 'same'],
  ] as const)(
    'the wasm filter gradient of a %s convolution equals the cpu backend',
    async (_, xs, fs, s, pad) => {
      await useBackend('cpu');
      const expected = filterGradient([...xs], [...fs], s, pad);
      registerWasmTrainingKernels();
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const actual = filterGradient([...xs], [...fs], s, pad);
      expect(tf.memory().numTensors).toBe(before);
      expect(gradMismatch(actual, expected, 1e-5)).toBe(-1);
    },
  );
});
