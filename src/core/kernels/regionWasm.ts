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
 * copying gt in again. The module is 3.4 KB and needs no dependency; where WebAssembly or its SIMD is
 * unavailable (or a content security policy forbids it), the JS kernels run instead.
 *
 * Results equal the JS kernels' up to the order of float64 additions in pass 1; pass 2 gives the same bits
 * as JS (`a·g + b` in float64, rounded to float32; for g exactly 1 or +0 that value is precomputed in JS).
 * Source: scripts/build-wasm.mjs.
 * @module
 */
import { affineAdjacent } from './affineGrad.js';
import { REGION_KERNELS_BASE64 } from './regionWasm.bytes.js';
import { sumsAdjacent } from './regionStats.js';
import { instantiateBase64, type WasmExports } from './wasmModule.js';

/** Memory layout of the module (scripts/build-wasm.mjs → LAYOUT), in bytes. */
const ACC = 0;
const RANGE = 384;
const COEF = 512;
/** The bits of float32 1.0. */
const ONE_BITS = 0x3f800000;
const TABLE = 1024;
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
const PAGE = 65536;

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

type WasmMemory = WasmExports['memory'];

interface RegionKernels {
  sums: Sums[];
  affine: Kernel[];
  select: Kernel[];
  memory: WasmMemory;
  /** Views of the memory, rebuilt when it grows. */
  view: MemoryViews;
}

interface MemoryViews {
  /** ACC and COEF as float64 (SUM_XY, SUM_X, SUM_Y, COEF_A, COEF_B). */
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

let kernels: RegionKernels | null | undefined;
let enabled = true;
let minElements = WASM_MIN_ELEMENTS;
/** Runs that took the WebAssembly kernels since the module loaded (both passes): lets tests check the path. */
let wasmRuns = 0;
/** Blocks whose gradient pass 2 built from pass 1's masks: lets tests check that path. */
let maskedBlocks = 0;

function viewsOf(buffer: ArrayBuffer): MemoryViews {
  return {
    f64: new Float64Array(buffer, ACC, (TABLE - ACC) / 8),
    ends: new Float32Array(buffer, COEF + 256, 32),
    range: new Uint32Array(buffer, RANGE, 4),
    s0: new Float32Array(buffer, SCRATCH_AT, SCRATCH),
    s1: new Float32Array(buffer, SCRATCH_AT + 4 * SCRATCH, SCRATCH),
    s2: new Float32Array(buffer, SCRATCH_AT + 8 * SCRATCH, SCRATCH),
  };
}

function instantiate(): RegionKernels | null {
  const exports = instantiateBase64(REGION_KERNELS_BASE64);
  if (!exports) return null;
  const k: RegionKernels = {
    sums: [],
    affine: [],
    select: [],
    memory: exports.memory,
    view: viewsOf(exports.memory.buffer),
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

function regionKernels(): RegionKernels | null {
  if (!enabled) return null;
  if (kernels === undefined) kernels = instantiate();
  return kernels;
}

/** Grows the memory so that `bytes` from 0 are addressable; false when it cannot. */
function reserve(k: RegionKernels, bytes: number): boolean {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    k.memory.grow(Math.ceil((bytes - have) / PAGE));
  } catch {
    return false;
  }
  k.view = viewsOf(k.memory.buffer);
  return true;
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

/** How many runs have taken the WebAssembly kernels, and how many blocks pass 2 built from masks. @internal */
export function regionWasmRuns(): { runs: number; maskedBlocks: number } {
  return { runs: wasmRuns, maskedBlocks };
}

/** True when the WebAssembly kernels are enabled and could be instantiated here. */
export function regionWasmAvailable(): boolean {
  return regionKernels() !== null;
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
 * channel): adds `Σ a·b`, `Σ b` and `Σ a` of each of the `count` channels to `out[at + 3k]`,
 * `out[at + 3k + 1]`, `out[at + 3k + 2]`, and widens the enclosure `range` = [lo, hi] of the values of b
 * (exact from the JS kernels; [0, 1] or unbounded from the WebAssembly one, which compares bit patterns). Uses the WebAssembly kernels for float32 data when it can, else the JS ones. With a
 * tape (`a` is gt), records `a`'s masks for {@link affinePixels}.
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
): void {
  const use = kernelsFor(a, b, count, end - start);
  if (use === null) {
    sumsAdjacent(a, b, start, end, count, count, out, at, range);
    return;
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
    reserve(k, tape.cursor + runBytes);
  if (!keep && !reserve(k, MASKS + BLOCK / 4)) {
    sumsAdjacent(a, b, start, end, count, count, out, at, range);
    return;
  }
  k.view.f64.fill(0, SUM_XY, SUM_Y + 16);
  k.view.range.fill(0);
  for (let s = start; s < main; s += BLOCK) {
    const e = Math.min(s + BLOCK, main);
    const maskAt = keep ? tape.cursor : MASKS;
    const { s0, s1 } = k.view;
    s0.set(a.subarray(s, e));
    s1.set(b.subarray(s, e));
    const exact = k.sums[V](SCRATCH_AT, SCRATCH_AT + 4 * SCRATCH, e - s, maskAt);
    if (keep) tape.cursor += (e - s) / 4;
    entry?.masks.push(keep && exact === 1 ? maskAt : -1);
  }
  if (entry) tape?.entries.push(entry);
  // Lane position q of the period holds channel q mod count (runs start on a pixel, blocks are whole periods).
  const { f64 } = k.view;
  for (let q = 0; q < 4 * V; q++) {
    const c = at + 3 * (q % count);
    out[c] += f64[SUM_XY + q];
    out[c + 1] += f64[SUM_Y + q];
    out[c + 2] += f64[SUM_X + q];
  }
  // Bits ≤ 0x3f800000 in every lane: every value read lies in [+0, 1], so [0, 1] encloses them; else the
  // enclosure is unbounded (the caller scans for the culprit).
  const r = k.view.range;
  const inUnit = Math.max(r[0], r[1], r[2], r[3]) <= ONE_BITS;
  if (range.length !== 0) {
    range[0] = inUnit ? Math.min(range[0], 0) : -Infinity;
    range[1] = inUnit ? Math.max(range[1], 1) : Infinity;
  }
  if (main < end) sumsAdjacent(a, b, main, end, count, count, out, at, range);
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
  const { f64, ends } = k.view;
  for (let q = 0; q < 4 * V; q++) {
    const a = coef[at + 2 * (q % count)];
    const b = coef[at + 2 * (q % count) + 1];
    f64[COEF_A + q] = a;
    f64[COEF_B + q] = b;
    // What the affine formula gives for gt exactly 1 and exactly +0, with the same float64 operations.
    ends[q] = a * 1 + b;
    ends[16 + q] = a * 0 + b;
  }
  const { s0, s2 } = k.view;
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
