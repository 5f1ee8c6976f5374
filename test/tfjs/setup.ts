/**
 * Shared helpers of the TF.js tests: the backends under test and tensors built from reference vectors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NODE_BACKENDS, useBackend } from '../../src/cli/demo/backend.js';
import type { VectorCase, VectorTensor } from '../helpers/vectors.js';

export { useBackend };

/** Backends every TF.js test runs on (`webgl`/`webgpu` need a browser). */
export const BACKENDS = [...NODE_BACKENDS].reverse() as ('cpu' | 'wasm')[];

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
