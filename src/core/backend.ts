/**
 * Which kernels the core runs on in this runtime.
 * @module
 */
import { regionWasmAvailable } from './kernels/regionWasm.js';

/** The kernels behind the region losses and metrics for float32 data (Dice, Jaccard, F-score, IoU, …). */
export type KernelBackend = 'wasm-simd' | 'js';

/**
 * `'wasm-simd'` when the core's embedded WebAssembly SIMD kernels run here (Node 20, current browsers), `'js'`
 * when they cannot (no WebAssembly SIMD, or a content security policy without `'wasm-unsafe-eval'`); the
 * results agree either way, to the order of float64 additions. The first call instantiates the 3.4 KB
 * module.
 *
 * @example
 * import { kernelBackend } from 'segkit';
 * console.log(kernelBackend()); // 'wasm-simd'
 */
export function kernelBackend(): KernelBackend {
  return regionWasmAvailable() ? 'wasm-simd' : 'js';
}
