/**
 * Which kernels the core runs on in this runtime.
 * @module
 */
import { elementwiseWasmAvailable } from './kernels/elementwiseWasm.js';
import { regionWasmAvailable } from './kernels/regionWasm.js';

/**
 * The kernels behind the region losses and metrics (Dice, Jaccard, F-score, IoU, …) and the cross-entropy and
 * focal losses, for float32 data.
 */
export type KernelBackend = 'wasm-simd' | 'js';

/**
 * `'wasm-simd'` when the core's embedded WebAssembly SIMD kernels (region, and cross-entropy / focal) run here (Node 20, current browsers), `'js'`
 * when they cannot (no WebAssembly SIMD, or a content security policy without `'wasm-unsafe-eval'`); the
 * region results agree either way to the order of float64 additions; the cross-entropy and focal kernels
 * compute their terms in float32 (exp and log within 1 ulp), so values and gradients agree with the JS
 * kernels' float64 ones to about 1e-6 relative (of the largest gradient entry). The first call instantiates the 3.4 KB
 * region module and the 10.7 KB elementwise module.
 *
 * @example
 * import { kernelBackend } from 'segkit';
 * console.log(kernelBackend()); // 'wasm-simd'
 */
export function kernelBackend(): KernelBackend {
  return regionWasmAvailable() && elementwiseWasmAvailable() ? 'wasm-simd' : 'js';
}
