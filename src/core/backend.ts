/**
 * Which kernels the core runs on in this runtime.
 * @module
 */
import { BINARY_RELAXED_BASE64 } from './kernels/binaryRelaxed.bytes.js';
import { binaryWasmAvailable } from './kernels/binaryWasm.js';
import { ELEMENTWISE_RELAXED_BASE64 } from './kernels/elementwiseRelaxed.bytes.js';
import { elementwiseWasmAvailable } from './kernels/elementwiseWasm.js';
import { regionWasmAvailable } from './kernels/regionWasm.js';
import { SOFTMAX_MAX_C, softmaxWasmAvailable } from './kernels/softmaxRegion.js';
import { SOFTMAX_RELAXED_BASE64 } from './kernels/softmaxRelaxed.bytes.js';
import { relaxedSimd, relaxedSimdEnabled, setRelaxedSimdEnabled } from './kernels/wasmModule.js';
import { formatValue, typeError } from './validate.js';

/**
 * The kernels behind the region losses and metrics (Dice, Jaccard, F-score, IoU, …) and the cross-entropy and
 * focal losses, for float32 data.
 */
export type KernelBackend = 'wasm-simd' | 'js';

/**
 * The kernels of one module in `kernelBackend('modules')`: `'wasm-relaxed-simd'` when it runs its relaxed-SIMD
 * variant (fused multiply-adds and lane selects; see {@link setRelaxedSimd}), else as {@link KernelBackend}.
 */
export type ModuleBackend = KernelBackend | 'wasm-relaxed-simd';

/** Which kernels each embedded WebAssembly module's work runs on: `kernelBackend('modules')`. */
export interface KernelModules {
  /**
   * Region statistics and gradients from probabilities (every preset; sm's Dice, Jaccard, F-score, IoU, …).
   * Never relaxed: its gradients are the JS kernels' bits.
   */
  region: KernelBackend;
  /**
   * Region losses from logits with softmax (C = 2…8): `'wasm-simd'` or `'wasm-relaxed-simd'` only when every
   * C's module compiles (and, for the latter, runs relaxed).
   */
  softmaxRegion: ModuleBackend;
  /** Cross-entropy and focal losses (sm's, and `focalLoss` with softmax from logits). */
  elementwise: ModuleBackend;
  /**
   * Binary cross-entropy and focal losses, per element: sm's `binaryCrossentropy` and `binaryFocalLoss`, and
   * `focalLoss` with the sigmoid (MONAI `FocalLoss(use_softmax=False)`, smp `FocalLoss` binary / multilabel).
   */
  binary: ModuleBackend;
}

/**
 * `'wasm-simd'` when the core's embedded WebAssembly SIMD kernels (region, and cross-entropy / focal) run here
 * (Node 20, current browsers), `'js'` when they cannot (no WebAssembly SIMD, or a content security policy
 * without `'wasm-unsafe-eval'`); the region results agree either way to the order of float64 additions; the
 * cross-entropy and focal kernels compute their terms in float32 (exp and log within 1 ulp), so values and
 * gradients agree with the JS kernels' float64 ones to about 1e-6 relative (of the largest gradient entry).
 * The first call instantiates the region, elementwise and binary modules (3.7, 57.7 and 44.2 KB; the relaxed
 * variants of the last two: 56.0 and 42.0 KB).
 *
 * `kernelBackend('modules')` reports each module apart, `{ region, softmaxRegion, elementwise, binary }`, each
 * `'wasm-simd'` or `'js'`, or `'wasm-relaxed-simd'` for the three modules with a relaxed-SIMD variant where it
 * runs (Node ≥ 22, Chromium ≥ 114, Node 20 with `--experimental-wasm-relaxed-simd`; see {@link setRelaxedSimd}).
 * The summary `kernelBackend()` reads `'wasm-simd'` either way. `softmaxRegion` covers the fused from-logits
 * region kernels, one 6–22 KB module per channel count C = 2…8 (this call compiles the ones not yet compiled);
 * it reads `'js'` where one of them cannot compile, e.g. on a Chrome main thread, which compiles at most 4 KiB
 * synchronously. Calls then take the JS loops, with the same results to float32 rounding.
 *
 * @param detail - `'modules'` for the per-module record. @default none (one summary value)
 * @example
 * import { kernelBackend } from 'segkit';
 * kernelBackend(); // 'wasm-simd'
 * kernelBackend('modules'); // on Node 20 (on Node 22: 'wasm-relaxed-simd' but for region)
 * // { region: 'wasm-simd', softmaxRegion: 'wasm-simd', elementwise: 'wasm-simd', binary: 'wasm-simd' }
 */
export function kernelBackend(): KernelBackend;
export function kernelBackend(detail: 'modules'): KernelModules;
export function kernelBackend(detail?: 'modules'): KernelBackend | KernelModules {
  const of = (on: boolean): KernelBackend => (on ? 'wasm-simd' : 'js');
  // After the module is instantiated (available), relaxedSimd(base64) tells which bytes it took.
  const ofRelaxed = (on: boolean, relaxed: () => boolean): ModuleBackend =>
    on && relaxed() ? 'wasm-relaxed-simd' : of(on);
  if (detail === 'modules') {
    let softmax = true;
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) softmax = softmaxWasmAvailable(C) && softmax;
    const softmaxRelaxed = (): boolean => {
      for (let C = 2; C <= SOFTMAX_MAX_C; C++)
        if (!relaxedSimd(SOFTMAX_RELAXED_BASE64[C] ?? '')) return false;
      return true;
    };
    return {
      region: of(regionWasmAvailable()),
      softmaxRegion: ofRelaxed(softmax, softmaxRelaxed),
      elementwise: ofRelaxed(elementwiseWasmAvailable(), () => relaxedSimd(ELEMENTWISE_RELAXED_BASE64)),
      binary: ofRelaxed(binaryWasmAvailable(), () => relaxedSimd(BINARY_RELAXED_BASE64)),
    };
  }
  if (detail !== undefined) {
    throw typeError('kernelBackend', `detail must be 'modules' or left out; got ${formatValue(detail)}.`);
  }
  return of(regionWasmAvailable() && elementwiseWasmAvailable() && binaryWasmAvailable());
}

/**
 * Turns the relaxed-SIMD kernels off (`false`) or back on (`true`, the default). Relaxed SIMD (WebAssembly
 * `f32x4.relaxed_madd`, `relaxed_nmadd`, `i32x4.relaxed_laneselect`) lets the softmax-region, cross-entropy /
 * focal and binary kernels use the CPU's fused multiply-add: 6–13 % faster from logits, with results within
 * float32 rounding of the plain SIMD128 kernels, but a multiply-add may or may not be fused depending on the
 * CPU, so the last bits of a float32 result can differ between machines. Switch it off for results that are
 * the same bits on every machine (those of the SIMD128 kernels). The runtime decides whether relaxed SIMD is
 * there at all: Node ≥ 22, Chromium ≥ 114; Node 20 only with `--experimental-wasm-relaxed-simd`; elsewhere the
 * SIMD128 kernels run whatever this switch says. Takes effect from the next call (each setting keeps its own
 * instantiated modules), for the whole process: `segkit/tfjs` and the CommonJS builds, which carry their own copy of
 * the core, obey the same switch. `kernelBackend('modules')` tells which modules run relaxed.
 *
 * @param enabled - true to use relaxed SIMD where the runtime has it. @default true (before any call)
 * @returns the previous setting.
 * @example
 * import { kernelBackend, setRelaxedSimd } from 'segkit';
 * setRelaxedSimd(false); // true (the previous setting)
 * kernelBackend('modules').elementwise; // 'wasm-simd'
 */
export function setRelaxedSimd(enabled: boolean): boolean {
  if (typeof enabled !== 'boolean') {
    throw typeError('setRelaxedSimd', `enabled must be a boolean; got ${formatValue(enabled)}.`);
  }
  const was = relaxedSimdEnabled();
  setRelaxedSimdEnabled(enabled);
  return was;
}
