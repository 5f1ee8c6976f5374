/**
 * WebAssembly SIMD versions of the two region passes (`sumsAdjacent`, `affineAdjacent`) for contiguous runs
 * of whole pixels of float32 data, the common case (channels-last with every channel selected, or a
 * channels-first plane).
 *
 * Why: the JavaScript loops are bound by per-element work (a float32 load, a conversion and two or three
 * float64 operations, each with its bounds check), not by memory; with 4-lane SIMD and native copies the two
 * passes run near memory speed. The kernels can only address their own memory, so the driver streams the
 * caller's arrays through three 64 KiB scratch blocks with `TypedArray.prototype.set` (a native copy that
 * stays in cache) and copies each gradient block back out. The module is 2.7 KB and needs no dependency; where
 * WebAssembly or its SIMD is unavailable (or a content security policy forbids it), the JS kernels run instead.
 *
 * Results equal the JS kernels' up to the order of float64 additions in pass 1; pass 2 rounds `a·g + b` from
 * float64 to float32 exactly as JS does. Source: scripts/build-wasm.mjs.
 * @module
 */
import { affineAdjacent } from './affineGrad.js';
import { REGION_KERNELS_HEX } from './regionWasm.bytes.js';
import { sumsAdjacent } from './regionStats.js';

/** Memory layout of the module (scripts/build-wasm.mjs → LAYOUT), in bytes. */
const ACC = 0;
const COEF = 512;
const SCRATCH_AT = 1024;
const SCRATCH = 16384;
/** The same as float64 indexes: Σxy, Σx, Σy and the coefficients a, b, each 16 lane positions long. */
const SUM_XY = ACC / 8;
const SUM_X = SUM_XY + 16;
const SUM_Y = SUM_XY + 32;
const COEF_A = COEF / 8;
const COEF_B = COEF_A + 16;
/** Widest channel period the module has kernels for (4-lane vectors). */
const MAX_V = 3;
/** Below this many elements a run stays on the JS kernels (the copies and calls would not pay). */
export const WASM_MIN_ELEMENTS = 8192;

type Kernel = (a: number, b: number, n: number) => void;

interface RegionKernels {
  sums: Kernel[];
  affine: Kernel[];
  /** ACC and COEF as float64 (SUM_XY, SUM_X, SUM_Y, COEF_A, COEF_B). */
  f64: Float64Array;
  /** The three scratch blocks. */
  s0: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

/** The part of the WebAssembly API used here (the core is typed against the ECMAScript library alone). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: object,
  ) => { exports: Record<string, unknown> & { memory: { buffer: ArrayBuffer } } };
}

let kernels: RegionKernels | null | undefined;
let enabled = true;
let minElements = WASM_MIN_ELEMENTS;
/** Runs that took the WebAssembly kernels since the module loaded (both passes): lets tests check the path. */
let wasmRuns = 0;

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function instantiate(): RegionKernels | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    const { exports } = new wasm.Instance(new wasm.Module(hexBytes(REGION_KERNELS_HEX)), {});
    const buffer = exports.memory.buffer;
    const sums: Kernel[] = [];
    const affine: Kernel[] = [];
    for (let V = 1; V <= MAX_V; V++) {
      sums[V] = exports[`sums${V}`] as Kernel;
      affine[V] = exports[`affine${V}`] as Kernel;
    }
    return {
      sums,
      affine,
      f64: new Float64Array(buffer, ACC, (SCRATCH_AT - ACC) / 8),
      s0: new Float32Array(buffer, SCRATCH_AT, SCRATCH),
      s1: new Float32Array(buffer, SCRATCH_AT + 4 * SCRATCH, SCRATCH),
      s2: new Float32Array(buffer, SCRATCH_AT + 8 * SCRATCH, SCRATCH),
    };
  } catch {
    // No SIMD, a CSP without 'wasm-unsafe-eval', or a main thread that refuses synchronous compilation.
    return null;
  }
}

function regionKernels(): RegionKernels | null {
  if (!enabled) return null;
  if (kernels === undefined) kernels = instantiate();
  return kernels;
}

/**
 * Turns the WebAssembly kernels off (or back on), and sets the run length from which they are used: for
 * tests and benchmarks that compare them with the JS kernels. Not part of the public API.
 * @internal
 */
export function setRegionWasmEnabled(on: boolean, fromElements = WASM_MIN_ELEMENTS): void {
  enabled = on;
  minElements = fromElements;
}

/** How many runs have taken the WebAssembly kernels so far. @internal */
export function regionWasmRuns(): number {
  return wasmRuns;
}

/** True when the WebAssembly kernels are enabled and could be instantiated here. */
export function regionWasmAvailable(): boolean {
  return regionKernels() !== null;
}

/** Vectors per period of the channel pattern: lcm(C, 4) / 4. */
function vectorsPerPeriod(C: number): number {
  return C % 4 === 0 ? C / 4 : C % 2 === 0 ? C / 2 : C;
}

/**
 * Elements per block: a multiple of every period (4, 8 and 12 elements) whose byte length is 64 short of a
 * multiple of 4096. glibc's `memmove` (behind `TypedArray.prototype.set`) runs several times slower when the
 * destination sits a few bytes past the source modulo 4096 (measured: 245 ms instead of 70 ms for
 * dice_prob_large at one input offset); with this length the distance moves by 64 bytes from one block to
 * the next, so whatever the caller's alignment, at most one block in 64 falls on a slow one.
 */
const BLOCK = SCRATCH - 16;

/**
 * The whole-period part `[start, main)` of a run; the remaining `[main, end)` (less than one period) goes to
 * the JS kernels.
 */
function wholePeriods(start: number, end: number, V: number): number {
  const period = 4 * V;
  return start + Math.floor((end - start) / period) * period;
}

/** The kernels for a run of `count` interleaved channels over `length` elements, or null for the JS path. */
function kernelsFor(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  count: number,
  length: number,
): { k: RegionKernels; V: number } | null {
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || length < minElements) return null;
  const V = vectorsPerPeriod(count);
  if (V > MAX_V) return null;
  const k = regionKernels();
  if (k === null) return null;
  wasmRuns++;
  return { k, V };
}

/**
 * As {@link sumsAdjacent} for a contiguous run of whole pixels (`step === count`, `start` at a pixel's first
 * channel): adds `Σ a·b` and `Σ (b + μ·a)` of each of the `count` channels to `out[at + 2k]`,
 * `out[at + 2k + 1]`. Uses the WebAssembly kernels for float32 data when it can, else the JS ones.
 */
export function sumsPixels(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  start: number,
  end: number,
  count: number,
  mu: number,
  out: Float64Array,
  at: number,
): void {
  const use = kernelsFor(a, b, count, end - start);
  if (use === null) {
    sumsAdjacent(a, b, start, end, count, count, mu, out, at);
    return;
  }
  const { k, V } = use;
  const main = wholePeriods(start, end, V);
  k.f64.fill(0, SUM_XY, SUM_Y + 16);
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    k.s0.set(a.subarray(s, e));
    k.s1.set(b.subarray(s, e));
    k.sums[V](SCRATCH_AT, SCRATCH_AT + 4 * SCRATCH, e - s);
  }
  // Lane position q of the period holds channel q mod count (runs start on a pixel, blocks are whole periods).
  for (let q = 0; q < 4 * V; q++) {
    const c = at + 2 * (q % count);
    out[c] += k.f64[SUM_XY + q];
    out[c + 1] += k.f64[SUM_Y + q] + mu * k.f64[SUM_X + q];
  }
  if (main < end) sumsAdjacent(a, b, main, end, count, count, mu, out, at);
}

/**
 * As {@link affineAdjacent} for a contiguous run of whole pixels: `grad[i] = a_k·gt[i] + b_k` for channel k
 * of each pixel, with `a_k = coef[at + 2k]`, `b_k = coef[at + 2k + 1]`.
 */
export function affinePixels(
  gt: Float32Array | Float64Array,
  grad: Float32Array,
  start: number,
  end: number,
  count: number,
  coef: Float64Array,
  at: number,
): void {
  const use = kernelsFor(gt, grad, count, end - start);
  if (use === null) {
    affineAdjacent(gt, grad, start, end, count, count, coef, at);
    return;
  }
  const { k, V } = use;
  const main = wholePeriods(start, end, V);
  for (let q = 0; q < 4 * V; q++) {
    k.f64[COEF_A + q] = coef[at + 2 * (q % count)];
    k.f64[COEF_B + q] = coef[at + 2 * (q % count) + 1];
  }
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    k.s0.set(gt.subarray(s, e));
    k.affine[V](SCRATCH_AT, SCRATCH_AT + 8 * SCRATCH, e - s);
    grad.set(k.s2.subarray(0, e - s), s);
  }
  if (main < end) affineAdjacent(gt, grad, main, end, count, count, coef, at);
}
