/**
 * Shared helpers of the TF.js tests: the backends under test and tensors built from reference vectors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NODE_BACKENDS, useBackend } from '../../src/cli/demo/backend.js';
import { rng } from '../core/random.js';
import { setComputePath, type ComputePath } from '../../src/tfjs/fromCore.js';
import type { VectorCase, VectorTensor } from '../helpers/vectors.js';

export { rng };

export { useBackend };

/** Backends every TF.js test runs on (`webgl`/`webgpu` need a browser). */
export const BACKENDS = [...NODE_BACKENDS].reverse() as ('cpu' | 'wasm')[];

/**
 * Every (backend, path) pair the Node tests run: the core's kernels on the tensors' data (`'core'`, the
 * default on cpu and wasm) and TF.js ops (`'ops'`, what GPU backends run).
 */
export const BACKEND_PATHS: ['cpu' | 'wasm', 'core' | 'ops'][] = BACKENDS.flatMap((b) =>
  (['core', 'ops'] as const).map((p): ['cpu' | 'wasm', 'core' | 'ops'] => [b, p]),
);

/** Makes `backend` active and forces `path` (see `setComputePath`). */
export async function useBackendPath(backend: 'cpu' | 'wasm', path: ComputePath): Promise<void> {
  await useBackend(backend);
  setComputePath(path);
}

/** A float32 tensor of a vector tensor (inputs are exact in float32). */
export function tensorOf(t: VectorTensor): tf.Tensor {
  return tf.tensor(Float32Array.from(t.data), t.shape, 'float32');
}

const CAMEL: Record<string, string> = {
  class_weights: 'classWeights',
  class_indexes: 'classIndexes',
  per_image: 'perImage',
};

/** sm keyword arguments → segkit options (camelCase, `layout` from the Keras data format). */
export function optionsOf(c: VectorCase): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) o[CAMEL[k] ?? k] = v;
  if (c.backend?.image_data_format === 'channels_first') o.layout = 'channelsFirst';
  return o;
}

/**
 * A seeded `(gt, pr)` pair of shape `[N, ...spatial, C]` (or `[N, C, ...spatial]`): pr a softmax over the
 * channels, gt one-hot; `emptyClass` leaves that class out of gt.
 */
export function randomPair(
  shape: number[],
  seed: number,
  layout: 'channelsLast' | 'channelsFirst' = 'channelsLast',
  emptyClass?: number,
): { gt: tf.Tensor; pr: tf.Tensor } {
  const rand = rng(seed);
  const C = layout === 'channelsLast' ? shape[shape.length - 1] : shape[1];
  const size = shape.reduce((a, b) => a * b, 1);
  const logits = tf.tensor(
    Float32Array.from({ length: size }, () => 4 * rand() - 2),
    shape,
  );
  const axis = layout === 'channelsLast' ? shape.length - 1 : 1;
  const pr = tf.tidy(() => tf.div(tf.exp(logits), tf.sum(tf.exp(logits), axis, true)));
  logits.dispose();
  const pixels = size / C;
  const labels = Int32Array.from({ length: pixels }, () => {
    let l = Math.floor(rand() * C);
    if (l === emptyClass) l = (l + 1) % C;
    return l;
  });
  const gt = tf.tidy(() => {
    const spatial = layout === 'channelsLast' ? shape.slice(0, -1) : [shape[0], ...shape.slice(2)];
    const oneHot = tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), C), [...spatial, C]);
    if (layout === 'channelsLast') return tf.cast(oneHot, 'float32');
    const perm = [0, shape.length - 1, ...Array.from({ length: shape.length - 2 }, (_, i) => i + 1)];
    return tf.cast(tf.transpose(oneHot, perm), 'float32');
  });
  return { gt, pr };
}
