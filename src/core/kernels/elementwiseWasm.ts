/**
 * WebAssembly SIMD versions of the elementwise losses' passes, for float32 data: sm's categorical focal loss
 * (per element) and categorical cross-entropy (per pixel) from probabilities, and the softmax focal loss from
 * logits (per pixel), each computing value and gradient in one pass with the exp/log of
 * scripts/wasm/math.mjs (float32, within 1 ulp) and summing the terms in float64.
 *
 * The kernels address only their own memory: the driver streams the caller's arrays through three 64 KiB
 * scratch blocks with `TypedArray.prototype.set` and copies each gradient block out (only the valid
 * elements: a short last block is padded with values whose terms and gradients are 0). The kernels also flag
 * a block holding an input outside its domain (pr outside [0, 1] or a non-finite logit, a non-finite gt);
 * the driver then finds the first offending index of that block and throws the RangeError of
 * {@link inputDomainError}. Nothing is allocated per call beyond the module's memory, which is created once.
 *
 * Each function returns `undefined` when it does not apply (module unavailable or turned off, data not
 * float32, a run shorter than the threshold, too many channels): the caller runs the JS kernel instead.
 * Source: scripts/wasm/elementwise.mjs.
 * @module
 */
import { ELEMENTWISE_RELAXED_BASE64 } from './elementwiseRelaxed.bytes.js';
import { ELEMENTWISE_KERNELS_BASE64 } from './elementwiseWasm.bytes.js';
import type { BatchGeometry } from '../types.js';
import { inputDomainError, type PredictionDomain } from './inputDomain.js';
import { instantiateBase64, LazyKernels, scratchBlocks } from './wasmModule.js';

/** Memory layout (scripts/wasm/elementwise.mjs → ELEMENTWISE_LAYOUT), in bytes. */
const FLAG = 0;
const PATH = 4;
const COEF = 64;
const SCRATCH_AT = 16384;
const SCRATCH = 16384;
/** Most channels of the per-pixel kernels. */
export const ELEMENTWISE_MAX_C = 256;
/** Below this many elements a call stays on the JS kernels. */
export const ELEMENTWISE_WASM_MIN_ELEMENTS = 8192;
/** Elements per block: 64 short of 64 KiB (see BLOCK in regionWasm.ts: memmove's 4 KiB aliasing). */
const BLOCK = SCRATCH - 16;

type ElementKernel = (
  g: number,
  p: number,
  o: number,
  n: number,
  alpha: number,
  gamma: number,
  scale: number,
) => number;
type PixelKernel = (
  g: number,
  x: number,
  o: number,
  pixels: number,
  C: number,
  ps: number,
  cs: number,
  ...rest: number[]
) => number;

interface Kernels {
  focalProb2: ElementKernel;
  focalProb: ElementKernel;
  softmaxFocal: PixelKernel;
  cce: PixelKernel;
  /** Channels-last kernels of exactly C channels, at index C (2…LAST_MAX_C): softmax focal γ = 2 or 0, cce. */
  softmaxFocal2Last: PixelKernel[];
  /** The channels-first (planar) forms of softmaxFocal2Last: channel c of a block at c · planePixels(C). */
  softmaxFocal2Planar: PixelKernel[];
  cceLast: PixelKernel[];
  /** o[i] += a[i] over n float32 (n % 4 = 0): the accumulating pass's add. */
  addF32: (o: number, a: number, n: number) => void;
  flag: Int32Array;
  /** 1 after a cce_cK call that took the one-log-per-pixel form. */
  path: Int32Array;
  coef: Float32Array;
  /** The three scratch blocks: gt, pr (or logits), gradient. */
  s0: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

/** Calls that took the WebAssembly kernels since the module loaded: lets tests check the path. */
let wasmRuns = 0;
let lastRuns = 0;
let planarRuns = 0;
/** Blocks of cce_cK that took the one-log-per-pixel form (binary targets, equal weights). */
let cceProductBlocks = 0;
/** Calls of focalRunWasm by kernel: `focal_prob2` (γ = 2) and `focal_prob` (any γ). */
const focalProbRuns = { gamma2: 0, general: 0 };

/** Widest channels-last block with kernels of its own (scripts/wasm/elementwise.mjs → LAST_MAX_C). */
export const LAST_MAX_C = 8;

function lastKernels(e: Record<string, unknown>, prefix: string, suffix = ''): PixelKernel[] {
  const out: PixelKernel[] = [];
  for (let C = 2; C <= LAST_MAX_C; C++) out[C] = e[`${prefix}${C}${suffix}`] as PixelKernel;
  return out;
}

function instantiate(): Kernels | null {
  const e = instantiateBase64(ELEMENTWISE_KERNELS_BASE64, ELEMENTWISE_RELAXED_BASE64);
  if (!e) return null;
  const buffer = e.memory.buffer;
  return {
    focalProb2: e.focal_prob2 as ElementKernel,
    focalProb: e.focal_prob as ElementKernel,
    softmaxFocal: e.softmax_focal as PixelKernel,
    cce: e.cce as PixelKernel,
    softmaxFocal2Last: lastKernels(e, 'softmax_focal2_c'),
    softmaxFocal2Planar: lastKernels(e, 'softmax_focal2_c', 'F'),
    cceLast: lastKernels(e, 'cce_c'),
    addF32: e.add_f32 as Kernels['addF32'],
    flag: new Int32Array(buffer, FLAG, 1),
    path: new Int32Array(buffer, PATH, 1),
    coef: new Float32Array(buffer, COEF, ELEMENTWISE_MAX_C),
    ...scratchBlocks(buffer, SCRATCH_AT, SCRATCH),
  };
}

const lazy = new LazyKernels(instantiate, ELEMENTWISE_WASM_MIN_ELEMENTS);

function elementwiseKernels(): Kernels | null {
  return lazy.get();
}

/**
 * Turns the WebAssembly kernels of the elementwise losses off (or back on) and sets the size from which
 * they are used (elements of pr): for tests and benchmarks that compare them with the JS kernels.
 * @internal
 */
export function setElementwiseWasmEnabled(on: boolean, fromElements = ELEMENTWISE_WASM_MIN_ELEMENTS): void {
  lazy.set(on, fromElements);
}

/** How many calls have taken the WebAssembly kernels. @internal */
export function elementwiseWasmRuns(): number {
  return wasmRuns;
}

/** Pixel passes that took a channels-last kernel of their channel count (softmax focal γ = 2, cce). @internal */
export function elementwiseLastRuns(): number {
  return lastRuns;
}

/** Channels-first pixel passes that took a planar kernel of their channel count (softmax focal γ = 2 or 0). @internal */
export function elementwisePlanarRuns(): number {
  return planarRuns;
}

/** Calls of sm's categorical focal loss by kernel: `focal_prob2` (γ = 2) and `focal_prob`. @internal */
export function elementwiseFocalProbRuns(): { gamma2: number; general: number } {
  return { ...focalProbRuns };
}

/**
 * Blocks of sm's categorical cross-entropy that the channels-last kernels (C ≤ 5) ran with one log per pixel
 * (every target 0 or 1, equal class weights). @internal
 */
export function elementwiseCceProductBlocks(): number {
  return cceProductBlocks;
}

/** True when the elementwise WebAssembly kernels are enabled and could be instantiated here. */
export function elementwiseWasmAvailable(): boolean {
  return elementwiseKernels() !== null;
}

function usable(n: number, ...arrays: (ArrayLike<number> | null)[]): Kernels | null {
  if (n < lazy.minElements) return null;
  for (const a of arrays) if (a !== null && !(a instanceof Float32Array)) return null;
  return elementwiseKernels();
}

/**
 * Throws the domain error of the block [from, to) of the caller's arrays when the kernel flagged it. `fn`
 * null: unchecked (`checkInputs: false`), the flag is cleared and the numbers go through as they are.
 * Returns false when the block was flagged but holds no offender (only the softmax focal kernels' check on
 * their results can do that, on finite inputs near FLT_MAX that overflow float32): the caller then falls back
 * to the JS kernel.
 */
function checkFlag(
  k: Kernels,
  fn: string | null,
  gt: Float32Array,
  pr: Float32Array,
  from: number,
  to: number,
  step: number,
  domain: PredictionDomain,
  overflowFallback = false,
): boolean {
  if (k.flag[0] === 0) return true;
  k.flag[0] = 0;
  if (fn === null) return !overflowFallback;
  const e = inputDomainError(fn, gt, pr, from, to, step, domain);
  if (e) throw e;
  if (overflowFallback) return false;
  // The kernel and the scan test the same conditions: a flag without an offender would be a bug here.
  throw new Error(`${fn}: internal error: the WebAssembly input check disagrees with the JS one.`);
}

/**
 * sm's categorical focal terms over the contiguous run [start, end) (step 1): returns their sum and writes
 * `scale · ∂term/∂pr` into `grad` (when given) for every element of the run; `undefined` when not applicable.
 * Throws a RangeError naming `fn` at the first pr outside [0, 1] or non-finite gt (`fn` null: no check,
 * `checkInputs: false`).
 */
export function focalRunWasm(
  fn: string | null,
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  grad: Float32Array | null,
  start: number,
  end: number,
  step: number,
  alpha: number,
  gamma: number,
  scale: number,
): number | undefined {
  if (step !== 1) return undefined;
  const k = usable(end - start, gt, pr, grad);
  if (k === null) return undefined;
  const g = gt as Float32Array;
  const p = pr as Float32Array;
  // γ = 2 (scale > 0): the kernel returns the scaled sum and takes 8 elements per step.
  const two = gamma === 2 && scale > 0;
  const kernel = two ? k.focalProb2 : k.focalProb;
  const { s0, s1, s2 } = k;
  const a0 = s0.byteOffset;
  const a1 = s1.byteOffset;
  const a2 = s2.byteOffset;
  k.flag[0] = 0;
  let sum = 0;
  for (let i = start; i < end; i += BLOCK) {
    const n = Math.min(BLOCK, end - i);
    s0.set(g.subarray(i, i + n));
    s1.set(p.subarray(i, i + n));
    const n4 = two ? (n + 7) & ~7 : (n + 3) & ~3;
    // Padding: gt 0, pr ½ give a term and a gradient of 0.
    for (let j = n; j < n4; j++) {
      s0[j] = 0;
      s1[j] = 0.5;
    }
    sum += kernel(a0, a1, a2, n4, alpha, gamma, scale);
    checkFlag(k, fn, g, p, i, i + n, 1, 'probabilities');
    if (grad !== null) grad.set(s2.subarray(0, n), i);
  }
  wasmRuns++;
  if (two) focalProbRuns.gamma2++;
  else focalProbRuns.general++;
  return two ? sum / scale : sum;
}

/** A block of pixels: `pixels` pixels from element `base`, their C channels at `base + j·ps + c·cs`. */
export interface PixelBlock {
  base: number;
  pixels: number;
  /** Element strides between pixels and between channels: (C, 1) channels-last, (1, plane) channels-first. */
  pixelStride: number;
  channelStride: number;
  channels: number;
}

/**
 * Targets given by a label map (one label per pixel, `[N, ...spatial]` order) instead of a dense array: the
 * target of channel c is `on` where c is the pixel's label and `off` elsewhere, 0 on every channel of a pixel
 * labelled `ignore`. Any other label makes the call give up (`undefined`, or `null` when accumulating). The
 * driver writes each block's targets straight into its scratch block: no full-size target array.
 * @example { labels: Uint8Array.of(1, 255), on: 0.925, off: 0.025, ignore: 255 } // ε = 0.1, C = 4: pixel 0 →
 * // targets [0.025, 0.925, 0.025, 0.025], pixel 1 (ignored) → [0, 0, 0, 0]
 */
export interface LabelTargets {
  labels: ArrayLike<number>;
  on: number;
  off: number;
  ignore: number | undefined;
}

/**
 * The targets of the pixels [q, q + P) of a label map into `s0`: channel c of pixel i at i·C + c
 * (channels-last, `plane` 0) or c·plane + i; a short block's padding up to P4 pixels gets 0. False at the
 * first label that is neither a class index nor `ignore` (the caller gives up: its general path raises).
 */
function fillLabels(
  s0: Float32Array,
  t: LabelTargets,
  q: number,
  P: number,
  P4: number,
  C: number,
  plane: number,
): boolean {
  const { labels, on, off, ignore } = t;
  const ps = plane === 0 ? C : 1;
  const cs = plane === 0 ? 1 : plane;
  if (plane === 0) {
    s0.fill(off, 0, P * C);
    s0.fill(0, P * C, P4 * C);
  } else {
    for (let c = 0; c < C; c++) {
      s0.fill(off, c * plane, c * plane + P);
      s0.fill(0, c * plane + P, c * plane + P4);
    }
  }
  for (let i = 0; i < P; i++) {
    const v = labels[q + i];
    if (v >= 0 && v < C && (v | 0) === v) s0[i * ps + v * cs] = on;
    else if (v === ignore) {
      if (off !== 0) for (let c = 0; c < C; c++) s0[i * ps + c * cs] = 0;
    } else return false;
  }
  return true;
}

/**
 * Streams one pixel block through a per-pixel kernel (`extra` its parameters after the strides): copies gt
 * and pr in (padding a short last block with `padG`, `padX`), runs it, checks its flag and copies the
 * gradient of the valid pixels out. Returns the sum of the kernel's results, or `undefined` when a
 * channels-last kernel with `lastFallback` flagged a block that holds no bad input or returned a non-finite
 * sum (float32 overflow on finite inputs near FLT_MAX: the caller runs its float64 JS kernel instead).
 */
function pixelPass(
  k: Kernels,
  kernel: PixelKernel,
  fn: string | null,
  gt: Float32Array | LabelTargets,
  pr: Float32Array,
  grad: Float32Array | null,
  b: PixelBlock,
  padG: number,
  padX: number,
  domain: PredictionDomain,
  extra: number[],
  lastKernel?: PixelKernel[],
  lastFallback = false,
  planarKernel?: PixelKernel[],
  accumulate = false,
): number | undefined {
  const { base, pixels, pixelStride: ps, channelStride: cs, channels: C } = b;
  const last = ps === C && cs === 1;
  // Channels-last blocks of 2…LAST_MAX_C channels: the kernel of that channel count (same arithmetic).
  const lastRun = lastKernel?.[C] ?? kernel;
  if (last && lastRun !== kernel) lastRuns++;
  if (!last && ps !== 1) return NaN; // not reached: the callers pass one of the two layouts
  // Channels-first blocks of 2…LAST_MAX_C channels: the planar kernel of that count, channel c at c · per
  // (scripts/wasm/elementwise.mjs planePixels); the others take the general kernel, channel c at c · P4.
  const planarRun = last ? undefined : planarKernel?.[C];
  if (planarRun !== undefined) planarRuns++;
  const per = Math.max(4, Math.floor(BLOCK / C / 4) * 4);
  const { s0, s1, s2 } = k;
  let sum = 0;
  for (let j = 0; j < pixels; j += per) {
    const P = Math.min(per, pixels - j);
    const P4 = (P + 3) & ~3;
    if (last) {
      const from = base + j * C;
      const n = P * C;
      if (gt instanceof Float32Array) {
        s0.set(gt.subarray(from, from + n));
        s0.fill(padG, n, P4 * C);
      } else if (!fillLabels(s0, gt, base / C + j, P, P4, C, 0)) return undefined;
      s1.set(pr.subarray(from, from + n));
      s1.fill(padX, n, P4 * C);
      k.path[0] = 0;
      const r = lastRun(s0.byteOffset, s1.byteOffset, s2.byteOffset, P4, C, 4 * C, 4, ...extra);
      cceProductBlocks += k.path[0];
      const fallback = lastFallback && lastRun !== kernel;
      if (k.flag[0] !== 0 && !checkFlag(k, fn, gt as Float32Array, pr, from, from + n, 1, domain, fallback))
        return undefined;
      if (fallback && !Number.isFinite(r)) return undefined;
      sum += r;
      if (grad !== null && accumulate) {
        s0.set(grad.subarray(from, from + n));
        k.addF32(s2.byteOffset, s0.byteOffset, P4 * C);
      }
      if (grad !== null) grad.set(s2.subarray(0, n), from);
    } else {
      const plane = planarRun !== undefined ? per : P4;
      if (!(gt instanceof Float32Array) && !fillLabels(s0, gt, base / C + j, P, P4, C, plane))
        return undefined;
      for (let c = 0; c < C; c++) {
        const from = base + c * cs + j;
        if (gt instanceof Float32Array) {
          s0.set(gt.subarray(from, from + P), c * plane);
          s0.fill(padG, c * plane + P, c * plane + P4);
        }
        s1.set(pr.subarray(from, from + P), c * plane);
        s1.fill(padX, c * plane + P, c * plane + P4);
      }
      const run = planarRun ?? kernel;
      const r = run(s0.byteOffset, s1.byteOffset, s2.byteOffset, P4, C, 4, 4 * plane, ...extra);
      const fallback = lastFallback && planarRun !== undefined;
      if (k.flag[0] !== 0 && fn === null) {
        k.flag[0] = 0;
        if (fallback) return undefined;
      } else if (k.flag[0] !== 0 && fn !== null) {
        for (let c = 0; c < C; c++) {
          const from = base + c * cs + j;
          const e = inputDomainError(fn, gt as Float32Array, pr, from, from + P, 1, domain);
          if (e) {
            k.flag[0] = 0;
            throw e;
          }
        }
        k.flag[0] = 0;
        if (fallback) return undefined;
      }
      if (fallback && !Number.isFinite(r)) return undefined;
      sum += r;
      if (grad !== null && accumulate) {
        for (let c = 0; c < C; c++)
          s0.set(grad.subarray(base + c * cs + j, base + c * cs + j + P), c * plane);
        k.addF32(s2.byteOffset, s0.byteOffset, C * plane);
      }
      if (grad !== null)
        for (let c = 0; c < C; c++) grad.set(s2.subarray(c * plane, c * plane + P), base + c * cs + j);
    }
  }
  return sum;
}

/**
 * The pixel blocks of a batch: one block of every pixel (channels-last), or one per image (channels-first,
 * channel c of image b's pixels from b · imageStride + c · pixels).
 * @example pixelBlocks(geometryOf([2, 3, 4, 5], 'channelsFirst'))
 * // [{ base: 0, pixels: 20, pixelStride: 1, channelStride: 20, channels: 3 }, { base: 60, pixels: 20, … }]
 */
export function pixelBlocks(geom: BatchGeometry): PixelBlock[] {
  const { batch, pixels, channels: C, imageStride, layout } = geom;
  if (layout === 'channelsLast') {
    return [{ base: 0, pixels: batch * pixels, pixelStride: C, channelStride: 1, channels: C }];
  }
  return Array.from({ length: batch }, (_, b) => ({
    base: b * imageStride,
    pixels,
    pixelStride: 1,
    channelStride: pixels,
    channels: C,
  }));
}

function pixelUsable(b: PixelBlock, ...arrays: (ArrayLike<number> | null)[]): Kernels | null {
  const { pixelStride: ps, channelStride: cs, channels: C } = b;
  if (C > ELEMENTWISE_MAX_C || C < 1) return null;
  if (!((ps === C && cs === 1) || ps === 1)) return null;
  return usable(b.pixels * C, ...arrays);
}

/**
 * The softmax focal loss from logits over the pixel blocks `blocks` (all channels in the softmax, all blocks
 * of one layout): returns `scale · Σ terms`, terms `−coef_c·g_c·(1 − p_c)^γ·log p_c`, and writes
 * `scale · ∂/∂x` into `grad` for every element of the blocks; `undefined` when not applicable (γ < 0
 * included) or when float32 overflowed on finite inputs (then the caller's float64 JS kernel runs). `coef`
 * has one entry per channel (0 for a channel left out of the loss). Throws a RangeError naming `fn` at the
 * first non-finite logit or gt. Blocks of 2…8 channels with γ = 2 or γ = 0 (the cross-entropy: terms
 * `−coef_c·g_c·log p_c`) take the kernels of their channel count (channels-last: `softmax_focal2_cK`;
 * channels-first: the planar `softmax_focal2_cKF`, the same bits on transposed inputs), which read
 * `coef_c·scale` (so their sum comes out scaled). `gt` may be {@link LabelTargets} (then `fn` must be null:
 * unchecked, a flagged block returns `undefined`). `accumulate`: the gradient is added to what `grad` holds
 * (the block's add in WebAssembly, add_f32) instead of written; then a fallback after the first block returns
 * `null` (blocks already added to: the caller must redo `grad`), `undefined` only when nothing was written.
 */
export function softmaxFocalWasm(
  fn: string | null,
  gt: ArrayLike<number> | LabelTargets,
  x: ArrayLike<number>,
  grad: Float32Array | null,
  blocks: PixelBlock[],
  coef: ArrayLike<number>,
  gamma: number,
  scale: number,
  accumulate = false,
): number | undefined | null {
  if (!(gamma >= 0) || blocks.length === 0) return undefined;
  // Label targets: unchecked only (the caller checked the labels; a flagged logit makes this undefined).
  const labels = 'labels' in gt;
  if (labels && fn !== null) return undefined;
  const k = pixelUsable(blocks[0], labels ? null : (gt as ArrayLike<number>), x, grad);
  if (k === null || blocks.some((b) => pixelUsable(b) === null && b.pixels > 0)) return undefined;
  const b0 = blocks[0];
  const C = b0.channels;
  // γ = 2 and γ = 0 (cross-entropy) of 2…LAST_MAX_C channels: the kernels of that channel count, channels-last
  // or planar (channels-first); the others the general kernels.
  const fast = (gamma === 2 || gamma === 0) && C >= 2 && C <= LAST_MAX_C;
  const last = fast && b0.pixelStride === C && b0.channelStride === 1;
  const planar = fast && !last;
  for (let c = 0; c < C; c++) k.coef[c] = fast ? coef[c] * scale : coef[c];
  k.flag[0] = 0;
  const kernel = k.softmaxFocal;
  let sum = 0;
  for (const b of blocks) {
    const s = pixelPass(
      k,
      kernel,
      fn,
      gt as Float32Array | LabelTargets,
      x as Float32Array,
      grad,
      b,
      0,
      0,
      'logits',
      [gamma, scale],
      last ? k.softmaxFocal2Last : undefined,
      true,
      planar ? k.softmaxFocal2Planar : undefined,
      accumulate,
    );
    // Accumulating, blocks before this one may have been added to `grad`: null says so.
    if (s === undefined) return accumulate ? null : undefined;
    sum += s;
  }
  wasmRuns++;
  return fast ? sum : sum * scale;
}

/**
 * sm's categorical cross-entropy over one pixel block (every channel selected): returns Σ terms
 * `−w_c·g_c·log clip(p_c / Σp)` and writes `scale · ∂/∂pr` into `grad` for every element of the block;
 * `undefined` when not applicable. Throws a RangeError naming `fn` at the first pr outside [0, 1] or
 * non-finite gt.
 */
export function cceWasm(
  fn: string | null,
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  grad: Float32Array | null,
  block: PixelBlock,
  weights: ArrayLike<number>,
  scale: number,
): number | undefined {
  const k = pixelUsable(block, gt, pr, grad);
  if (k === null) return undefined;
  k.coef.set(weights);
  k.flag[0] = 0;
  // Equal weights: cce_cK (K ≤ 5) may take one log per pixel where the targets are binary.
  const C = block.channels;
  let uniform = 1;
  for (let c = 1; c < C; c++) if (k.coef[c] !== k.coef[0]) uniform = 0;
  // Padding: pr 1, gt 0 give a term and a gradient of 0.
  const sum = pixelPass(
    k,
    k.cce,
    fn,
    gt as Float32Array,
    pr as Float32Array,
    grad,
    block,
    0,
    1,
    'probabilities',
    [scale, uniform],
    k.cceLast,
  );
  wasmRuns++;
  return sum;
}
