/**
 * The region statistics and gradient of a softmax over C channels (float32 logits, channels-last or
 * channels-first), fused: pass 1 computes the softmax of each pixel and adds Σ p·g, Σ p, Σ g per (image or
 * batch, class); pass 2 writes ∂L/∂x = p ⊙ (d − Σ p·d) with d_c = A_c·g_c + B_c, reading the softmax that pass 1
 * stored in the gradient buffer (`store` / `stored`: no memory of its own; about half the work of computing it
 * again), or, without one, computing it again in the JS loops. Targets are read directly: a dense float32 array
 * (in the logits' layout), or an integer label map (one label per pixel, `ignore` pixels counting nowhere) with
 * no one-hot array built.
 *
 * WebAssembly SIMD (scripts/wasm/softmaxRegion.mjs, one module per C ∈ [2, 8]) runs four pixels at a time over
 * blocks copied into its memory: channels-last as they are, channels-first as C planes of up to
 * softmaxPlanePixels(C) pixels, longer than channels-last's so that each copy moves a whole block (its `…F`
 * kernels: the same arithmetic per element; the float32 partial sums restart per block, so the two layouts give
 * the same bits while an image fits one block of both, and agree to float32 rounding beyond). The plain-JS loops
 * below (strided: one loop for both layouts) run the last pixels of each image (fewer than four),
 * and everything when WebAssembly SIMD is unavailable or turned off (one exp per element there too: the softmax
 * is stored and read back the same way). Both check the inputs on the way: a non-finite logit or target, or a
 * label outside [0, C) that is not ignored, is reported, never summed.
 *
 * Dense targets that are exactly +0.0 or 1.0 in a block are recorded by pass 1 as bits (4C per group of four
 * pixels, in the module's memory) and pass 2 reads the bits instead of the targets. For per-image sums,
 * {@link softmaxRegionFused} runs pass 2 of each image right after its pass 1 (the caller supplies the image's
 * coefficients), the image's softmax held in the module's memory.
 * @module
 */
import { SOFTMAX_KERNELS_BASE64 } from './softmaxWasm.bytes.js';
import { SOFTMAX_RELAXED_BASE64 } from './softmaxRelaxed.bytes.js';
import { instantiateBase64, LazyKernels, ModuleMemory, scratchBlocks } from './wasmModule.js';

/** Integer label maps the kernels read directly. */
export type LabelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array;

/** The targets of a softmax region pass. */
export type SoftmaxTargets =
  { kind: 'dense'; g: Float32Array } | { kind: 'labels'; labels: LabelArray; ignore: number | undefined };

/** Where pass 1 found bad input: which array and the first flat index. */
export interface BadInput {
  what: 'logits' | 'targets';
  index: number;
}

/** Memory layout (scripts/wasm/softmaxRegion.mjs → SOFTMAX_LAYOUT). */
const COEF = 1024;
const X = 2048;
const BLOCK_BYTES = 65536;
/** The channels-first scratch blocks (scripts/wasm/softmaxRegion.mjs → PLANAR_X, PLANAR_BLOCK_BYTES). */
export const SOFTMAX_PLANAR_X = 4 * 65536;
const XF = SOFTMAX_PLANAR_X;
const PLANAR_BLOCK_BYTES = 131072;
/** The bit record of binary dense targets starts here (scripts/wasm/softmaxRegion.mjs → SOFTMAX_LAYOUT.REC). */
export const SOFTMAX_RECORD_AT = 10 * 65536;
const REC = SOFTMAX_RECORD_AT;
/**
 * Bytes of the bit record per group of four pixels (scripts/wasm/softmaxRegion.mjs → RECORD_BYTES): 4C bits
 * in 1, 2 or 4 bytes; the pixel-major kernels write one byte per pixel (4 per group, the same for C = 8).
 */
export const softmaxRecordBytes = (C: number): number => (C <= 2 ? 1 : C <= 4 ? 2 : 4);
/** Largest bit record kept (a call needing more reads its targets again in pass 2): 64 MiB, 2^31 elements at C = 8. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/**
 * Channel counts whose dense-target kernels run pixel by pixel (scripts/wasm/softmaxRegion.mjs → PIXEL_MAJOR_C):
 * their sums sit at ACC + 8·(k·C + c) and the softmax they store keeps the logits' layout.
 */
export const SOFTMAX_PIXEL_MAJOR_C: readonly number[] = [8];
const pixelMajor = (C: number): boolean => SOFTMAX_PIXEL_MAJOR_C.includes(C);
/** Widest channel count with a module. */
export const SOFTMAX_MAX_C = 8;
/** Below this many elements the JS loops run (the copies and calls would not pay). */
const MIN_ELEMENTS = 4096;

type StatsStore = (x: number, g: number, o: number, np: number, ign?: number, has?: number) => number;
type Grad = (x: number, g: number, o: number, np: number, ign?: number, has?: number) => void;
type StatsRecord = (x: number, g: number, o: number, r: number, np: number) => number;

/**
 * What the last recording pass 1 on a module left: its inputs (the arrays themselves), and per block (in the
 * order pass 1 visited them) whether its dense targets were all exactly +0.0 or 1.0, i.e. whether its bit
 * record stands for them. Valid for the pass 2 of the same call only: the next recording pass 1 replaces it.
 */
interface TargetRecord {
  x: Float32Array;
  g: Float32Array;
  store: Float32Array;
  batch: number;
  pixels: number;
  planar: boolean;
  binary: Uint8Array;
}

/** The kernels of one layout: pass 1 storing the softmax (dense, labels, recording bits), pass 2 reading it. */
interface Kernels {
  statsDS: StatsStore;
  statsLS: StatsStore;
  statsDB: StatsRecord;
  gradPD: Grad;
  gradPL: Grad;
  gradPB: Grad;
}

interface Module extends Kernels {
  /** The channels-first kernels (planar blocks, channel c at c · softmaxPlanePixels(C) floats). */
  planar: Kernels;
  /** The memory and its views, made again when it grows. */
  mem: ModuleMemory<Views>;
  record: TargetRecord | null;
  /** The per-block flags of records, reused (grown to the most blocks a call had). */
  binary: Uint8Array;
}

/**
 * Three scratch blocks: logits (or the stored p) at X, targets at G (dense, or labels as int32), output at O,
 * and their views (no view per block).
 */
interface Scratch {
  X: number;
  G: number;
  O: number;
  xs: Float32Array;
  gs: Float32Array;
  ls: Int32Array;
  os: Float32Array;
}

/** The module's views of its memory: all of it, and the scratch blocks of each layout. */
interface Views {
  f64: Float64Array;
  f32: Float32Array;
  /** Channels-last scratch (BLOCK_BYTES each), and channels-first (PLANAR_BLOCK_BYTES each). */
  last: Scratch;
  first: Scratch;
  /** The output view of a full channels-last block (BLOCK_PIXELS · C floats). */
  osFull: Float32Array;
}

/** The scratch blocks of `bytes` each from `at` in `buffer`. */
function scratchAt(buffer: ArrayBuffer, at: number, bytes: number): Scratch {
  const { s0: xs, s1: gs, s2: os } = scratchBlocks(buffer, at, bytes / 4);
  const ls = new Int32Array(buffer, at + bytes, bytes / 4);
  return { X: at, G: at + bytes, O: at + 2 * bytes, xs, gs, ls, os };
}

const runs = { wasm: 0, js: 0, stored: 0, jsStored: 0, recorded: 0, fromRecord: 0 };

/** The views of a module for C channels of its memory's (current) buffer. */
function viewsOf(buffer: ArrayBuffer, C: number): Views {
  const last = scratchAt(buffer, X, BLOCK_BYTES);
  return {
    f64: new Float64Array(buffer),
    f32: new Float32Array(buffer),
    last,
    first: scratchAt(buffer, XF, PLANAR_BLOCK_BYTES),
    osFull: last.os.subarray(0, BLOCK_PIXELS * C),
  };
}

/** The scratch blocks of the call's layout (views of the memory's current buffer). */
const scratchOf = (m: Module, l: Lay): Scratch => (l.planar ? m.mem.views.first : m.mem.views.last);

/** The most bytes of module memory a call may ask for (tests set it lower to act out a memory that cannot grow). */
let memoryCap = Infinity;

/**
 * Makes the module's memory at least `bytes` long (growing it once per larger input; it never shrinks), or false
 * when it cannot grow that far: the caller then does without (no bit record, the softmax not held, no fused form).
 */
function grow(m: Module, bytes: number): boolean {
  return bytes <= memoryCap && m.mem.reserve(bytes);
}

/**
 * Acts out a module memory that cannot grow past `bytes` (undefined: no cap), for tests of the fallbacks of
 * {@link grow}. @internal
 */
export function setSoftmaxMemoryCap(bytes?: number): void {
  memoryCap = bytes ?? Infinity;
}

function instantiate(C: number): Module | null {
  const base64 = SOFTMAX_KERNELS_BASE64[C];
  const exports = base64 === undefined ? null : instantiateBase64(base64, SOFTMAX_RELAXED_BASE64[C]);
  if (!exports) return null;
  const kernels = (f: string): Kernels => ({
    statsDS: exports[`statsDS${f}`] as StatsStore,
    statsLS: exports[`statsLS${f}`] as StatsStore,
    statsDB: exports[`statsDB${f}`] as StatsRecord,
    gradPD: exports[`gradPD${f}`] as Grad,
    gradPL: exports[`gradPL${f}`] as Grad,
    gradPB: exports[`gradPB${f}`] as Grad,
  });
  return {
    ...kernels(''),
    planar: kernels('F'),
    mem: new ModuleMemory(exports.memory, (buffer) => viewsOf(buffer, C)),
    record: null,
    binary: new Uint8Array(0),
  };
}

/** The modules by C (the key), per relaxed setting, instantiated on first use (wasmModule.ts). */
const lazy = new LazyKernels(instantiate, MIN_ELEMENTS);

function moduleFor(C: number, elements: number): Module | null {
  if (C < 2 || C > SOFTMAX_MAX_C || elements < lazy.minElements) return null;
  return lazy.get(C);
}

/** True when the softmax kernels for C channels run in WebAssembly here. */
export function softmaxWasmAvailable(C = 4): boolean {
  return lazy.get(C) !== null;
}

/**
 * Turns the WebAssembly softmax kernels off (or back on) and sets the image size (elements) from which they
 * run, for tests and benchmarks. @internal
 */
export function setSoftmaxWasmEnabled(on: boolean, fromElements = MIN_ELEMENTS): void {
  lazy.set(on, fromElements);
}

/**
 * Image-runs of each path since load (pass 1 and pass 2 each count; `stored`: pass-2 image-runs that read the
 * softmax stored by pass 1; `jsStored`: pass-1 runs of the JS loops that stored the softmax), and blocks of the
 * bit record of binary targets (`recorded`: pass-1 blocks whose targets were all 0 / 1 and were recorded as bits;
 * `fromRecord`: pass-2 blocks that read that record instead of the targets): lets tests check the path. @internal
 */
export function softmaxRuns(): {
  wasm: number;
  js: number;
  stored: number;
  jsStored: number;
  recorded: number;
  fromRecord: number;
} {
  return { ...runs };
}

/** Pixels per block: a multiple of 4 whose bytes fit a scratch block for any C ≤ 8 (8128·C bytes). */
export const SOFTMAX_BLOCK_PIXELS = 2032;
const BLOCK_PIXELS = SOFTMAX_BLOCK_PIXELS;
/**
 * Pixels per plane of a channels-first block for C channels (scripts/wasm/softmaxRegion.mjs → PLANE_BYTES / 4):
 * the most whose C planes fit a scratch block (so that each copy moves as much as the block holds) with a plane
 * an odd number of 64-byte lines long (16368 pixels for C = 2, 4080 for C = 8). Planes a multiple of 4 KiB apart
 * put channel c of all three blocks in the same L1 cache sets (24 lines at C = 8), and the copies' distance
 * modulo 4096 would stay the same all call long (see regionWasm.ts's BLOCK); an odd number of lines spreads both.
 */
export const softmaxPlanePixels = (C: number): number =>
  16 * ((Math.floor(PLANAR_BLOCK_BYTES / (64 * C)) - 1) | 1);

/** The channel axis of the logits, the dense targets, the stored softmax and the gradient of a call. */
export type SoftmaxLayout = 'channelsLast' | 'channelsFirst';

/**
 * Where a call's elements sit: channel c of pixel s (counted over the whole batch; s in image b) at
 * s·ps + b·imageOff + c·cs. Channels-last: ps = C, cs = 1, imageOff = 0; channels-first: ps = 1, cs = pixels,
 * imageOff = pixels·(C − 1). Label maps hold one label per pixel (at s) in both.
 */
interface Lay {
  planar: boolean;
  C: number;
  /** Pixels per block: SOFTMAX_BLOCK_PIXELS channels-last; channels-first, the plane of the module for C. */
  bp: number;
  pixels: number;
  ps: number;
  cs: number;
  imageOff: number;
}

function layOf(layout: SoftmaxLayout, pixels: number, C: number): Lay {
  return layout === 'channelsFirst'
    ? { planar: true, C, bp: softmaxPlanePixels(C), pixels, ps: 1, cs: pixels, imageOff: pixels * (C - 1) }
    : { planar: false, C, bp: BLOCK_PIXELS, pixels, ps: C, cs: 1, imageOff: 0 };
}

/** Index of channel 0 of pixel s (any pixel of its image: the JS loops run within one image). */
const base0 = (l: Lay, s: number): number => s * l.ps + Math.floor(s / l.pixels) * l.imageOff;

/**
 * Copies pixels [s, e) (one image's) of `src` into a scratch block in the kernels' layout: as they are
 * (channels-last), or channel c's run at c · l.bp (channels-first, the planar kernels' PLANE_BYTES).
 */
function blockIn(dst: Float32Array, src: Float32Array, l: Lay, s: number, e: number): void {
  if (!l.planar) {
    dst.set(src.subarray(s * l.C, e * l.C));
    return;
  }
  const a = base0(l, s);
  for (let c = 0; c < l.C; c++) dst.set(src.subarray(a + c * l.cs, a + c * l.cs + e - s), c * l.bp);
}

/** Copies the output scratch of the block of pixels [s, e) to its places in `dst` (the inverse of blockIn). */
function blockOut(dst: Float32Array, m: Module, l: Lay, s: number, e: number): void {
  if (!l.planar) {
    dst.set(outBlock(m, e - s, l.C), s * l.C);
    return;
  }
  const { os } = m.mem.views.first;
  const a = base0(l, s);
  for (let c = 0; c < l.C; c++) dst.set(os.subarray(c * l.bp, c * l.bp + e - s), a + c * l.cs);
}

function copyTargets(m: Module, t: SoftmaxTargets, from: number, to: number, l: Lay): void {
  if (t.kind === 'dense') blockIn(scratchOf(m, l).gs, t.g, l, from, to);
  else scratchOf(m, l).ls.set(t.labels.subarray(from, to));
}

/**
 * Image b's row in the sums and its pixels [first, last), of which WebAssembly takes [first, main): whole groups
 * of four pixels (none without a module); JS the rest.
 */
function span(b: number, pixels: number, C: number, perImage: boolean, m: Module | null) {
  const first = b * pixels;
  const main = m === null ? first : first + Math.floor(pixels / 4) * 4;
  return { row: perImage ? b * C : 0, first, main, last: first + pixels };
}

/** The label-map arguments of the kernels: the ignore value (as int32) and whether it applies. */
function ignoreArgs(t: SoftmaxTargets): [number, number] {
  if (t.kind !== 'labels' || t.ignore === undefined || (t.ignore | 0) !== t.ignore) return [0, 0];
  return [t.ignore, 1];
}

/**
 * Copies pixels [first, main) block by block into the module's scratch (logits, or the stored p, at X; targets
 * at G_AT) and calls `run(pixels, at)` on each; stops at the first block where it returns non-zero and returns
 * that block's first pixel, else null.
 */
function eachBlock(
  m: Module,
  x: Float32Array,
  t: SoftmaxTargets,
  l: Lay,
  first: number,
  main: number,
  run: (np: number, at: number) => number,
): number | null {
  for (let s = first; s < main; s += l.bp) {
    const e = Math.min(s + l.bp, main);
    blockIn(scratchOf(m, l).xs, x, l, s, e);
    copyTargets(m, t, s, e, l);
    if (run(e - s, s) !== 0) return s;
  }
  return null;
}

/**
 * The first bad element of pixels [from, to), as pass 1 defines bad, or null: in pixel order (then channel order)
 * channels-last, as the loops meet them; channels-first, the lowest flat index of a bad logit in the whole image
 * of `from` (images before it were clean), else of a bad target, as the general path reports it.
 */
function firstBad(x: Float32Array, t: SoftmaxTargets, from: number, to: number, l: Lay): BadInput | null {
  const { C, cs } = l;
  if (l.planar) return firstBadPlanar(x, t, Math.floor(from / l.pixels), l);
  for (let s = from, i0 = base0(l, from); s < to; s++, i0 += l.ps) {
    if (t.kind === 'labels' && t.labels[s] === t.ignore) continue;
    for (let c = 0; c < C; c++) {
      const v = x[i0 + c * cs];
      if (v - v !== 0) return { what: 'logits', index: i0 + c * cs };
    }
    if (t.kind === 'dense') {
      for (let c = 0; c < C; c++) {
        const v = t.g[i0 + c * cs];
        if (v - v !== 0) return { what: 'targets', index: i0 + c * cs };
      }
    } else {
      const l = t.labels[s];
      if (l !== t.ignore && !(l >= 0 && l < C)) return { what: 'targets', index: s };
    }
  }
  return null;
}

/** firstBad of image b, channels-first. */
function firstBadPlanar(x: Float32Array, t: SoftmaxTargets, b: number, l: Lay): BadInput | null {
  const { C, pixels } = l;
  const a = b * pixels * C;
  const counts = (j: number) => t.kind !== 'labels' || t.labels[b * pixels + j] !== t.ignore;
  for (let i = a; i < a + pixels * C; i++) {
    const v = x[i];
    if (v - v !== 0 && counts((i - a) % pixels)) return { what: 'logits', index: i };
  }
  if (t.kind === 'dense') {
    for (let i = a; i < a + pixels * C; i++) {
      const v = t.g[i];
      if (v - v !== 0) return { what: 'targets', index: i };
    }
    return null;
  }
  for (let s = b * pixels; s < (b + 1) * pixels; s++) {
    const v = t.labels[s];
    if (v !== t.ignore && !(v >= 0 && v < C)) return { what: 'targets', index: s };
  }
  return null;
}

/**
 * Pass 1 in JS over pixels [from, to), adding into I, P, G at `row` (C entries each); writes p into `store` (at
 * the logits' own places) when given. One exp per element; no per-element test of finiteness: NaN and ±∞ turn
 * the sums (or Σx, for −∞) non-finite, and then the first bad element is looked for (firstBad).
 */
function statsJs(
  x: Float32Array,
  t: SoftmaxTargets,
  from: number,
  to: number,
  l: Lay,
  I: Float64Array,
  P: Float64Array,
  G: Float64Array,
  row: number,
  p: Float64Array,
  store?: Float32Array,
): BadInput | null {
  let sx = 0;
  const { C, ps, cs } = l;
  const off = Math.floor(from / l.pixels) * l.imageOff;
  const dense = t.kind === 'dense' ? t.g : null;
  const labels = t.kind === 'labels' ? t.labels : null;
  const ignore = t.kind === 'labels' ? t.ignore : undefined;
  for (let s = from; s < to; s++) {
    const base = s * ps + off;
    let label = -1;
    if (labels !== null) {
      label = labels[s];
      if (label === ignore) continue;
      if (!(label >= 0 && label < C)) return firstBad(x, t, from, s + 1, l);
    }
    let max = x[base];
    sx += max;
    for (let c = 1; c < C; c++) {
      const v = x[base + c * cs];
      sx += v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += p[c] = Math.exp(x[base + c * cs] - max);
    const inv = 1 / sum;
    for (let c = 0; c < C; c++) {
      const pv = p[c] * inv;
      const gv = dense !== null ? dense[base + c * cs] : c === label ? 1 : 0;
      I[row + c] += pv * gv;
      P[row + c] += pv;
      G[row + c] += gv;
      if (store !== undefined) store[base + c * cs] = pv;
    }
  }
  let finite = sx - sx;
  for (let c = 0; c < C; c++)
    finite += I[row + c] - I[row + c] + P[row + c] - P[row + c] + G[row + c] - G[row + c];
  return finite === 0 ? null : firstBad(x, t, from, to, l);
}

/**
 * Pass 2 in JS over pixels [from, to): p read from `stored` (as statsJs wrote it; it may be `out` itself) or
 * computed again from the logits.
 */
function gradJs(
  x: Float32Array,
  t: SoftmaxTargets,
  from: number,
  to: number,
  l: Lay,
  A: Float64Array,
  B: Float64Array,
  row: number,
  out: Float32Array,
  p: Float64Array,
  stored?: Float32Array,
): void {
  const { C, ps, cs } = l;
  const off = Math.floor(from / l.pixels) * l.imageOff;
  const dense = t.kind === 'dense' ? t.g : null;
  const labels = t.kind === 'labels' ? t.labels : null;
  const ignore = t.kind === 'labels' ? t.ignore : undefined;
  for (let s = from; s < to; s++) {
    const base = s * ps + off;
    let label = -1;
    if (labels !== null) {
      label = labels[s];
      if (label === ignore) {
        for (let c = 0; c < C; c++) out[base + c * cs] = 0;
        continue;
      }
    }
    if (stored !== undefined) {
      for (let c = 0; c < C; c++) p[c] = stored[base + c * cs];
    } else {
      let max = x[base];
      for (let c = 1; c < C; c++) if (x[base + c * cs] > max) max = x[base + c * cs];
      let sum = 0;
      for (let c = 0; c < C; c++) sum += p[c] = Math.exp(x[base + c * cs] - max);
      const inv = 1 / sum;
      for (let c = 0; c < C; c++) p[c] *= inv;
    }
    let dot = 0;
    for (let c = 0; c < C; c++) {
      const gv = dense !== null ? dense[base + c * cs] : c === label ? 1 : 0;
      const d = A[row + c] * gv + B[row + c];
      dot += p[c] * d;
      p[C + c] = d;
    }
    for (let c = 0; c < C; c++) out[base + c * cs] = p[c] * (p[C + c] - dot);
  }
}

/**
 * Pass 2 of image b over pixels [first, main) after a recording pass 1: blocks whose targets were all 0 / 1
 * read the bit record (gradPB), the others their targets (gradPD); both the stored p. Coefficients already at COEF.
 */
function recordedGrad(
  m: Module,
  rec: TargetRecord,
  b: number,
  stored: Float32Array,
  g: Float32Array,
  l: Lay,
  first: number,
  main: number,
  out: Float32Array,
): void {
  const groups = Math.floor(l.pixels / 4);
  const rb = softmaxRecordBytes(l.C);
  const k = kernelsOf(m, l);
  let block = b * Math.ceil(groups / (l.bp / 4));
  for (let s = first; s < main; s += l.bp, block++) {
    const e = Math.min(s + l.bp, main);
    const sc = scratchOf(m, l);
    blockIn(sc.xs, stored, l, s, e);
    if (rec.binary[block] === 1) {
      runs.fromRecord++;
      k.gradPB(sc.X, REC + (b * groups + (s - first) / 4) * rb, sc.O, e - s);
    } else {
      blockIn(sc.gs, g, l, s, e);
      k.gradPD(sc.X, sc.G, sc.O, e - s);
    }
    blockOut(out, m, l, s, e);
  }
}

/** The kernels of a module for the call's layout (channels-last: the module's own; channels-first: `planar`). */
function kernelsOf(m: Module, l: Lay): Kernels {
  return l.planar ? m.planar : m;
}

/**
 * Adds the module's float64 sums of pixels [first, main) to row `row` of I, P, G, or returns the first bad input
 * when a sum is not finite. ACC + 96c: Σp·g (4 lanes as float64), + 32: Σp, + 64: Σg; the pixel-major kernels:
 * ACC + 8c, + 8(C + c), + 8(2C + c). NaN or ±Inf in x or a dense g leaves a non-finite sum (the kernels only
 * flag −Inf logits): then the first bad element is found in JS.
 */
function addSums(
  m: Module,
  x: Float32Array,
  t: SoftmaxTargets,
  first: number,
  main: number,
  l: Lay,
  I: Float64Array,
  P: Float64Array,
  G: Float64Array,
  row: number,
): BadInput | null {
  const { C } = l;
  const f = m.mem.views.f64;
  let finite = 0;
  for (let i = 0; i < 12 * C; i++) finite += f[i] - f[i];
  if (finite !== 0) {
    const bad = firstBad(x, t, first, main, l);
    if (bad !== null) return bad;
  }
  if (t.kind === 'dense' && !l.planar && pixelMajor(C)) {
    for (let c = 0; c < C; c++) {
      I[row + c] += f[c];
      P[row + c] += f[C + c];
      G[row + c] += f[2 * C + c];
    }
  } else {
    for (let c = 0; c < C; c++) {
      const a = 12 * c;
      I[row + c] += f[a] + f[a + 1] + f[a + 2] + f[a + 3];
      P[row + c] += f[a + 4] + f[a + 5] + f[a + 6] + f[a + 7];
      G[row + c] += f[a + 8] + f[a + 9] + f[a + 10] + f[a + 11];
    }
  }
  return null;
}

/** The output scratch of a block of np pixels (C channels). */
function outBlock(m: Module, np: number, C: number): Float32Array {
  return np === BLOCK_PIXELS ? m.mem.views.osFull : m.mem.views.last.os.subarray(0, np * C);
}

/**
 * Pass 1: per image b (row b·C when `perImage`, else row 0), adds Σ p·g, Σ p and Σ g of each channel to I, P, G
 * (length rows·C). `x` holds `batch · pixels · C` logits in `layout` (dense targets alike). Returns the first
 * bad input, or null.
 *
 * `store` (optional, same length as x, sharing no memory with x or the targets): where pass 1 also writes the
 * softmax it computes, for `softmaxRegionGrad(…, stored)` to read back instead of computing it again (about half
 * the work of pass 2): the WebAssembly kernels in their own block layout (channels-last) or at the logits' own
 * places (channels-first), the JS loops (no module, the last < 4 pixels of an image) at the logits' own places.
 * Pass the caller's gradient buffer: pass 2 overwrites it.
 */
export function softmaxRegionStats(
  x: Float32Array,
  t: SoftmaxTargets,
  batch: number,
  pixels: number,
  C: number,
  perImage: boolean,
  I: Float64Array,
  P: Float64Array,
  G: Float64Array,
  store?: Float32Array,
  layout: SoftmaxLayout = 'channelsLast',
): BadInput | null {
  const m = moduleFor(C, pixels * C);
  const l = layOf(layout, pixels, C);
  const tmp = new Float64Array(2 * C);
  const [ign, has] = ignoreArgs(t);
  const record =
    m !== null && store !== undefined && t.kind === 'dense' ? startRecord(m, x, t.g, store, batch, l) : null;
  const groups = Math.floor(pixels / 4);
  const rb = softmaxRecordBytes(C);
  const perImageBlocks = Math.ceil(groups / (l.bp / 4));
  for (let b = 0; b < batch; b++) {
    const { row, first, main, last } = span(b, pixels, C, perImage, m);
    let s = first;
    if (m !== null) {
      runs.wasm++;
      m.mem.views.f64.fill(0, 0, 12 * C);
      const k = kernelsOf(m, l);
      const sc = scratchOf(m, l);
      const flagged = eachBlock(m, x, t, l, first, main, (np, at) => {
        // Without a store (no gradient follows), p goes to the output scratch and stays there.
        let f: number;
        if (record !== null) {
          // Bit 2: a target neither +0.0 nor 1.0 in this block: pass 2 reads its targets again.
          f = k.statsDB(sc.X, sc.G, sc.O, REC + (b * groups + (at - first) / 4) * rb, np);
          record.binary[b * perImageBlocks + (at - first) / l.bp] = (f & 4) === 0 ? 1 : 0;
          if ((f & 4) === 0) runs.recorded++;
          f &= 3;
        } else
          f =
            t.kind === 'dense' ? k.statsDS(sc.X, sc.G, sc.O, np) : k.statsLS(sc.X, sc.G, sc.O, np, ign, has);
        if (store !== undefined) blockOut(store, m, l, at, at + np);
        return f;
      });
      if (flagged !== null) return firstBad(x, t, flagged, Math.min(flagged + l.bp, main), l);
      const sumsBad = addSums(m, x, t, first, main, l, I, P, G, row);
      if (sumsBad !== null) return sumsBad;
      s = main;
    } else runs.js++;
    if (store !== undefined && s < last) runs.jsStored++;
    const bad = statsJs(x, t, s, last, l, I, P, G, row, tmp, store);
    if (bad !== null) return bad;
  }
  // The record stands for this call's targets only once pass 1 has run to the end.
  if (m !== null && record !== null) m.record = record;
  return null;
}

/**
 * Starts the bit record of a recording pass 1 (dense targets, a store): clears the module's previous record,
 * grows the memory to hold this call's bits (one `softmaxRecordBytes(C)` per group of four pixels) and returns
 * the new record (its `binary` flags filled as blocks run), or null when it would pass MAX_RECORD_BYTES.
 */
function startRecord(
  m: Module,
  x: Float32Array,
  g: Float32Array,
  store: Float32Array,
  batch: number,
  l: Lay,
): TargetRecord | null {
  const { pixels, C } = l;
  m.record = null;
  const bytes = batch * Math.floor(pixels / 4) * softmaxRecordBytes(C);
  if (bytes > MAX_RECORD_BYTES || !grow(m, REC + bytes)) return null;
  const blocks = batch * Math.ceil(Math.floor(pixels / 4) / (l.bp / 4));
  const binary = m.binary.length >= blocks ? m.binary : (m.binary = new Uint8Array(blocks));
  return { x, g, store, batch, pixels, planar: l.planar, binary };
}

/**
 * Pass 2: writes ∂L/∂x into `out` (same length as x) from A, B per row and channel (∂L/∂p_c = A·g_c + B).
 * Expects the inputs pass 1 accepted. `stored`: the `store` array of the pass-1 call on the same inputs (it may
 * be `out` itself); the WebAssembly kernels read the softmax from it. Without it the JS loops compute it again.
 */
export function softmaxRegionGrad(
  x: Float32Array,
  t: SoftmaxTargets,
  batch: number,
  pixels: number,
  C: number,
  perImage: boolean,
  A: Float64Array,
  B: Float64Array,
  out: Float32Array,
  stored?: Float32Array,
  layout: SoftmaxLayout = 'channelsLast',
): void {
  const l = layOf(layout, pixels, C);
  // No kernel computes the softmax again: without a stored one, the JS loops run (images whose pass 2 the
  // per-image fused form had to run again).
  const m = stored === undefined ? null : moduleFor(C, pixels * C);
  const tmp = new Float64Array(2 * C);
  const [ign, has] = ignoreArgs(t);
  for (let b = 0; b < batch; b++) {
    const { row, first, main, last } = span(b, pixels, C, perImage, m);
    let s = first;
    if (m !== null && stored !== undefined) {
      runs.wasm++;
      const { f32 } = m.mem.views;
      for (let c = 0; c < C; c++) {
        f32[COEF / 4 + c] = A[row + c];
        f32[COEF / 4 + 8 + c] = B[row + c];
      }
      runs.stored++;
      const rec = m.record;
      if (
        t.kind === 'dense' &&
        rec !== null &&
        rec.x === x &&
        rec.g === t.g &&
        rec.store === stored &&
        rec.batch === batch &&
        rec.pixels === pixels &&
        rec.planar === l.planar
      ) {
        // The targets of pass 1's binary blocks are in the bit record: only the stored p is copied in.
        recordedGrad(m, rec, b, stored, t.g, l, first, main, out);
        gradJs(x, t, main, last, l, A, B, row, out, tmp, stored);
        continue;
      }
      const k = kernelsOf(m, l);
      const grad = t.kind === 'dense' ? k.gradPD : k.gradPL;
      const sc = scratchOf(m, l);
      eachBlock(m, stored, t, l, first, main, (np, at) => {
        grad(sc.X, sc.G, sc.O, np, ign, has);
        blockOut(out, m, l, at, at + np);
        return 0;
      });
      s = main;
    } else runs.js++;
    gradJs(x, t, s, last, l, A, B, row, out, tmp, stored);
  }
}

let fusedEnabled = true;
/**
 * Images whose softmax takes at most this many bytes (64 MiB) keep it in the module's memory between the passes
 * of the per-image fused form (the memory grows once to the largest such image); larger ones store it in `out`.
 */
const HOLD_BYTES = 64 * 1024 * 1024;
let holdBytes = HOLD_BYTES;

/**
 * Turns the per-image fused form off (or back on) and sets the largest softmax of one image it keeps in the
 * module's memory (`hold` bytes; 0: always in `out`), for tests and benchmarks. @internal
 */
export function setSoftmaxFusedEnabled(on: boolean, hold = HOLD_BYTES): void {
  fusedEnabled = on;
  holdBytes = hold;
}

/** Per-image fused runs (`fused`: images; `redone`: images whose pass 2 the caller ran again). @internal */
export const softmaxFusedRuns = { fused: 0, redone: 0 };

/**
 * True when {@link softmaxRegionFused} runs here for images of `pixels` pixels and C channels: WebAssembly
 * SIMD for C, an image large enough for the module, and the bit record of one image within MAX_RECORD_BYTES
 * and in the module's memory (grown here to hold it; false when it cannot grow).
 */
export function softmaxFusable(C: number, pixels: number): boolean {
  if (!fusedEnabled || Math.floor(pixels / 4) * softmaxRecordBytes(C) > MAX_RECORD_BYTES) return false;
  const m = moduleFor(C, pixels * C);
  return m !== null && grow(m, fusedSoftmaxAt(C, pixels));
}

/** Where the fused form keeps an image's softmax: after the bit record of one image, 16-byte aligned. */
function fusedSoftmaxAt(C: number, pixels: number): number {
  return REC + Math.ceil((Math.floor(pixels / 4) * softmaxRecordBytes(C)) / 16) * 16;
}

/**
 * Both passes, image by image (per-image sums only): pass 1 of image b (softmax, Σ p·g, Σ p, Σ g into row b of
 * I, P, G), then `coefficients(b, A, B)` (which fills A, B, length C: ∂L/∂p_c = A_c·g_c + B_c for image b),
 * then pass 2 of image b into `out`, while the image's softmax (held in the module's memory, not in `out`) and
 * its targets' bit record are still in cache. Same kernels, sums and bits as {@link softmaxRegionStats} +
 * {@link softmaxRegionGrad} with a store, given the same coefficients. Returns the first bad input (pass 1
 * stops there: images before it have their gradient in `out`), or null. Check {@link softmaxFusable} first.
 */
export function softmaxRegionFused(
  x: Float32Array,
  t: SoftmaxTargets,
  batch: number,
  pixels: number,
  C: number,
  I: Float64Array,
  P: Float64Array,
  G: Float64Array,
  out: Float32Array,
  coefficients: (b: number, A: Float64Array, B: Float64Array) => void,
  layout: SoftmaxLayout = 'channelsLast',
): BadInput | null {
  const m = moduleFor(C, pixels * C)!;
  const l = layOf(layout, pixels, C);
  const k = kernelsOf(m, l);
  const tmp = new Float64Array(2 * C);
  const A = new Float64Array(C);
  const B = new Float64Array(C);
  const [ign, has] = ignoreArgs(t);
  const dense = t.kind === 'dense';
  const groups = Math.floor(pixels / 4);
  const rb = softmaxRecordBytes(C);
  // The record of one image (softmaxFusable made room for it), then its softmax (16-byte aligned) where the
  // memory can grow to hold it: once, to the largest image.
  const pAt = fusedSoftmaxAt(C, pixels);
  // Block k's softmax at pAt + k · bp · 4C (its C planes PLANE_BYTES apart, channels-first).
  const blocks = Math.ceil(groups / (l.bp / 4));
  const held = l.planar ? blocks * l.bp * 4 * C : groups * 16 * C;
  const hold = held <= holdBytes && grow(m, pAt + held);
  m.record = null;
  const binary = m.binary.length >= blocks ? m.binary : (m.binary = new Uint8Array(blocks));
  // After the memory grew: views of its current buffer.
  const sc = scratchOf(m, l);
  for (let b = 0; b < batch; b++) {
    const { first, main, last } = span(b, pixels, C, true, m);
    const row = b * C;
    runs.wasm += 2;
    softmaxFusedRuns.fused++;
    m.mem.views.f64.fill(0, 0, 12 * C);
    let block = 0;
    for (let s = first; s < main; s += l.bp, block++) {
      const e = Math.min(s + l.bp, main);
      blockIn(sc.xs, x, l, s, e);
      copyTargets(m, t, s, e, l);
      const at = hold ? pAt + (s - first) * 4 * C : sc.O;
      let f: number;
      if (dense) {
        f = k.statsDB(sc.X, sc.G, at, REC + ((s - first) / 4) * rb, e - s);
        binary[block] = (f & 4) === 0 ? 1 : 0;
        if ((f & 4) === 0) runs.recorded++;
        f &= 3;
      } else f = k.statsLS(sc.X, sc.G, at, e - s, ign, has);
      if (!hold) blockOut(out, m, l, s, e);
      if (f !== 0) return firstBad(x, t, s, e, l);
    }
    const sumsBad = addSums(m, x, t, first, main, l, I, P, G, row);
    if (sumsBad !== null) return sumsBad;
    if (main < last) runs.jsStored++;
    const bad = statsJs(x, t, main, last, l, I, P, G, row, tmp, out);
    if (bad !== null) return bad;
    coefficients(b, A, B);
    const { f32 } = m.mem.views;
    for (let c = 0; c < C; c++) {
      f32[COEF / 4 + c] = A[c];
      f32[COEF / 4 + 8 + c] = B[c];
    }
    block = 0;
    for (let s = first; s < main; s += l.bp, block++) {
      const e = Math.min(s + l.bp, main);
      const at = hold ? pAt + (s - first) * 4 * C : sc.X;
      if (!hold) blockIn(sc.xs, out, l, s, e);
      if (dense && binary[block] === 1) {
        runs.fromRecord++;
        k.gradPB(at, REC + ((s - first) / 4) * rb, sc.O, e - s);
      } else {
        copyTargets(m, t, s, e, l);
        if (dense) k.gradPD(at, sc.G, sc.O, e - s);
        else k.gradPL(at, sc.G, sc.O, e - s, ign, has);
      }
      blockOut(out, m, l, s, e);
    }
    gradJs(x, t, main, last, l, A, B, 0, out, tmp, out);
  }
  return null;
}
