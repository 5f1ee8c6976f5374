/**
 * Choosing a TensorFlow.js backend in Node: `cpu` (plain JavaScript) or `wasm` (XNNPACK with SIMD, the
 * demo's default). Also registers every gradient (through tfjs-layers), which training needs.
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../tfjs/index.js';
import type { NodeBackend } from './defaults.js';

export { NODE_BACKENDS, type NodeBackend } from './defaults.js';

let wasmPathsSet = false;

/**
 * Makes `name` the active backend. For `wasm`, points the loader at the `.wasm` binaries shipped in
 * `@tensorflow/tfjs-backend-wasm/dist/` (a file path with a trailing slash), so it works from the bundled
 * CLI too, and registers the filter gradient wasm lacks for training conv nets. Silences tfjs' "install tfjs-node" hint, which is not actionable here.
 * @throws Error when the backend fails to initialise.
 */
export async function useBackend(name: NodeBackend): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
    registerWasmTrainingKernels();
    wasmPathsSet = true;
  }
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`the TensorFlow.js backend '${name}' failed to initialise`);
    await tf.ready();
    tf.dispose(tf.scalar(0)); // the cpu backend prints its hint on the first write
  } finally {
    console.warn = warn;
  }
}
