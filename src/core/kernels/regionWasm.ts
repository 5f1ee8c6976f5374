/**
 * WebAssembly SIMD versions of the two region passes (`sumsAdjacent`, `affineAdjacent`) for contiguous runs
 * of whole pixels of float32 data, the common case (channels-last with every channel selected, or a
 * channels-first plane).
 *
 * Why: the JavaScript loops are bound by per-element work (a float32 load, a conversion and two or three
 * float64 operations, each with its bounds check), not by memory; with 4-lane SIMD and native copies the two
 * passes run near memory speed. The kernels can only address their own memory, so the driver streams the
 * caller's arrays through three 64 KiB scratch blocks with `TypedArray.prototype.set` (a native copy that
 * stays in cache) and copies each gradient block back out. Pass 1 also records, one byte per four gt values,
 * which are exactly 1.0, and whether a block holds nothing but exact 1.0 and +0.0 (one-hot targets do): pass
 * 2 then builds that block's gradient from those bits and two precomputed values per channel, without
 * copying gt in again. The module is 3.7 KB (with the masked losses' `scale` kernel, {@link scaleRun}) and needs no dependency; where WebAssembly or its SIMD is
 * unavailable (or a content security policy forbids it), the JS kernels run instead.
 *
 * Results equal the JS kernels' up to the order of float64 additions in pass 1; pass 2 gives the same bits
 * as JS (`a·g + b` in float64, rounded to float32; for g exactly 1 or +0 that value is precomputed in JS).
 * Source: scripts/build-wasm.mjs.
 * @module
 */
import { affineAdjacent } from './affineGrad.js';
import { REGION_KERNELS_BASE64 } from './regionWasm.bytes.js';
import { REGION_SIGMOID_KERNELS_BASE64 } from './regionSigmoidWasm.bytes.js';
import { REGION_SQUARED_KERNELS_BASE64 } from './regionSquaredWasm.bytes.js';
import { sumsAdjacent } from './regionStats.js';
import { type Held, type StridedRun, sigmoidGrad, sigmoidSums } from './sigmoidStats.js';
import { REGION_FUSED_KERNELS_BASE64 } from './regionFusedWasm.bytes.js';
import { softmaxSquaredGrad, squaredGrad, squaredSums } from './squaredStats.js';
import type { FloatArray } from './regionStats.js';
import type { SigmoidPass } from './sigmoidStats.js';
import { SOFTMAX_SQUARED_KERNELS_BASE64 } from './softmaxSquaredWasm.bytes.js';
import {
  instantiateBase64,
  LazyKernels,
  ModuleMemory,
  scratchBlocks,
  type WasmExports,
} from './wasmModule.js';

/** Memory layout of the module (scripts/build-wasm.mjs → LAYOUT), in bytes. */
const ACC = 0;
const RANGE = 384;
const COEF = 512;
/** The bits of float32 1.0. */
const ONE_BITS = 0x3f800000;
const TABLE = 1024;
/** The squared module's Σ g accumulators (16 float64 lane positions; the region module's TABLE sits below). */
const SQ_G = 1280;
const SCRATCH_AT = 2048;
const SCRATCH = 16384;
const MASKS = SCRATCH_AT + 3 * 4 * SCRATCH;
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
/**
 * Most mask bytes kept for pass 2 (one per 4 elements: 1 GiB of float32 gt); blocks beyond it copy gt in
 * again. The memory grows to what the largest input needed and stays (WebAssembly memory cannot shrink).
 */
const MAX_MASK_BYTES = 64 * 1024 * 1024;

/**
 * Elements per block: a multiple of every period (4, 8 and 12 elements) whose byte length is 64 short of a
 * multiple of 4096. glibc's `memmove` (behind `TypedArray.prototype.set`) runs several times slower when the
 * destination sits a few bytes past the source modulo 4096 (measured: 245 ms instead of 70 ms for
 * dice_prob_large at one input offset); with this length the distance moves by 64 bytes from one block to
 * the next, so whatever the caller's alignment, at most one block in 64 falls on a slow one.
 */
const BLOCK = SCRATCH - 16;

type Sums = (x: number, y: number, n: number, masks: number) => number;
type Kernel = (a: number, b: number, n: number) => void;

interface RegionKernels {
  sums: Sums[];
  affine: Kernel[];
  select: Kernel[];
  /** o = a·v over n float32 (n % 4 = 0), v float32. */
  scale: (a: number, o: number, n: number, v: number) => void;
  /** The memory and its views, made again when it grows. */
  mem: ModuleMemory<MemoryViews>;
}

interface MemoryViews {
  /** ACC, COEF and SQ_G as float64 (SUM_XY, SUM_X, SUM_Y, COEF_A, COEF_B, SUM_G). */
  f64: Float64Array;
  /** The float32 gradients for gt = 1 (0 + k) and gt = +0 (16 + k), at COEF + 256. */
  ends: Float32Array;
  /** The largest bit pattern of pr per lane (unsigned), at RANGE. */
  range: Uint32Array;
  /** The three scratch blocks. */
  s0: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

/** Runs that took the WebAssembly kernels since the module loaded (both passes): lets tests check the path. */
let wasmRuns = 0;
/** Blocks whose gradient pass 2 built from pass 1's masks: lets tests check that path. */
let maskedBlocks = 0;
/** Runs that {@link scaleRun} took on the WebAssembly kernel. */
let scaledRuns = 0;

function viewsOf(buffer: ArrayBuffer): MemoryViews {
  return {
    f64: new Float64Array(buffer, ACC, (SQ_G + 128 - ACC) / 8),
    ends: new Float32Array(buffer, COEF + 256, 32),
    range: new Uint32Array(buffer, RANGE, 4),
    ...scratchBlocks(buffer, SCRATCH_AT, SCRATCH),
  };
}

function instantiate(): RegionKernels | null {
  const exports = instantiateBase64(REGION_KERNELS_BASE64);
  if (!exports) return null;
  const k: RegionKernels = {
    sums: [],
    affine: [],
    select: [],
    scale: exports.scale as RegionKernels['scale'],
    mem: new ModuleMemory(exports.memory, viewsOf),
  };
  for (let V = 1; V <= MAX_V; V++) {
    k.sums[V] = exports[`sums${V}`] as Sums;
    k.affine[V] = exports[`affine${V}`] as Kernel;
    k.select[V] = exports[`select${V}`] as Kernel;
  }
  // Lane masks of the 16 four-bit patterns: entry b has lane i all ones when bit i of b is set.
  const table = new Int32Array(exports.memory.buffer, TABLE, 64);
  for (let b = 0; b < 16; b++) for (let i = 0; i < 4; i++) table[4 * b + i] = (b >> i) & 1 ? -1 : 0;
  return k;
}

/**
 * The module, instantiated on first use. It has no relaxed-SIMD variant (its gradients are the JS kernels'
 * bits): one instance serves both settings of the relaxed switch.
 */
const lazy = new LazyKernels(instantiate, WASM_MIN_ELEMENTS, { relaxed: false });

/**
 * Turns the WebAssembly kernels off (or back on; the sigmoid and squared modules' too), and sets the run length from which they are used: for
 * tests and benchmarks that compare them with the JS kernels. Not part of the public API.
 * @internal
 */
export function setRegionWasmEnabled(on: boolean, fromElements = WASM_MIN_ELEMENTS): void {
  lazy.set(on, fromElements);
  lazySigmoid.set(on, fromElements);
  lazySquared.set(on, fromElements);
  lazySoftmaxSquared.set(on, fromElements);
  lazyFused.set(on, fromElements);
}

/**
 * How many runs have taken the WebAssembly kernels, how many blocks pass 2 built from masks, and how many runs
 * {@link scaleRun} scaled there. @internal
 */
export function regionWasmRuns(): { runs: number; maskedBlocks: number; scaled: number } {
  return { runs: wasmRuns, maskedBlocks, scaled: scaledRuns };
}

/**
 * `out[i] = a[i]·v` for `from ≤ i < to` on the WebAssembly `scale` kernel (blocks copied in and out; `out` may
 * be `a`), when it can: the module on, the run at least the size threshold long, and v a float32 value (then
 * the kernel's float32 product has the bits of JS's `fround(a[i]·v)`). Returns false, having done nothing,
 * when it cannot: the caller multiplies in JS.
 */
export function scaleRun(a: Float32Array, out: Float32Array, from: number, to: number, v: number): boolean {
  if (to - from < lazy.minElements || Math.fround(v) !== v) return false;
  const k = lazy.get();
  if (k === null) return false;
  scaledRuns++;
  const { s0, s2 } = k.mem.views;
  for (let s = from; s < to; s += BLOCK) {
    const e = Math.min(s + BLOCK, to);
    s0.set(a.subarray(s, e));
    // A short block's last vector reads and writes past e: what it computes there is never copied out.
    k.scale(SCRATCH_AT, SCRATCH_AT + 8 * SCRATCH, (e - s + 3) & ~3, v);
    out.set(s2.subarray(0, e - s), s);
  }
  return true;
}

/** True when the WebAssembly kernels are enabled and could be instantiated here. */
export function regionWasmAvailable(): boolean {
  return lazy.get() !== null;
}

/** One run of pass 1 as the tape recorded it. */
interface TapeEntry {
  gt: Float32Array;
  start: number;
  end: number;
  count: number;
  /** Per block: the byte offset of its masks, or -1 when pass 2 must read gt (not all 1.0 / +0.0, or no room). */
  masks: number[];
}

/**
 * What pass 1 of one evaluation leaves for its pass 2: per run, where the masks of each block are. Runs are
 * replayed in the order pass 1 visited them; a tape is only valid until the next one is started (the masks
 * share one region of the memory).
 */
export interface RegionTape {
  generation: number;
  entries: TapeEntry[];
  next: number;
  /** Next free byte of the mask region. */
  cursor: number;
}

let tapeGeneration = 0;

/** Starts the tape of a new evaluation that will want its gradient (pass 2). */
export function startRegionTape(): RegionTape {
  return { generation: ++tapeGeneration, entries: [], next: 0, cursor: MASKS };
}

/** Vectors per period of the channel pattern: lcm(C, 4) / 4. */
function vectorsPerPeriod(C: number): number {
  return C % 4 === 0 ? C / 4 : C % 2 === 0 ? C / 2 : C;
}

/** The end of the whole-period part of a run; the rest (less than one period) goes to the JS kernels. */
function wholePeriods(start: number, end: number, V: number): number {
  const period = 4 * V;
  return start + Math.floor((end - start) / period) * period;
}

/**
 * Adds the module's lane sums to `out`: lane position q of the period holds channel q mod `count` (runs start on
 * a pixel, blocks are whole periods); channel k's sums go to `out[at + width·k + j]` from the float64 index
 * `slots[j]` + q, `width` = `slots.length`.
 */
function addLaneSums(
  f64: Float64Array,
  slots: readonly number[],
  V: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  const width = slots.length;
  for (let q = 0; q < 4 * V; q++) {
    const c = at + width * (q % count);
    for (let j = 0; j < width; j++) out[c + j] += f64[slots[j] + q];
  }
}

/** The plain sums' slots in `out` order: Σ gt·pr, Σ pr, Σ gt. */
const PLAIN_SLOTS = [SUM_XY, SUM_Y, SUM_X];

/** The coefficients a, b of channel q mod `count` at lane position q (COEF_A, COEF_B), for pass 2. */
function setLaneCoefficients(
  f64: Float64Array,
  V: number,
  count: number,
  coef: Float64Array,
  at: number,
): void {
  for (let q = 0; q < 4 * V; q++) {
    f64[COEF_A + q] = coef[at + 2 * (q % count)];
    f64[COEF_B + q] = coef[at + 2 * (q % count) + 1];
  }
}

/** The kernels for a run of `count` interleaved channels over `length` elements, or null for the JS path. */
function kernelsFor(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  count: number,
  length: number,
): { k: RegionKernels; V: number } | null {
  if (!regionWasmTakes(a, b, count, length)) return null;
  wasmRuns++;
  return { k: lazy.get()!, V: vectorsPerPeriod(count) };
}

/**
 * As {@link sumsAdjacent} for a contiguous run of whole pixels (`step === count`, `start` at a pixel's first
 * channel): adds `Σ a·b`, `Σ b` and `Σ a` of each of the `count` channels to `out[at + 3k]`,
 * `out[at + 3k + 1]`, `out[at + 3k + 2]`, and widens the enclosure `range` = [lo, hi] of the values of b
 * (exact from the JS kernels; [0, 1] or unbounded from the WebAssembly one, which compares bit patterns). Uses the WebAssembly kernels for float32 data when it can, else the JS ones. With a
 * tape (`a` is gt), records `a`'s masks for {@link affinePixels}. Returns where the part of the run that the
 * WebAssembly kernels proved to hold nothing but exact 1.0 and +0.0 in `a` ends: `start` when they did not run
 * or some block held another value (one-hot targets give the end of the run's whole periods; a caller that
 * needs `a` in [0, 1] scans only from there).
 */
export function sumsPixels(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  start: number,
  end: number,
  count: number,
  out: Float64Array,
  at: number,
  range: Float64Array,
  tape?: RegionTape,
): number {
  const use = kernelsFor(a, b, count, end - start);
  if (use === null) {
    sumsAdjacent(a, b, start, end, count, count, out, at, range);
    return start;
  }
  const { k, V } = use;
  const main = wholePeriods(start, end, V);
  const entry: TapeEntry | undefined =
    tape && a instanceof Float32Array ? { gt: a, start, end, count, masks: [] } : undefined;
  // The run's masks go on the tape when it has room (one grow for the whole run); otherwise each block's
  // masks go to one block-sized spot that the next block overwrites, and pass 2 copies gt in again.
  const runBytes = (main - start) / 4;
  const keep =
    tape !== undefined &&
    entry !== undefined &&
    tape.cursor + runBytes - MASKS <= MAX_MASK_BYTES &&
    k.mem.reserve(tape.cursor + runBytes);
  if (!keep && !k.mem.reserve(MASKS + BLOCK / 4)) {
    sumsAdjacent(a, b, start, end, count, count, out, at, range);
    return start;
  }
  k.mem.views.f64.fill(0, SUM_XY, SUM_Y + 16);
  k.mem.views.range.fill(0);
  let allExact = 1;
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    const maskAt = keep ? tape.cursor : MASKS;
    const { s0, s1 } = k.mem.views;
    s0.set(a.subarray(s, e));
    s1.set(b.subarray(s, e));
    const exact = k.sums[V](SCRATCH_AT, SCRATCH_AT + 4 * SCRATCH, e - s, maskAt);
    if (keep) tape.cursor += (e - s) / 4;
    entry?.masks.push(keep && exact === 1 ? maskAt : -1);
    allExact &= exact;
  }
  if (entry) tape?.entries.push(entry);
  addLaneSums(k.mem.views.f64, PLAIN_SLOTS, V, count, out, at);
  // Bits ≤ 0x3f800000 in every lane: every value read lies in [+0, 1], so [0, 1] encloses them; else the
  // enclosure is unbounded (the caller scans for the culprit).
  const r = k.mem.views.range;
  const inUnit = Math.max(r[0], r[1], r[2], r[3]) <= ONE_BITS;
  if (range.length !== 0) {
    range[0] = inUnit ? Math.min(range[0], 0) : -Infinity;
    range[1] = inUnit ? Math.max(range[1], 1) : Infinity;
  }
  if (main < end) sumsAdjacent(a, b, main, end, count, count, out, at, range);
  return allExact === 1 ? main : start;
}

/**
 * Whether {@link sumsPixels} would run a run of `count` interleaved channels over `length` elements of `a`
 * and `b` on the WebAssembly kernels (float32 data, a period it has, the switch on and the size threshold
 * met, the module instantiable here). Counts nothing.
 */
export function regionWasmTakes(a: unknown, b: unknown, count: number, length: number): boolean {
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || length < lazy.minElements) return false;
  return vectorsPerPeriod(count) <= MAX_V && lazy.get() !== null;
}

/** The tape's entry for this run of pass 2, if pass 1 recorded it for the same data. */
function replay(
  tape: RegionTape | undefined,
  gt: Float32Array | Float64Array,
  start: number,
  end: number,
  count: number,
): TapeEntry | undefined {
  if (tape === undefined || tape.generation !== tapeGeneration) return undefined;
  const entry = tape.entries[tape.next];
  if (
    entry === undefined ||
    entry.gt !== gt ||
    entry.start !== start ||
    entry.end !== end ||
    entry.count !== count
  ) {
    return undefined;
  }
  tape.next++;
  return entry;
}

/**
 * As {@link affineAdjacent} for a contiguous run of whole pixels: `grad[i] = a_k·gt[i] + b_k` for channel k
 * of each pixel, with `a_k = coef[at + 2k]`, `b_k = coef[at + 2k + 1]`. Blocks that pass 1 recorded on the
 * tape as all 1.0 / +0.0 are built from their masks.
 */
export function affinePixels(
  gt: Float32Array | Float64Array,
  grad: Float32Array,
  start: number,
  end: number,
  count: number,
  coef: Float64Array,
  at: number,
  tape?: RegionTape,
): void {
  const use = kernelsFor(gt, grad, count, end - start);
  if (use === null) {
    affineAdjacent(gt, grad, start, end, count, count, coef, at);
    return;
  }
  const { k, V } = use;
  const main = wholePeriods(start, end, V);
  const entry = replay(tape, gt, start, end, count);
  const { f64, ends } = k.mem.views;
  for (let q = 0; q < 4 * V; q++) {
    const a = coef[at + 2 * (q % count)];
    const b = coef[at + 2 * (q % count) + 1];
    f64[COEF_A + q] = a;
    f64[COEF_B + q] = b;
    // What the affine formula gives for gt exactly 1 and exactly +0, with the same float64 operations.
    ends[q] = a * 1 + b;
    ends[16 + q] = a * 0 + b;
  }
  const { s0, s2 } = k.mem.views;
  for (let s = start, block = 0; s < main; s += BLOCK, block++) {
    const e = Math.min(s + BLOCK, main);
    const masks = entry ? entry.masks[block] : -1;
    if (masks >= 0) {
      k.select[V](masks, SCRATCH_AT + 8 * SCRATCH, e - s);
      maskedBlocks++;
    } else {
      s0.set(gt.subarray(s, e));
      k.affine[V](SCRATCH_AT, SCRATCH_AT + 8 * SCRATCH, e - s);
    }
    grad.set(s2.subarray(0, e - s), s);
  }
  if (main < end) affineAdjacent(gt, grad, main, end, count, count, coef, at);
}

// The sigmoid kernels of the same stage (logits → p = σ(x), then the sums above; pass 2 through σ's
// Jacobian): their own module (scripts/build-wasm.mjs → regionSigmoidKernelsWat, 3.2 KB, the same memory
// layout and the same `sums` text), so that each module stays under the 4 KiB a browser main thread compiles
// synchronously. Periods V = 1 and 3 (C ∈ {1, 2, 4} and {3, 6, 12} channels-last, every channels-first plane);
// other runs take the JS kernels of sigmoidStats.ts.

type Sigmoid = (x: number, o: number, n: number) => number;
/** Byte offsets of the three scratch blocks. */
const S0 = SCRATCH_AT;
const S1 = SCRATCH_AT + 4 * SCRATCH;
const S2 = SCRATCH_AT + 8 * SCRATCH;
type SigmoidGrad = (g: number, p: number, o: number, n: number) => void;

interface SigmoidKernels {
  sigmoid: Sigmoid;
  sums: (Sums | undefined)[];
  grad: (SigmoidGrad | undefined)[];
  mem: ModuleMemory<MemoryViews>;
}

/** Periods (vectors) the sigmoid module has kernels for (scripts/build-wasm.mjs → SIGMOID_V). */
const SIGMOID_V = [1, 3];

/** A module's exports `${name}${V}` for each period V of SIGMOID_V, indexed by V. */
function perPeriod<T>(exports: WasmExports, name: string): (T | undefined)[] {
  const kernels: (T | undefined)[] = [];
  for (const V of SIGMOID_V) kernels[V] = exports[`${name}${V}`] as T;
  return kernels;
}

function instantiateSigmoid(): SigmoidKernels | null {
  const exports = instantiateBase64(REGION_SIGMOID_KERNELS_BASE64);
  if (!exports) return null;
  return {
    sigmoid: exports.sigmoid as Sigmoid,
    sums: perPeriod<Sums>(exports, 'sums'),
    grad: perPeriod<SigmoidGrad>(exports, 'sgrad'),
    mem: new ModuleMemory(exports.memory, viewsOf),
  };
}

/** The sigmoid module, on first use; the same switch and threshold as the region module (setRegionWasmEnabled). */
const lazySigmoid = new LazyKernels(instantiateSigmoid, WASM_MIN_ELEMENTS, { relaxed: false });

/**
 * Runs of each path of the sigmoid stage since load (pass 1 and pass 2 each count): `wasm`, `js`; of pass 2,
 * `stored` read p from pass 1's store and `recomputed` took σ of the logits again. @internal
 */
const sigmoidCounts: StageRuns = { wasm: 0, js: 0, stored: 0, recomputed: 0, held: 0 };

/** Runs of a stage per path: `wasm`, `js`; of pass 2, `stored` (p read back) and `recomputed` (σ again). */
export interface StageRuns {
  wasm: number;
  js: number;
  stored: number;
  recomputed: number;
  /** Runs of pass 2 on the fused module (the per-image fused form: σ and the targets' masks kept by pass 1). */
  held: number;
}

/** How many runs took each path of the sigmoid stage (see sigmoidCounts). @internal */
export function regionSigmoidRuns(): StageRuns {
  return { ...sigmoidCounts };
}

/** The sigmoid kernels for a run of `count` channels over `length` float32 elements, or null for JS. */
function sigmoidKernelsFor(gt: ArrayLike<number>, run: StridedRun): { k: SigmoidKernels; V: number } | null {
  const { start, end, step, count } = run;
  if (step !== count || !(gt instanceof Float32Array) || end - start < lazySigmoid.minElements) return null;
  const V = vectorsPerPeriod(count);
  if (!SIGMOID_V.includes(V)) return null;
  const k = lazySigmoid.get();
  return k === null ? null : { k, V };
}

/**
 * Pass 1 of the sigmoid stage over a strided run (as {@link sumsAdjacent}, `count` adjacent channels of step
 * `step`): adds Σ σ(x)·gt, Σ σ(x), Σ gt of channel k to `out[at + 3k]`, `+ 1`, `+ 2`, and updates `pass` (bad
 * logits, soft targets, the store of σ(x)). Runs of whole float32 pixels take the WebAssembly kernels when they
 * can (their whole periods; the JS kernels of sigmoidStats.ts the rest).
 */
export const sigmoidSumsRun: typeof sigmoidSums = (gt, pass, run, out, at) => {
  if (fusedSumsRun(gt, pass, run, out, at)) return;
  const use = sigmoidKernelsFor(gt, run);
  if (use === null) {
    sigmoidCounts.js++;
    sigmoidSums(gt, pass, run, out, at);
    return;
  }
  sigmoidCounts.wasm++;
  const { k, V } = use;
  const { x, store } = pass;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, V);
  const { f64, s0, s1, s2 } = k.mem.views;
  f64.fill(0, SUM_XY, SUM_Y + 16);
  let bad = 0;
  let exact = 1;
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    s0.set((gt as Float32Array).subarray(s, e));
    s1.set(x.subarray(s, e));
    bad |= k.sigmoid(S1, S2, e - s);
    // The masks the sums write (one byte per 4 targets) go to one block-sized spot: nothing reads them here.
    exact &= k.sums[V]!(S0, S2, e - s, MASKS);
    if (store !== undefined) store.set(s2.subarray(0, e - s), s);
  }
  addLaneSums(f64, PLAIN_SLOTS, V, count, out, at);
  if (bad !== 0) pass.bad = NaN;
  if (exact === 0) pass.soft = true;
  if (main < end) sigmoidSums(gt, pass, { ...run, start: main }, out, at);
};

/**
 * Pass 2 of the sigmoid stage over the same run: `grad[i] = (a_k·gt[i] + b_k)·(p·(1 − p))` with
 * `a_k = coef[at + 2k]`, `b_k = coef[at + 2k + 1]`, p from `stored` (pass 1's store; it may be `grad`) or σ(x)
 * again. The WebAssembly kernels give the JS kernels' bits for the same p.
 */
export const sigmoidGradRun: typeof sigmoidGrad = (gt, arrays, run, coef, at) => {
  const { x, stored, grad } = arrays;
  if (fusedGradRun(gt, x, grad, run, coef, at)) return;
  if (stored !== undefined) sigmoidCounts.stored++;
  else sigmoidCounts.recomputed++;
  const use = sigmoidKernelsFor(gt, run);
  if (use === null) {
    sigmoidCounts.js++;
    sigmoidGrad(gt, arrays, run, coef, at);
    return;
  }
  sigmoidCounts.wasm++;
  const { k, V } = use;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, V);
  setLaneCoefficients(k.mem.views.f64, V, count, coef, at);
  const src = stored ?? x;
  gradBlocks(k, gt as Float32Array, src, grad, start, main, stored === undefined, k.grad[V]!);
  if (main < end) sigmoidGrad(gt, arrays, { ...run, start: main }, coef, at);
};

/**
 * Pass 2 of the sigmoid and squared modules over elements [start, main) block by block: gt into S0, `src` into
 * S1 (σ taken there first when `logits`: `src` holds the logits, not p), `kernel(S0, S1, S2)`, S2 out to `grad`.
 */
function gradBlocks(
  k: { sigmoid: Sigmoid; mem: ModuleMemory<MemoryViews> },
  gt: Float32Array,
  src: Float32Array,
  grad: Float32Array,
  start: number,
  main: number,
  logits: boolean,
  kernel: SigmoidGrad,
): void {
  const { s0, s1, s2 } = k.mem.views;
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    s0.set(gt.subarray(s, e));
    s1.set(src.subarray(s, e));
    if (logits) k.sigmoid(S1, S1, e - s);
    kernel(S0, S1, S2, e - s);
    grad.set(s2.subarray(0, e - s), s);
  }
}

// The squared (V-Net) counting form of the same stage (Σ p·g, Σ p², Σ g², Σ g in pass 1; a·g + b·p in pass 2,
// from probabilities or through σ): a third module (scripts/build-wasm.mjs → regionSquaredKernelsWat, 4.0 KB,
// the same memory layout, σ the sigmoid module's text), periods V = 1 and 3 as the sigmoid module's.

/** Σ g of the squared sums: float64 index of SQ_G (scripts/build-wasm.mjs). */
const SUM_G = SQ_G / 8;

type SquaredSums = (x: number, y: number, n: number) => void;

interface SquaredKernels {
  sigmoid: Sigmoid;
  sums: (SquaredSums | undefined)[];
  grad: (SigmoidGrad | undefined)[];
  sgrad: (SigmoidGrad | undefined)[];
  /** The memory and its views (ACC … SQ_G as float64: viewsOf's f64 spans it). */
  mem: ModuleMemory<MemoryViews>;
}

function instantiateSquared(): SquaredKernels | null {
  const exports = instantiateBase64(REGION_SQUARED_KERNELS_BASE64);
  if (!exports) return null;
  return {
    sigmoid: exports.sigmoid as Sigmoid,
    sums: perPeriod<SquaredSums>(exports, 'qsums'),
    grad: perPeriod<SigmoidGrad>(exports, 'qgrad'),
    sgrad: perPeriod<SigmoidGrad>(exports, 'qsgrad'),
    mem: new ModuleMemory(exports.memory, viewsOf),
  };
}

/** The squared sums' slots in `out` order: Σ p·g, Σ p², Σ g², Σ g. */
const SQUARED_SLOTS = [SUM_XY, SUM_Y, SUM_X, SUM_G];

/**
 * As sumsPixels: [0, 1] encloses every p read when every lane's largest bit pattern `hi` is ≤ that of 1.0; else
 * the enclosure `range` becomes unbounded (the caller scans for the culprit).
 */
function widenToUnit(range: Float64Array, hi: Uint32Array): void {
  const inUnit = Math.max(hi[0], hi[1], hi[2], hi[3]) <= ONE_BITS;
  range[0] = inUnit ? Math.min(range[0], 0) : -Infinity;
  range[1] = inUnit ? Math.max(range[1], 1) : Infinity;
}

/** The squared module, on first use; the same switch and threshold as the region module (setRegionWasmEnabled). */
const lazySquared = new LazyKernels(instantiateSquared, WASM_MIN_ELEMENTS, { relaxed: false });

/**
 * Runs of each path of the squared stage since load (pass 1 and pass 2 each count): `wasm`, `js`; of pass 2
 * through σ, `stored` read p from pass 1's store and `recomputed` took σ of the logits again. @internal
 */
const squaredCounts: StageRuns = { wasm: 0, js: 0, stored: 0, recomputed: 0, held: 0 };

/** How many runs took each path of the squared stage (see squaredCounts). @internal */
export function regionSquaredRuns(): StageRuns {
  return { ...squaredCounts };
}

/** The squared kernels for a run over float32 gt and p (or logits), or null for JS. */
function squaredKernelsFor(
  gt: ArrayLike<number>,
  p: ArrayLike<number>,
  run: StridedRun,
): { k: SquaredKernels; V: number } | null {
  const { start, end, step, count } = run;
  if (step !== count || !(gt instanceof Float32Array) || !(p instanceof Float32Array)) return null;
  if (end - start < lazySquared.minElements) return null;
  const V = vectorsPerPeriod(count);
  if (!SIGMOID_V.includes(V)) return null;
  const k = lazySquared.get();
  return k === null ? null : { k, V };
}

/**
 * Pass 1 of the squared stage over a strided run (as {@link squaredSums}: Σ p·g, Σ p², Σ g², Σ g of channel k
 * to `out[at + 4k]` … `+ 3`; p = pr, or σ of the logits `pr` with `pass`). Runs of whole float32 pixels take the
 * WebAssembly kernels when they can (their whole periods; the JS kernels of squaredStats.ts the rest). `range`
 * is widened as {@link sumsPixels} does.
 */
export const squaredSumsRun: typeof squaredSums = (gt, pr, run, out, at, range, pass) => {
  const use = squaredKernelsFor(gt, pr, run);
  if (use === null) {
    squaredCounts.js++;
    squaredSums(gt, pr, run, out, at, range, pass);
    return;
  }
  squaredCounts.wasm++;
  const { k, V } = use;
  const store = pass?.store;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, V);
  const { f64, s0, s1, s2, range: hi } = k.mem.views;
  f64.fill(0, SUM_XY, SUM_Y + 16);
  f64.fill(0, SUM_G, SUM_G + 16);
  hi.fill(0);
  let bad = 0;
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    s0.set((gt as Float32Array).subarray(s, e));
    s1.set((pr as Float32Array).subarray(s, e));
    if (pass !== undefined) {
      bad |= k.sigmoid(S1, S2, e - s);
      k.sums[V]!(S0, S2, e - s);
      if (store !== undefined) store.set(s2.subarray(0, e - s), s);
    } else k.sums[V]!(S0, S1, e - s);
  }
  addLaneSums(f64, SQUARED_SLOTS, V, count, out, at);
  if (pass !== undefined && bad !== 0) pass.bad = NaN;
  if (range.length !== 0) widenToUnit(range, hi);
  if (main < end) squaredSums(gt, pr, { ...run, start: main }, out, at, range, pass);
};

/**
 * Pass 2 of the squared stage over the same run (as {@link squaredGrad}): `a_k·gt + b_k·p`, or through σ
 * `(a_k·gt + b_k·p)·(p·(1 − p))`. The WebAssembly kernels give the JS kernels' bits for the same p.
 */
export const squaredGradRun: typeof squaredGrad = (gt, arrays, run, coef, at) => {
  const { p, sigmoid: how, grad } = arrays;
  if (how === 'stored') squaredCounts.stored++;
  else if (how === 'recompute') squaredCounts.recomputed++;
  const use = squaredKernelsFor(gt, p, run);
  if (use === null) {
    squaredCounts.js++;
    squaredGrad(gt, arrays, run, coef, at);
    return;
  }
  squaredCounts.wasm++;
  const { k, V } = use;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, V);
  setLaneCoefficients(k.mem.views.f64, V, count, coef, at);
  const kernel = how === 'none' ? k.grad[V]! : k.sgrad[V]!;
  gradBlocks(k, gt as Float32Array, p as Float32Array, grad, start, main, how === 'recompute', kernel);
  if (main < end) squaredGrad(gt, arrays, { ...run, start: main }, coef, at);
};

// The per-image fused form from sigmoid logits (family/denseFused.ts): a fifth module (scripts/build-wasm.mjs →
// regionFusedKernelsWat), period V = 1 only (every channels-first plane, C ∈ {1, 2, 4} channels-last). Pass 1 keeps
// an image's σ and its targets' masks in this module's memory; pass 2 reads σ there and builds the gradient of
// blocks of 0/1 targets from the masks. Runs it cannot take run the two passes apart (σ stored in the gradient
// buffer).

/** Where the fused form holds an image's p in its module's memory: past the scratch blocks and the masks' spot. */
const HELD_AT = MASKS + 4 * BLOCK;
/** Most bytes of p held for one image (64 MiB; larger images run the two passes apart). */
const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** The float64 selected terms of pass 2 from masks (scripts/build-wasm.mjs → FUSED_SEL): t1 at 0–3, t0 at 4–7. */
const FUSED_SEL = (COEF + 256) / 8;

type FusedSums = (g: number, p: number, n: number, mp: number) => number;

interface FusedKernels {
  sigmoid: Sigmoid;
  sums: FusedSums;
  /** Pass 2, (a·g + b)·p(1 − p): from the masks, or reading the targets (the sigmoid module's kernel). */
  masked: SigmoidGrad;
  read: SigmoidGrad;
  mem: ModuleMemory<MemoryViews>;
}

const lazyFused = new LazyKernels<FusedKernels>(
  () => {
    const e = instantiateBase64(REGION_FUSED_KERNELS_BASE64);
    if (!e) return null;
    const table = new Int32Array(e.memory.buffer, TABLE, 64);
    for (let b = 0; b < 16; b++) for (let i = 0; i < 4; i++) table[4 * b + i] = (b >> i) & 1 ? -1 : 0;
    const g = (name: string) => e[name] as SigmoidGrad;
    return {
      sigmoid: e.sigmoid as Sigmoid,
      sums: e.fsums as FusedSums,
      masked: g('mgrad'),
      read: g('sgrad1'),
      mem: new ModuleMemory(e.memory, viewsOf),
    };
  },
  WASM_MIN_ELEMENTS,
  { relaxed: false },
);

/** Blocks of the fused form's pass 2 built from masks (`masked`) or from the targets read again (`read`). @internal */
export const fusedBlocks = { masked: 0, read: 0 };

/**
 * A cursor for the per-image fused form (`family/denseFused.ts`), the fused module's memory grown here to hold
 * σ and the masks of `elements` elements (an image): null when the module is off or unavailable, the image too
 * large (σ over 64 MiB) or the memory cannot grow. Call {@link restartHold} before each pass of an image. @internal
 */
export function holdFor(elements: number): Held | null {
  const k = lazyFused.get();
  const bytes = 4 * elements;
  if (k === null || bytes > MAX_HELD_BYTES || !k.mem.reserve(HELD_AT + bytes + elements / 4 + 64))
    return null;
  return { at: HELD_AT, masks: HELD_AT + bytes, capacity: bytes, exact: [], next: 0 };
}

/** Puts a hold back at the start of its image for pass 1 (`pass` 1: the block records cleared) or pass 2. @internal */
export function restartHold(h: Held, pass: 1 | 2): void {
  h.at = HELD_AT;
  h.masks = HELD_AT + h.capacity;
  h.next = 0;
  if (pass === 1) h.exact.length = 0;
}

/** The fused module for a held run of whole float32 pixels with period V = 1, or null (the passes apart). */
function fusedKernelsFor(
  gt: ArrayLike<number>,
  src: ArrayLike<number>,
  run: StridedRun,
): FusedKernels | null {
  const { start, end, step, count, hold } = run;
  if (hold === undefined || step !== count || vectorsPerPeriod(count) !== 1) return null;
  if (!(gt instanceof Float32Array) || !(src instanceof Float32Array)) return null;
  return end - start < lazyFused.minElements ? null : lazyFused.get();
}

/**
 * Pass 1 of the fused form over a held run of logits, if the fused module takes it (else false: the caller runs
 * it apart): the sums of {@link sigmoidSumsRun}, σ and the targets' masks kept at the run's hold.
 */
function fusedSumsRun(
  gt: ArrayLike<number>,
  pass: SigmoidPass,
  run: StridedRun,
  out: Float64Array,
  at: number,
): boolean {
  const k = fusedKernelsFor(gt, pass.x, run);
  if (k === null) return false;
  sigmoidCounts.wasm++;
  const hold = run.hold!;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, 1);
  const { f64, s0, s1 } = k.mem.views;
  f64.fill(0, SUM_XY, SUM_Y + 16);
  f64.fill(0, SUM_G, SUM_G + 16);
  let bad = 0;
  let soft = 0;
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    const p = hold.at + 4 * (s - start);
    s0.set((gt as Float32Array).subarray(s, e));
    s1.set(pass.x.subarray(s, e));
    bad |= k.sigmoid(S1, p, e - s);
    const f = k.sums(S0, p, e - s, hold.masks + (s - start) / 4);
    soft |= f;
    hold.exact.push(f === 0);
  }
  hold.at += 4 * (main - start);
  hold.masks += (main - start) / 4;
  addLaneSums(f64, PLAIN_SLOTS, 1, count, out, at);
  if (bad !== 0) pass.bad = NaN;
  if (soft !== 0) pass.soft = true;
  if (main < end) sigmoidSums(gt as FloatArray, pass, { ...run, start: main }, out, at);
  return true;
}

/**
 * Pass 2 of the fused form over the same held run, if the fused module took its pass 1 (else false): the
 * gradient of {@link sigmoidGradRun} into `grad`, p read where pass 1 held it, blocks
 * of targets all exactly 1.0 or +0.0 built from the masks. The same bits as the passes apart.
 */
function fusedGradRun(
  gt: ArrayLike<number>,
  src: ArrayLike<number>,
  grad: Float32Array,
  run: StridedRun,
  coef: Float64Array,
  at: number,
): boolean {
  const k = fusedKernelsFor(gt, src, run);
  if (k === null) return false;
  sigmoidCounts.wasm++;
  sigmoidCounts.held++;
  sigmoidCounts.stored++;
  const hold = run.hold!;
  const { start, end, count } = run;
  const main = wholePeriods(start, end, 1);
  const { f64, s0, s2 } = k.mem.views;
  setLaneCoefficients(f64, 1, count, coef, at);
  for (let q = 0; q < 4; q++) {
    const a = coef[at + 2 * (q % count)];
    const b = coef[at + 2 * (q % count) + 1];
    // The read kernel's float64 steps a·g + b for g exactly 1 and +0.
    f64[FUSED_SEL + q] = a * 1 + b;
    f64[FUSED_SEL + 4 + q] = a * 0 + b;
  }
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    const p = hold.at + 4 * (s - start);
    if (hold.exact[hold.next++]) {
      fusedBlocks.masked++;
      k.masked(hold.masks + (s - start) / 4, p, S2, e - s);
    } else {
      fusedBlocks.read++;
      s0.set((gt as Float32Array).subarray(s, e));
      k.read(S0, p, S2, e - s);
    }
    grad.set(s2.subarray(0, e - s), s);
  }
  hold.at += 4 * (main - start);
  hold.masks += (main - start) / 4;
  if (main < end) {
    const tail = { ...run, start: main };
    // The tail's σ went to the gradient buffer in pass 1 (the JS kernels store it).
    sigmoidGrad(gt as FloatArray, { x: src as Float32Array, stored: grad, grad }, tail, coef, at);
  }
  return true;
}

// Pass 2 of the squared form through a softmax, channels-first (scripts/build-wasm.mjs → softmaxSquaredKernelsWat,
// 0.6 KB, any C ≤ 16 in one kernel): the driver copies each channel's plane part of a block of pixels into the
// scratch blocks (p, targets) and the gradient back; the JS kernel of squaredStats.ts runs the last pixels of an
// image (fewer than 4) and everything else. Same switch, threshold and counters as the squared module.

/** Widest C of the softmax squared kernel (scripts/build-wasm.mjs → SOFTMAX_SQUARED_MAX_C). */
const SOFTMAX_SQUARED_MAX_C = 16;

interface SoftmaxSquaredKernels {
  grad: (p: number, g: number, o: number, n: number, C: number, planeBytes: number) => void;
  mem: ModuleMemory<MemoryViews>;
}

const lazySoftmaxSquared = new LazyKernels<SoftmaxSquaredKernels>(
  () => {
    const exports = instantiateBase64(SOFTMAX_SQUARED_KERNELS_BASE64);
    if (!exports) return null;
    return {
      grad: exports.sgrad as SoftmaxSquaredKernels['grad'],
      mem: new ModuleMemory(exports.memory, viewsOf),
    };
  },
  WASM_MIN_ELEMENTS,
  { relaxed: false },
);

/**
 * As {@link softmaxSquaredGrad} (one image of C channel planes from `start`): the WebAssembly kernel on whole
 * groups of four pixels of float32 targets when it can (C ≤ 16), the JS kernel on the rest. The same bits.
 */
export const softmaxSquaredGradRun: typeof softmaxSquaredGrad = (gt, p, grad, start, pixels, C, a, b) => {
  const k =
    gt instanceof Float32Array && C <= SOFTMAX_SQUARED_MAX_C && pixels * C >= lazySoftmaxSquared.minElements
      ? lazySoftmaxSquared.get()
      : null;
  if (k === null) {
    squaredCounts.js++;
    softmaxSquaredGrad(gt, p, grad, start, pixels, C, a, b);
    return;
  }
  squaredCounts.wasm++;
  const { f64, s0, s1, s2 } = k.mem.views;
  f64.set(a.subarray(0, C), COEF_A);
  f64.set(b.subarray(0, C), COEF_B);
  // Plane parts of a block: the most whole groups of four pixels whose C planes fit a scratch block.
  const bp = 4 * Math.floor(BLOCK / (4 * C));
  const main = 4 * Math.floor(pixels / 4);
  for (let s = 0; s < main; s += bp) {
    const np = Math.min(bp, main - s);
    for (let c = 0; c < C; c++) {
      const at = start + c * pixels + s;
      s0.set(p.subarray(at, at + np), c * bp);
      s1.set((gt as Float32Array).subarray(at, at + np), c * bp);
    }
    k.grad(S0, S1, S2, np, C, 4 * bp);
    for (let c = 0; c < C; c++) grad.set(s2.subarray(c * bp, c * bp + np), start + c * pixels + s);
  }
  if (main < pixels) softmaxSquaredGrad(gt, p, grad, start, pixels, C, a, b, main);
};
