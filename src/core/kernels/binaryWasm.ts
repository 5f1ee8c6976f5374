/**
 * WebAssembly SIMD versions of the binary (per element) cross-entropy and focal losses, for float32 data:
 * sm's binary cross-entropy and binary focal loss from probabilities, and the sigmoid focal loss from logits
 * (MONAI `FocalLoss(use_softmax=False)`, smp `FocalLoss` binary / multilabel), each computing value and
 * gradient in one pass with the exp/log/softplus of scripts/wasm/math.mjs (float32, bounds tested) and summing
 * the terms in float64. The JS kernels (kernels/crossEntropy.ts, family/focal.ts) stay the fallback, with the
 * same semantics.
 *
 * The kernels address only their own memory: the driver streams the caller's arrays through three 64 KiB
 * scratch blocks and copies each gradient block out. Per-element coefficients (c1 on the positive term, c0 on
 * the negative one: α, 1 − α, class weights, the reduction's per-class factor) repeat with a period of 4P
 * elements (P ≤ {@link BINARY_MAX_P}), which covers one coefficient for all elements and channels-last data
 * with C ∈ {1, 2, 3, 4, 6, 8, 12} channels. The kernels flag a block holding an input outside its domain
 * (pr outside [0, 1] or a non-finite logit, a non-finite gt); the driver then throws the RangeError of
 * {@link inputDomainError} for the first offending index of that block, or, unchecked (`checkInputs: false`),
 * returns `undefined` so that the caller's JS kernel computes the call as it is (NaN where the data has NaN).
 *
 * Each entry point returns `undefined` when it does not apply (module unavailable or turned off, data not
 * float32, fewer elements than the threshold, a period the kernels lack): the caller runs its JS kernel.
 * Source: scripts/wasm/binary.mjs.
 * @module
 */
import { BINARY_RELAXED_BASE64 } from './binaryRelaxed.bytes.js';
import { BINARY_KERNELS_BASE64 } from './binaryWasm.bytes.js';
import { inputDomainError } from './inputDomain.js';
import { instantiateBase64, LazyKernels, scratchBlocks } from './wasmModule.js';

/** Memory layout (scripts/wasm/binary.mjs → BINARY_LAYOUT), in bytes. */
const FLAG = 0;
const PARAM = 16;
const COEF = 64;
const SCRATCH_AT = 16384;
const SCRATCH = 16384;
/** Longest coefficient period of the kernels, in 4-lane vectors (scripts/wasm/binary.mjs → MAX_P). */
export const BINARY_MAX_P = 3;
/** Below this many elements a call stays on the JS kernels. */
export const BINARY_WASM_MIN_ELEMENTS = 8192;
/** Elements per block: 64 bytes short of 64 KiB (memmove's 4 KiB aliasing); a multiple of 4P for P ≤ 3. */
const BLOCK = SCRATCH - 16;

/** The kernel families. */
export type BinaryKind = 'bce' | 'focalProb' | 'sigmoid' | 'softBce';

/**
 * Where the upper clip of probabilities sits: at 1 − 1e-7 in float64 (sm's JS kernels, kernels/crossEntropy.ts:
 * a clipped 1 − q is 1e-7) or rounded to float32 (the family's, family/focal.ts: 1 − q is 1.19e-7).
 */
export type BinaryClip = 'float64' | 'float32';

type Kernel = (
  g: number,
  x: number,
  o: number,
  n: number,
  gamma: number,
  scale: number,
  omlo: number,
) => number;

interface Kernels {
  /** By kind, then [γ = 2, any γ], then P (index 1…BINARY_MAX_P). */
  fns: Record<BinaryKind, [Kernel[], Kernel[]]>;
  flag: Int32Array;
  /** soft_bce_p1's smoothing and ignored target value. */
  param: Float32Array;
  coef: Float32Array;
  s0: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

/** Calls that took the kernels, by kind: lets tests check the path. */
const runs: Record<BinaryKind, number> = { bce: 0, focalProb: 0, sigmoid: 0, softBce: 0 };

function instantiate(): Kernels | null {
  const e = instantiateBase64(BINARY_KERNELS_BASE64, BINARY_RELAXED_BASE64);
  if (!e) return null;
  const byP = (name: (P: number) => string): Kernel[] => {
    const out: Kernel[] = [];
    for (let P = 1; P <= BINARY_MAX_P; P++) out[P] = e[name(P)] as Kernel;
    return out;
  };
  const bce = [undefined, e.bce_p1] as Kernel[];
  const softBce = [undefined, e.soft_bce_p1] as Kernel[];
  const buffer = e.memory.buffer;
  return {
    fns: {
      bce: [bce, bce],
      focalProb: [byP((P) => `binary_focal_prob2_p${P}`), byP((P) => `binary_focal_prob_p${P}`)],
      sigmoid: [byP((P) => `sigmoid_focal2_p${P}`), byP((P) => `sigmoid_focal_p${P}`)],
      softBce: [softBce, softBce],
    },
    flag: new Int32Array(buffer, FLAG, 1),
    param: new Float32Array(buffer, PARAM, 2),
    coef: new Float32Array(buffer, COEF, 8 * BINARY_MAX_P),
    ...scratchBlocks(buffer, SCRATCH_AT, SCRATCH),
  };
}

const lazy = new LazyKernels(instantiate, BINARY_WASM_MIN_ELEMENTS);

function binaryKernels(): Kernels | null {
  return lazy.get();
}

/**
 * Turns the binary WebAssembly kernels off (or back on) and sets the size from which they are used (elements
 * of pr): for tests and benchmarks that compare them with the JS kernels.
 * @internal
 */
export function setBinaryWasmEnabled(on: boolean, fromElements = BINARY_WASM_MIN_ELEMENTS): void {
  lazy.set(on, fromElements);
}

/** How many calls have taken the binary WebAssembly kernels (of one kind, or all). @internal */
export function binaryWasmRuns(kind?: BinaryKind): number {
  return kind === undefined ? runs.bce + runs.focalProb + runs.sigmoid + runs.softBce : runs[kind];
}

/** True when the binary WebAssembly kernels are enabled and could be instantiated here. */
export function binaryWasmAvailable(): boolean {
  return binaryKernels() !== null;
}

/**
 * A contiguous run [start, end) of the caller's arrays and its coefficients: element `start + i` takes
 * `c1[i % c1.length]` on its positive term and `c0[i % c0.length]` on its negative one; the period
 * (c1.length = c0.length) must be 4P, P = 1…{@link BINARY_MAX_P}.
 */
export interface BinaryRun {
  start: number;
  end: number;
  c1: ArrayLike<number>;
  c0: ArrayLike<number>;
}

/** The period in vectors of a run's coefficients, or 0 when the kernels have none for it. */
function period(r: BinaryRun): number {
  const L = r.c1.length;
  return L === r.c0.length && L % 4 === 0 && L >= 4 && L <= 4 * BINARY_MAX_P ? L / 4 : 0;
}

/** Writes a run's coefficients to the module (lanes from `valid` on set to 0: the padded tail). */
function writeCoef(k: Kernels, r: BinaryRun, P: number, valid: number): void {
  for (let j = 0; j < P; j++) {
    for (let l = 0; l < 4; l++) {
      const i = 4 * j + l;
      k.coef[8 * j + l] = i < valid ? r.c1[i] : 0;
      k.coef[8 * j + 4 + l] = i < valid ? r.c0[i] : 0;
    }
  }
}

/**
 * The binary loss `kind` over `runs` of float32 `gt` and `x` (probabilities for `'bce'` / `'focalProb'`,
 * logits for `'sigmoid'`): returns Σ over the runs' elements of the coefficient-weighted terms and writes
 * `scale · ∂/∂x` into `grad` (when given) for every element of the runs; `undefined` when the kernels do not
 * apply, or when `fn` is null (unchecked) and an input is out of its domain (the caller's JS kernel then
 * computes the call as it is). Throws a RangeError naming `fn` at the first pr outside [0, 1] (or non-finite
 * logit) or non-finite gt. Terms (coefficients c1, c0; t = gt; clip q = clip(pr, 1e-7, 1 − 1e-7), its upper
 * bound as `clip` says):
 * - `'bce'`: −c1·t·log(q + 1e-7) − c0·(1 − t)·log(1 − q + 1e-7) (tf.keras 2.x, sm `BinaryCELoss`);
 * - `'focalProb'`: −c1·t·(1 − q)^γ·log q − c0·(1 − t)·q^γ·log(1 − q) (sm `BinaryFocalLoss`);
 * - `'sigmoid'`: −c1·t·(1 − p)^γ·log p − c0·(1 − t)·p^γ·log(1 − p), p = σ(x) (MONAI / smp `FocalLoss`).
 * @example binaryWasm('binaryCrossentropy', 'bce', gt, pr, grad, [{ start: 0, end: n, c1: ONES, c0: ONES }], 0, 1 / n)
 */
export function binaryWasm(
  fn: string | null,
  kind: BinaryKind,
  gt: ArrayLike<number>,
  x: ArrayLike<number>,
  grad: Float32Array | null,
  runList: readonly BinaryRun[],
  gamma: number,
  scale: number,
  clip: BinaryClip = 'float64',
): number | undefined {
  let n = 0;
  for (const r of runList) {
    if (period(r) === 0) return undefined;
    n += r.end - r.start;
  }
  if (n < lazy.minElements || !(gt instanceof Float32Array) || !(x instanceof Float32Array)) return undefined;
  const k = binaryKernels();
  if (k === null) return undefined;
  const fns = k.fns[kind][gamma === 2 ? 0 : 1];
  const domain = kind === 'sigmoid' || kind === 'softBce' ? 'logits' : 'probabilities';
  const omlo = clip === 'float64' ? 1e-7 : 1 - Math.fround(1 - 1e-7);
  const { s0, s1, s2 } = k;
  const a0 = s0.byteOffset;
  const a1 = s1.byteOffset;
  const a2 = s2.byteOffset;
  k.flag[0] = 0;
  let sum = 0;
  for (const r of runList) {
    const P = period(r);
    const kernel = fns[P];
    if (kernel === undefined) return undefined;
    const step = 4 * P;
    const len = Math.floor(BLOCK / step) * step;
    writeCoef(k, r, P, step);
    for (let i = r.start; i < r.end; i += len) {
      const m = Math.min(len, r.end - i);
      s0.set(gt.subarray(i, i + m));
      s1.set(x.subarray(i, i + m));
      const main = m - (m % step);
      if (main > 0) sum += kernel(a0, a1, a2, main, gamma, scale, omlo);
      if (main < m) {
        // The tail: one more period, its missing lanes padded with in-domain values and coefficients 0.
        s0.fill(0, m, main + step);
        s1.fill(0.5, m, main + step);
        writeCoef(k, r, P, m - main);
        sum += kernel(a0 + 4 * main, a1 + 4 * main, a2 + 4 * main, step, gamma, scale, omlo);
        writeCoef(k, r, P, step);
      }
      if (k.flag[0] !== 0) {
        k.flag[0] = 0;
        if (fn === null) return undefined;
        const e = inputDomainError(fn, gt, x, i, i + m, 1, domain);
        // The kernel and the scan test the same conditions: a flag without an offender would be a bug here.
        throw e ?? new Error(`${fn}: internal error: the WebAssembly input check disagrees with the JS one.`);
      }
      if (grad !== null) grad.set(s2.subarray(0, m), i);
    }
  }
  runs[kind]++;
  return sum;
}

/**
 * smp's `SoftBCEWithLogitsLoss` over the n elements of float32 `gt` and logits `x` with a number `posWeight`:
 * returns Σ −(w·t'·log σ(x) + (1 − t')·log σ(−x)), t' = t + s·(1 − 2t), 0 where t = `ignoreIndex`, and writes
 * `scale · ∂/∂x` into `grad` (when given); `undefined` when the kernels do not apply or an input is not finite
 * (the caller's JS loop then raises its own error, or computes the unchecked call as it is).
 */
export function softBceWasm(
  gt: ArrayLike<number>,
  x: ArrayLike<number>,
  grad: Float32Array | null,
  posWeight: number,
  smooth: number,
  ignoreIndex: number | undefined,
  scale: number,
): number | undefined {
  const k = binaryKernels();
  if (k === null) return undefined;
  k.param[0] = smooth;
  // A target equals ignoreIndex only when ignoreIndex is a float32 value (the data are float32).
  k.param[1] = ignoreIndex !== undefined && Math.fround(ignoreIndex) === ignoreIndex ? ignoreIndex : NaN;
  const run = { start: 0, end: x.length, c1: new Array<number>(4).fill(posWeight), c0: [1, 1, 1, 1] };
  return binaryWasm(null, 'softBce', gt, x, grad, [run], 0, scale);
}
