/**
 * Which kernels the core runs on in this runtime.
 * @module
 */
import { binaryWasmAvailable } from './kernels/binaryWasm.js';
import { elementwiseWasmAvailable } from './kernels/elementwiseWasm.js';
import { regionWasmAvailable } from './kernels/regionWasm.js';
import { SOFTMAX_MAX_C, softmaxWasmAvailable } from './kernels/softmaxRegion.js';
import { formatValue, typeError } from './validate.js';

/**
 * The kernels behind the region losses and metrics (Dice, Jaccard, F-score, IoU, …) and the cross-entropy and
 * focal losses, for float32 data.
 */
export type KernelBackend = 'wasm-simd' | 'js';

/** Which kernels each embedded WebAssembly module's work runs on: `kernelBackend('modules')`. */
export interface KernelModules {
  /** Region statistics and gradients from probabilities (every preset; sm's Dice, Jaccard, F-score, IoU, …). */
  region: KernelBackend;
  /** Region losses from logits with softmax (C = 2…8): `'wasm-simd'` only when every C's module compiles. */
  softmaxRegion: KernelBackend;
  /** Cross-entropy and focal losses (sm's, and `focalLoss` with softmax from logits). */
  elementwise: KernelBackend;
  /**
   * Binary cross-entropy and focal losses, per element: sm's `binaryCrossentropy` and `binaryFocalLoss`, and
   * `focalLoss` with the sigmoid (MONAI `FocalLoss(use_softmax=False)`, smp `FocalLoss` binary / multilabel).
   */
  binary: KernelBackend;
}

/**
 * `'wasm-simd'` when the core's embedded WebAssembly SIMD kernels (region, and cross-entropy / focal) run here
 * (Node 20, current browsers), `'js'` when they cannot (no WebAssembly SIMD, or a content security policy
 * without `'wasm-unsafe-eval'`); the region results agree either way to the order of float64 additions; the
 * cross-entropy and focal kernels compute their terms in float32 (exp and log within 1 ulp), so values and
 * gradients agree with the JS kernels' float64 ones to about 1e-6 relative (of the largest gradient entry).
 * The first call instantiates the region, elementwise and binary modules (3.7, 58.1 and 44.2 KB).
 *
 * `kernelBackend('modules')` reports each module apart, `{ region, softmaxRegion, elementwise, binary }`, each
 * `'wasm-simd'` or `'js'`. `softmaxRegion` covers the fused from-logits region kernels, one 6–22 KB module per
 * channel count C = 2…8 (this call compiles the ones not yet compiled); it reads `'js'` where one of them
 * cannot compile, e.g. on a Chrome main thread, which compiles at most 4 KiB synchronously. Calls then take
 * the JS loops, with the same results to float32 rounding.
 *
 * @param detail - `'modules'` for the per-module record. @default none (one summary value)
 * @example
 * import { kernelBackend } from 'segkit';
 * kernelBackend(); // 'wasm-simd'
 * kernelBackend('modules');
 * // { region: 'wasm-simd', softmaxRegion: 'wasm-simd', elementwise: 'wasm-simd', binary: 'wasm-simd' }
 */
export function kernelBackend(): KernelBackend;
export function kernelBackend(detail: 'modules'): KernelModules;
export function kernelBackend(detail?: 'modules'): KernelBackend | KernelModules {
  const of = (on: boolean): KernelBackend => (on ? 'wasm-simd' : 'js');
  if (detail === 'modules') {
    let softmax = true;
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) softmax = softmaxWasmAvailable(C) && softmax;
    return {
      region: of(regionWasmAvailable()),
      softmaxRegion: of(softmax),
      elementwise: of(elementwiseWasmAvailable()),
      binary: of(binaryWasmAvailable()),
    };
  }
  if (detail !== undefined) {
    throw typeError('kernelBackend', `detail must be 'modules' or left out; got ${formatValue(detail)}.`);
  }
  return of(regionWasmAvailable() && elementwiseWasmAvailable() && binaryWasmAvailable());
}
