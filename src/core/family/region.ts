/**
 * The general region-statistics path of the loss family (issue 6): per (image or batch, class) soft counts
 * tp, fp, fn from probabilities (or logits), in the plain, squared (V-Net) or soft-label (L1) form, then a
 * score, a per-class loss, weights and a reduction, and the closed-form gradient back through the activation.
 * Two passes: one to reduce the sums (the activation stored once), one to write the gradient.
 * @module
 */
import type { BatchGeometry, NdArray, NumericArray } from '../types.js';
import {
  type BadInput,
  type LabelArray,
  type SoftmaxTargets,
  softmaxFusable,
  softmaxFusedRuns,
  softmaxRegionFused,
  softmaxRegionGrad,
  softmaxRegionStats,
} from '../kernels/softmaxRegion.js';
import { formatValue, overlaps, rangeError } from '../validate.js';
import { checkClassWeights, checkGtPr } from '../options.js';
import { type FloatArray, NO_RANGE } from '../kernels/regionStats.js';
import { type RegionTape, softmaxSquaredGradRun, startRegionTape } from '../kernels/regionWasm.js';
import { toFloatArray } from '../kernels/toFloatArray.js';
import {
  type SigmoidGradInput,
  checkDenseInputs,
  denseGrad,
  denseSigmoid,
  denseSquared,
  denseStats,
  unselectedLogitsBad,
} from './denseStats.js';
import type { SigmoidPass } from '../kernels/sigmoidStats.js';
import { numberAlgebra as NUM } from '../algebra.js';
import {
  type ScoreShape,
  classTermOf,
  countCoefficientsOf,
  focalPowerDerivative,
  ratioPartialsOf,
  reduceTermsOf,
  scoreLossDerivative,
} from '../scores.js';
import {
  type Prepared,
  activate,
  badLabelError,
  checkTargets,
  prepareTargets,
  resolveActivation,
  sigmoid,
  softmaxAt,
} from './input.js';
import { type RegionConfig, expandWeights, selectChannels } from './options.js';

/** Per (r, k) soft counts: tp, fp, fn and G (Σg over unmasked elements), r = image (perImage) or 0. */
export interface RegionCounts {
  /** Number of rows: N when per image, else 1. */
  R: number;
  /** Selected channels, in order. */
  channels: number[];
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  /** Σ g (plain), to tell empty classes. */
  G: Float64Array;
}

/** ∂L/∂tp, ∂L/∂fp, ∂L/∂fn per (r, k), filled by a loss's reduction. */
export interface CountGrads {
  dtp: Float64Array;
  dfp: Float64Array;
  dfn: Float64Array;
}

/** What the counting form needs from the options. */
export interface CountForm {
  squared: boolean;
  softLabel: boolean;
  absNorms: boolean;
  perImage: boolean;
}

/** A call on the fused softmax kernels: the logits and targets they read again in the gradient pass. */
export interface FusedSoftmax {
  geom: BatchGeometry;
  x: Float32Array;
  targets: SoftmaxTargets;
  /** Where pass 1 stored the softmax for pass 2 (the gradient buffer), when a gradient was asked for. */
  stored?: Float32Array;
}

/**
 * The counts of the score table from the sums I = Σp·g, P = Σp, G = Σg of each (row r, selected class k), read
 * at `I[at(r, k)]` (and P, G alike): tp = I, fp = P − I, fn = G − I. In the squared form P = Σp² and `GN` = Σg²
 * (fn = GN − I; G = Σg still tells empty classes).
 */
function countsFromSums(
  R: number,
  channels: number[],
  I: Float64Array,
  P: Float64Array,
  G: Float64Array,
  at: (r: number, k: number) => number,
  GN: Float64Array = G,
): RegionCounts {
  const K = channels.length;
  const n = R * K;
  const tp = new Float64Array(n);
  const fp = new Float64Array(n);
  const fnA = new Float64Array(n);
  const Gk = new Float64Array(n);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) {
      const src = at(r, k);
      const q = r * K + k;
      tp[q] = I[src];
      fp[q] = P[src] - I[src];
      fnA[q] = GN[src] - I[src];
      Gk[q] = G[src];
    }
  }
  return { R, channels, tp, fp, fn: fnA, G: Gk };
}

/** A call on the dense probability kernels (denseStats.ts): what the gradient pass reads again. */
export interface DenseCall {
  geom: BatchGeometry;
  gt: FloatArray;
  tape: RegionTape | undefined;
  /** From logits with a sigmoid: the logits and where pass 1 stored σ of them. */
  sigmoid?: SigmoidGradInput;
  /** The squared (V-Net) form: pass 2 reads p, from `pr` (probabilities) or as `sigmoid` says. */
  squared?: { pr?: FloatArray };
  /** From logits with a softmax (channels-first, squared form): the softmax that pass 1 stored, for pass 2. */
  softmax?: Float32Array;
}

/** A prepared call: inputs (general, fused softmax or dense probabilities), selected channels and the counts. */
export type RegionState =
  | { prep: Prepared; fused?: undefined; dense?: undefined; counts: RegionCounts }
  | { prep?: undefined; fused: FusedSoftmax; dense?: undefined; counts: RegionCounts }
  | { prep?: undefined; fused?: undefined; dense: DenseCall; counts: RegionCounts };

/** What a stage makes of a call (its inputs, or its state), or null when the call needs another path. */
export type StageOf<T> = (
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: RegionConfig,
  form: CountForm,
  call: CountCall,
) => T | null;

/** A path of {@link regionCounts}: the call's state, or null when the call needs another path. */
type CountPath = StageOf<RegionState>;

/** What a call of {@link regionCounts} needs beyond the options. */
export interface CountCall {
  /** Binarise the probabilities as `p > threshold` (metrics). @default none */
  threshold?: number;
  /** The gradient pass will follow (the dense kernels then keep gt's masks for it). @default false */
  wantGrad?: boolean;
  /**
   * The caller's gradient buffer (`{ out }`), when a gradient follows: the fused softmax kernels store the
   * softmax there in pass 1 and overwrite it with the gradient in pass 2. @default none
   */
  out?: Float32Array;
}

/**
 * The dense probability path (denseStats.ts): no activation, the plain or the squared (V-Net) form (no
 * threshold there), nothing ignored, targets of pr's shape. With `cfg.sameShapeTargets` (sm's own option set) the inputs are checked as sm does (rank ≥ 3, the
 * same shape); otherwise a label map declines it. Returns null when the call needs another path.
 */
const denseCounts: CountPath = (fn, gt, pr, cfg, form, call) => {
  if (cfg.fromLogits) return denseSigmoidCounts(fn, gt, pr, cfg, form, call);
  const inputs = probabilityStageInputs(fn, gt, pr, cfg, form, call);
  if (inputs === null) return null;
  const { geom, channels, g, p } = inputs;
  const tape = call.wantGrad && !form.squared ? startRegionTape() : undefined;
  const R = form.perImage ? geom.batch : 1;
  const range = cfg.checkInputs ? new Float64Array([Infinity, -Infinity]) : NO_RANGE;
  const { threshold } = call;
  const { perImage } = form;
  const stats = denseStats(g, p, geom, channels, perImage, threshold, tape, range, undefined, form.squared);
  if (cfg.checkInputs) {
    const domain = call.threshold === undefined ? 'probabilities' : 'numbers';
    checkDenseInputs(fn, g, p, geom, channels, [stats], range, domain);
  }
  const squared = form.squared ? { pr: p } : undefined;
  return denseState({ geom, gt: g, tape, squared }, channels, R, stats);
};

/**
 * Whether the dense probability stage takes the call (see {@link denseCounts}; probabilities, no activation) and
 * its inputs then, else null.
 */
export const probabilityStageInputs: StageOf<{
  geom: BatchGeometry;
  channels: number[];
  g: FloatArray;
  p: FloatArray;
}> = (fn, gt, pr, cfg, form, call) => {
  if (cfg.fromLogits || (form.squared ? !squaredStage(call) : form.softLabel)) return null;
  if (cfg.ignoreIndex !== undefined) return null;
  let geom: BatchGeometry;
  if (cfg.sameShapeTargets) geom = checkGtPr(fn, gt, pr, cfg.layout);
  else {
    const t = checkTargets(fn, gt, pr, cfg.layout);
    if (t.labelMap) return null;
    geom = t.geom;
  }
  const channels = selectChannels(fn, cfg, geom.channels);
  if (cfg.sameShapeTargets) checkClassWeights(fn, cfg.classWeights, channels.length);
  return { geom, channels, g: toFloatArray(gt.data), p: toFloatArray(pr.data) };
};

/** Whether a squared-form call may take the dense stage: it is switched on and the call has no threshold. */
function squaredStage(call: CountCall): boolean {
  return denseSquared.enabled && call.threshold === undefined;
}

/**
 * The state of a dense-stage call from its sums: cell q = r·K + k holds {tp, P, G} at 3q, or in the squared form
 * {tp, Σp², Σg², Σg} at 4q.
 */
function denseState(dense: DenseCall, channels: number[], R: number, stats: Float64Array): RegionState {
  return { dense, counts: countsOfStats(stats, channels, R, dense.squared !== undefined) };
}

/**
 * The counts of R rows from the dense stage's sums (cell q = r·K + k: {tp, P, G} at 3q, squared {tp, Σp², Σg², Σg}
 * at 4q); row r reads the sums of row `rowOf(r)` (the fused form's stand-ins), by default its own.
 */
export function countsOfStats(
  stats: Float64Array,
  channels: number[],
  R: number,
  squared: boolean,
  rowOf: (r: number) => number = (r) => r,
): RegionCounts {
  const K = channels.length;
  const w = squared ? 4 : 3;
  const at = (r: number, k: number) => w * (rowOf(r) * K + k);
  const [P, GN] = [stats.subarray(1), stats.subarray(2)];
  return squared
    ? countsFromSums(R, channels, stats, P, stats.subarray(3), at, GN)
    : countsFromSums(R, channels, stats, P, GN, at);
}

/**
 * The dense stage's pass-2 coefficients of cells [q0, q0 + n) from ∂L/∂(tp, fp, fn) (the table's
 * `countCoefficientsOf`): (A, B), squared (A, 2B) (∂Σp²/∂p = 2p), at [2(q − q0), 2(q − q0) + 1] of the result.
 */
export function denseCoefficients(grads: CountGrads, q0: number, n: number, squared: boolean): Float64Array {
  const coef = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const q = q0 + j;
    const [a, b] = countCoefficientsOf(NUM, grads.dtp[q], grads.dfp[q], grads.dfn[q]);
    coef[2 * j] = a;
    coef[2 * j + 1] = squared ? b * 2 : b;
  }
  return coef;
}

/** The float32 copy of integer dense targets (reused across calls: it grows to the largest input and stays). */
let targetScratch = new Float32Array(0);

/**
 * Targets as the kernels read them: small integer arrays become float32 (exact), so that WebAssembly takes them.
 * The copy goes to one scratch array kept between calls (a call's counts and its gradient pass run back to back,
 * so no two calls hold it at once), not to a new array per call.
 */
export function floatTargets(g: NumericArray): FloatArray {
  const small =
    g instanceof Uint8Array ||
    g instanceof Int8Array ||
    g instanceof Uint16Array ||
    g instanceof Int16Array ||
    g instanceof Uint8ClampedArray;
  if (!small) return toFloatArray(g);
  if (targetScratch.length < g.length) targetScratch = new Float32Array(g.length);
  const copy = targetScratch.subarray(0, g.length);
  copy.set(g);
  return copy;
}

/**
 * The dense stage from float32 logits with a sigmoid (denseStats.ts with a {@link SigmoidPass}): the plain form
 * (MONAI's |p| is p there), the squared (V-Net) form, or smp's soft-label form when every target read is exactly 0 or 1 (it equals the
 * plain one then, gradient included: where p = g exactly, p(1 − p) = 0); dense targets or a label map (expanded
 * as the general path does), nothing ignored, no threshold. Pass 1 stores σ(x) in the gradient buffer when a
 * gradient follows (`call.out` when it overlaps no input, else a new one). A non-finite
 * logit (any channel, as the general path checks) or target: the general path's RangeError, or with
 * `checkInputs: false` the general path itself. Returns null when the call needs another path.
 */
/** The inputs of a call the sigmoid stage takes: float32 logits, their geometry, float targets and the channels. */
export interface SigmoidStageInputs {
  x: Float32Array;
  geom: BatchGeometry;
  g: FloatArray;
  channels: number[];
}

/**
 * Whether the sigmoid stage takes the call (see {@link denseSigmoidCounts}) and its inputs then (a label map
 * expanded, integer targets as float32), else null.
 */
export const sigmoidStageInputs: StageOf<SigmoidStageInputs> = (fn, gt, pr, cfg, form, call) => {
  const x = pr.data;
  if (!denseSigmoid.enabled || !(x instanceof Float32Array) || call.threshold !== undefined) return null;
  if (form.squared ? !squaredStage(call) : form.softLabel && form.absNorms) return null;
  if (cfg.ignoreIndex !== undefined) return null;
  const C = checkTargets(fn, gt, pr, cfg.layout).geom.channels;
  if (resolveActivation(cfg.activation, C) !== 'sigmoid') return null;
  const { geom, g: targets } = prepareTargets(fn, gt, pr, cfg.layout, undefined);
  return { x, geom, g: floatTargets(targets), channels: selectChannels(fn, cfg, C) };
};

const denseSigmoidCounts: CountPath = (fn, gt, pr, cfg, form, call) => {
  const inputs = sigmoidStageInputs(fn, gt, pr, cfg, form, call);
  if (inputs === null) return null;
  const { x, geom, g, channels } = inputs;
  const C = geom.channels;
  // σ goes to `out` when it overlaps neither input (views of one buffer may be apart), else to a new buffer:
  // pass 2 then reads σ and the targets, never the logits that `out` may hide.
  const apart = call.out !== undefined && !overlaps(call.out, x) && !overlaps(call.out, g);
  const stored =
    call.wantGrad && denseSigmoid.store ? (apart ? call.out : new Float32Array(x.length)) : undefined;
  const pass: SigmoidPass = { x, store: stored, bad: 0, soft: false };
  const { perImage } = form;
  const stats = denseStats(
    g,
    x,
    geom,
    channels,
    perImage,
    undefined,
    undefined,
    NO_RANGE,
    pass,
    form.squared,
  );
  if (channels.length < C) pass.bad += unselectedLogitsBad(x, geom, channels);
  if (cfg.checkInputs)
    checkDenseInputs(fn, g, x, geom, channels, [stats], new Float64Array([pass.bad, 0]), 'logits');
  else {
    let finite = pass.bad === 0;
    for (let i = 0; i < stats.length; i++) finite &&= Number.isFinite(stats[i]);
    // Unchecked bad input: the general path computes the call as it is (a NaN propagates).
    if (!finite) return null;
  }
  // The squared form ignores softLabel (the general path's too); pass.soft is not tracked there.
  if (!form.squared && form.softLabel && pass.soft) return null;
  const R = form.perImage ? geom.batch : 1;
  const squared = form.squared ? {} : undefined;
  return denseState({ geom, gt: g, tape: undefined, sigmoid: { x, stored }, squared }, channels, R, stats);
};

function isLabelArray(a: unknown): a is LabelArray {
  return (
    a instanceof Uint8Array ||
    a instanceof Int32Array ||
    a instanceof Int8Array ||
    a instanceof Uint16Array ||
    a instanceof Int16Array
  );
}

/** The inputs of a call the fused softmax kernels take. */
interface FusedInputs {
  geom: BatchGeometry;
  x: Float32Array;
  targets: SoftmaxTargets;
  channels: number[];
}

/**
 * The fused softmax path (kernels/softmaxRegion.ts): softmax from float32 logits, either layout, C ≥ 2, the
 * plain form (or smp's soft-label form on a label map), and targets it reads directly (dense float32 without
 * `ignoreIndex`, or an integer label map). Returns null when the call needs the general path.
 */
function fusedSoftmaxInputs(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: RegionConfig,
  form: CountForm,
): FusedInputs | null {
  const x = pr.data;
  if (!cfg.fromLogits || !(x instanceof Float32Array)) return null;
  const { geom, labelMap } = checkTargets(fn, gt, pr, cfg.layout);
  // The soft-label form (smp) equals the plain one on hard targets: a label map is hard by construction
  // (tp = (Σp + Σg − Σ|p − g|)/2 = Σ p·g for g ∈ {0, 1} and p ∈ [0, 1]).
  if (form.softLabel && (!labelMap || form.absNorms)) return null;
  const C = geom.channels;
  if (C < 2 || resolveActivation(cfg.activation, C) !== 'softmax') return null;
  let targets: SoftmaxTargets;
  if (labelMap && isLabelArray(gt.data)) {
    targets = { kind: 'labels', labels: gt.data, ignore: cfg.ignoreIndex };
  } else if (!labelMap && gt.data instanceof Float32Array && cfg.ignoreIndex === undefined) {
    targets = { kind: 'dense', g: gt.data };
  } else return null;
  return { geom, x, targets, channels: selectChannels(fn, cfg, C) };
}

/** The error for the bad input the fused kernels found (pass 1 stops there). */
function fusedBadInput(
  fn: string,
  gt: NdArray,
  cfg: RegionConfig,
  inputs: FusedInputs,
  bad: BadInput,
): Error {
  const { x, targets, geom } = inputs;
  if (bad.what === 'logits') {
    return rangeError(
      fn,
      `pr must hold finite logits; got ${formatValue(x[bad.index])} at index ${bad.index}.`,
    );
  }
  if (targets.kind === 'labels') return badLabelError(fn, gt, geom.channels - 1, cfg.ignoreIndex, bad.index);
  return rangeError(
    fn,
    `gt must hold finite values; got ${formatValue(gt.data[bad.index])} at index ${bad.index}.`,
  );
}

/** A gradient buffer the fused kernels may write before the end of the call: it overlaps none of the inputs. */
function apartFromInputs(store: Float32Array, x: Float32Array, t: SoftmaxTargets): boolean {
  return !overlaps(store, x) && !overlaps(store, t.kind === 'dense' ? t.g : t.labels);
}

/**
 * The fused softmax path, both passes apart ({@link regionCounts}, then {@link regionBackward}): pass 1 stores
 * the softmax in the gradient buffer when a gradient follows. Returns null when the call needs the general path.
 */
const fusedSoftmaxCounts: CountPath = (fn, gt, pr, cfg, form, call) => {
  if (form.squared) return squaredSoftmaxCounts(fn, gt, pr, cfg, form, call);
  const inputs = fusedSoftmaxInputs(fn, gt, pr, cfg, form);
  if (inputs === null) return null;
  const { geom, x, targets, channels } = inputs;
  const C = geom.channels;
  const R = form.perImage ? geom.batch : 1;
  const I = new Float64Array(R * C);
  const P = new Float64Array(R * C);
  const G = new Float64Array(R * C);
  // A gradient call stores the softmax in its gradient buffer (pass 2 reads it back instead of computing it
  // again), unless that buffer overlaps the inputs.
  const store = call.wantGrad ? (call.out ?? new Float32Array(x.length)) : undefined;
  const stored = store && apartFromInputs(store, x, targets) ? store : undefined;
  const bad = softmaxRegionStats(
    x,
    targets,
    geom.batch,
    geom.pixels,
    C,
    form.perImage,
    I,
    P,
    G,
    stored,
    geom.layout,
  );
  // The kernels stop at bad input. Unchecked (checkInputs: false), the general path then computes the call
  // as it is (a NaN propagates; a bad label still throws there).
  if (bad !== null && !cfg.checkInputs) return null;
  if (bad !== null) throw fusedBadInput(fn, gt, cfg, inputs, bad);
  // Sums of (r, c) sit at r·C + c, for every channel.
  const counts = countsFromSums(R, channels, I, P, G, (r, k) => r * C + channels[k]);
  return { fused: { geom, x, targets, stored }, counts };
};

/**
 * The squared (V-Net) form from float32 logits with a softmax, channels-first (PyTorch's layout), dense float32
 * targets or a label map without `ignoreIndex`: the softmax kernels' pass 1 (bad input found and reported as on
 * the fused path) stores the softmax at the logits' places, in `call.out` when it overlaps no input, else in a
 * new buffer; the dense stage's squared sums (Σp·g, Σp², Σg², Σg) run over it; pass 2 is the general path's
 * loop (A·g + 2B·p through the softmax Jacobian) reading that stored softmax. The softmax kernels have no squared
 * form of their own (docs/notes/issue-10-squared.md says why). Returns null when the call needs the general path.
 */
const squaredSoftmaxCounts: CountPath = (fn, gt, pr, cfg, form, call) => {
  if (!squaredStage(call)) return null;
  const inputs = fusedSoftmaxInputs(fn, gt, pr, cfg, form);
  if (inputs === null || inputs.geom.layout !== 'channelsFirst') return null;
  const { geom, x, targets, channels } = inputs;
  if (targets.kind === 'labels' && targets.ignore !== undefined) return null;
  const C = geom.channels;
  const R = form.perImage ? geom.batch : 1;
  const [I, P, G] = [0, 1, 2].map(() => new Float64Array(R * C));
  const p = call.out && apartFromInputs(call.out, x, targets) ? call.out : new Float32Array(x.length);
  const { batch, pixels } = geom;
  const bad = softmaxRegionStats(x, targets, batch, pixels, C, form.perImage, I, P, G, p, 'channelsFirst');
  // As on the fused path: unchecked bad input goes to the general path, checked bad input throws.
  if (bad !== null && !cfg.checkInputs) return null;
  if (bad !== null) throw fusedBadInput(fn, gt, cfg, inputs, bad);
  const g = floatTargets(prepareTargets(fn, gt, pr, cfg.layout, undefined).g);
  const { perImage } = form;
  const stats = denseStats(g, p, geom, channels, perImage, undefined, undefined, NO_RANGE, undefined, true);
  return denseState({ geom, gt: g, tape: undefined, squared: {}, softmax: p }, channels, R, stats);
};

/**
 * Pass 2 of {@link squaredSoftmaxCounts}: per image, ∂L/∂x through the softmax Jacobian from the stored softmax
 * (kernels/regionWasm.ts `softmaxSquaredGradRun`: WebAssembly, or squaredStats.ts `softmaxSquaredGrad`), with `coef` = (A, 2B) per (row, selected class). Writes into
 * `out`, else over the stored softmax.
 */
function softmaxSquaredBackward(
  dense: DenseCall,
  p: Float32Array,
  channels: number[],
  perImage: boolean,
  coef: Float64Array,
  out: Float32Array | undefined,
): Float32Array {
  const { batch, pixels, channels: C, imageStride } = dense.geom;
  const K = channels.length;
  const grad = out ?? p;
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  for (let n = 0; n < batch; n++) {
    const row = (perImage ? n : 0) * K;
    for (let k = 0; k < K; k++) {
      a[channels[k]] = coef[2 * (row + k)];
      b[channels[k]] = coef[2 * (row + k) + 1];
    }
    softmaxSquaredGradRun(dense.gt, p, grad, n * imageStride, pixels, C, a, b);
  }
  return grad;
}

/**
 * Pass 1: activation (once) and the per-(r, k) sums I = Σ p·g, P = Σ p (Σ p², Σ|p|), G, D = Σ|p − g|, all over
 * unmasked elements, in float64. `grad` (a gradient call, with the caller's `out` if any): the fused softmax
 * path then stores the softmax in that buffer (or a new one) for regionBackward to read back.
 */
export function regionCounts(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: RegionConfig,
  form: CountForm = cfg,
  call: CountCall = {},
): RegionState {
  const dense = denseCounts(fn, gt, pr, cfg, form, call);
  if (dense !== null) return dense;
  const check = cfg.checkInputs;
  if (call.threshold !== undefined) {
    // Metrics with a threshold off the dense path: activation, then the hard mask `p > threshold`.
    const { geom } = checkTargets(fn, gt, pr, cfg.layout);
    const p = cfg.fromLogits
      ? activate(
          pr.data,
          geom,
          resolveActivation(cfg.activation, geom.channels),
          undefined,
          check ? fn : undefined,
        )
      : pr.data;
    const hard = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) hard[i] = p[i] > call.threshold ? 1 : 0;
    const c = { ...cfg, fromLogits: false };
    return regionCounts(fn, gt, { data: hard, shape: pr.shape }, c, form, { wantGrad: call.wantGrad });
  }
  const fused = fusedSoftmaxCounts(fn, gt, pr, cfg, form, call);
  if (fused !== null) return fused;
  const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
  const { geom, g, mask } = t;
  const C = geom.channels;
  const channels = selectChannels(fn, cfg, C);
  const K = channels.length;
  const R = form.perImage ? geom.batch : 1;
  const activation = cfg.fromLogits ? resolveActivation(cfg.activation, C) : null;
  const x = pr.data;
  // The activation is computed once, in this pass, and stored for the gradient pass.
  // Stored at the input's precision: float32 logits give float32 probabilities (half the memory traffic); the
  // sums stay float64.
  const p: NumericArray = !activation
    ? x
    : x instanceof Float32Array
      ? new Float32Array(x.length)
      : new Float64Array(x.length);
  const I = new Float64Array(R * K);
  const P = new Float64Array(R * K);
  const Gk = new Float64Array(R * K);
  const G = form.squared ? new Float64Array(R * K) : Gk;
  const D = form.softLabel && !form.squared ? new Float64Array(R * K) : null;
  const sel = new Int32Array(C).fill(-1);
  channels.forEach((c, k) => (sel[c] = k));
  const { batch, pixels, imageStride, pixelStride, channelStride } = geom;
  const plain = !form.squared && D === null;
  const fast = plain && mask === null;
  const pa = p as Float64Array | Float32Array;
  // The range of pr read, for the [0, 1] check of probability inputs (NaN shows in the sums); from logits, a
  // NaN-sticky Σ (x − x) over every logit instead (softmaxAt returns NaN for a pixel holding a bad logit).
  let lo = Infinity;
  let hi = -Infinity;
  let bad = 0;
  for (let b = 0; b < batch; b++) {
    const row = form.perImage ? b * K : 0;
    for (let s = 0; s < pixels; s++) {
      const base = b * imageStride + s * pixelStride;
      if (activation === 'softmax') {
        const lse = softmaxAt(x, pa, base, C, channelStride);
        bad += lse - lse;
      } else if (activation === 'sigmoid') {
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const v = x[i];
          bad += v - v;
          pa[i] = sigmoid(v);
        }
      }
      if (fast) {
        // Plain form, nothing ignored: the common case, without per-element branches.
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const k = sel[c];
          if (k < 0) continue;
          const pv = p[i];
          const gv = g[i];
          I[row + k] += pv * gv;
          P[row + k] += pv;
          G[row + k] += gv;
          if (pv < lo) lo = pv;
          if (pv > hi) hi = pv;
        }
        continue;
      }
      for (let c = 0, i = base; c < C; c++, i += channelStride) {
        const k = sel[c];
        if (k < 0 || (mask !== null && mask[i] === 0)) continue;
        const q = row + k;
        const pv = p[i];
        const gv = g[i];
        if (pv < lo) lo = pv;
        if (pv > hi) hi = pv;
        I[q] += pv * gv;
        G[q] += gv;
        if (plain) P[q] += pv;
        else if (form.squared) {
          P[q] += pv * pv;
          Gk[q] += gv * gv;
        } else {
          P[q] += form.absNorms ? Math.abs(pv) : pv;
          D![q] += Math.abs(pv - gv);
          if (form.absNorms) Gk[q] += Math.abs(gv) - gv; // Gk aliases G: Σ|g| = Σg + Σ(|g| − g)
        }
      }
    }
  }
  if (check) {
    const sums = D === null ? [I, P, G] : [I, P, G, D];
    const range = activation === null ? [lo, hi] : [bad, bad];
    const domain = activation === null ? 'probabilities' : 'logits';
    checkDenseInputs(fn, g, x, geom, channels, sums, new Float64Array(range), domain, mask);
  }
  const prep: Prepared = { geom, g, mask, p, activation, labelMap: t.labelMap };
  const n = R * K;
  const tp = new Float64Array(n);
  const fpA = new Float64Array(n);
  const fnA = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const t = D !== null ? (P[q] + Gk[q] - D[q]) / 2 : I[q];
    tp[q] = t;
    fpA[q] = P[q] - t;
    fnA[q] = Gk[q] - t;
  }
  // With absNorms and no squaring Gk aliases G and holds Σ|g|; emptiness reads Σ|g| there, which is the same test.
  return { prep, counts: { R, channels, tp, fp: fpA, fn: fnA, G } };
}

/**
 * ∂L/∂p_c = A_c·g_c + B_c of row r for each of the C channels, from ∂L/∂(tp, fp, fn) of its selected classes
 * (the table's `countCoefficientsOf`); channels not selected get 0. A and B: C entries each.
 */
function channelCoefficients(
  grads: CountGrads,
  channels: number[],
  C: number,
  r: number,
  A: Float64Array,
  B: Float64Array,
): void {
  const K = channels.length;
  A.fill(0, 0, C);
  B.fill(0, 0, C);
  for (let k = 0; k < K; k++) {
    const q = r * K + k;
    const [a, b] = countCoefficientsOf(NUM, grads.dtp[q], grads.dfp[q], grads.dfn[q]);
    A[channels[k]] = a;
    B[channels[k]] = b;
  }
}

/**
 * A per-image fused form's value and gradient of a region loss (`reduce`: the loss's own reduction of counts),
 * into `out` when given, or null when the call is not for that form.
 */
export type FusedValueAndGrad = (
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: RegionConfig,
  form: CountForm,
  reduce: (counts: RegionCounts) => RegionTerms,
  out?: Float32Array,
) => { value: number; grad: Float32Array } | null;

/**
 * Value and gradient of a per-image region loss on the fused softmax kernels with both passes run image by
 * image (kernels/softmaxRegion.ts `softmaxRegionFused`): pass 2 of image b follows its pass 1 while its data is
 * in cache. Image b's coefficients come from `reduce` itself (the one score table and reduction), called on the
 * sums so far with the images not yet counted standing in as copies of image b. That is exact whenever image
 * b's coefficients depend on its own sums alone (a mean of per-image terms: MONAI, smp and sm per image); the
 * final reduction then checks it, coefficient by coefficient, and computes the gradient of any image whose
 * coefficients differ again from its logits. Returns null when the call is not for this path (not per image,
 * not the fused kernels' inputs, no WebAssembly, `out` overlapping the inputs, or bad input with
 * `checkInputs: false`).
 */
export const fusedRegionValueAndGrad: FusedValueAndGrad = (fn, gt, pr, cfg, form, reduce, out) => {
  if (!form.perImage || form.squared) return null;
  const inputs = fusedSoftmaxInputs(fn, gt, pr, cfg, form);
  if (inputs === null) return null;
  const { geom, x, targets, channels } = inputs;
  const { batch, pixels, channels: C } = geom;
  if (!softmaxFusable(C, pixels)) return null;
  const grad = out ?? new Float32Array(x.length);
  if (!apartFromInputs(grad, x, targets)) return null;
  const n = batch * C;
  const [I, P, G] = [0, 1, 2].map(() => new Float64Array(n));
  // The coefficients each image's pass 2 ran with, to check against the final reduction.
  const used = new Float64Array(2 * n);
  const bad = softmaxRegionFused(
    x,
    targets,
    batch,
    pixels,
    C,
    I,
    P,
    G,
    grad,
    (b, A, B) => {
      const guess = countsFromSums(batch, channels, I, P, G, (r, k) => Math.min(r, b) * C + channels[k]);
      channelCoefficients(reduce(guess).grads, channels, C, b, A, B);
      used.set(A.subarray(0, C), b * C);
      used.set(B.subarray(0, C), n + b * C);
    },
    geom.layout,
  );
  if (bad !== null && !cfg.checkInputs) return null;
  if (bad !== null) throw fusedBadInput(fn, gt, cfg, inputs, bad);
  const r = reduce(countsFromSums(batch, channels, I, P, G, (row, k) => row * C + channels[k]));
  const A = new Float64Array(C);
  const B = new Float64Array(C);
  for (let b = 0; b < batch; b++) {
    channelCoefficients(r.grads, channels, C, b, A, B);
    let same = true;
    for (let c = 0; c < C; c++) same &&= A[c] === used[b * C + c] && B[c] === used[n + b * C + c];
    if (same) continue;
    // Image b's coefficients depend on later images: its pass 2 again (an image's elements are contiguous in
    // either layout).
    softmaxFusedRuns.redone++;
    const [s, e] = [b * pixels, (b + 1) * pixels];
    const t: SoftmaxTargets =
      targets.kind === 'dense'
        ? { kind: 'dense', g: targets.g.subarray(s * C, e * C) }
        : { kind: 'labels', labels: targets.labels.subarray(s, e), ignore: targets.ignore };
    // Pass 1 of the image again (its sums are not needed), storing its softmax in its part of the gradient, then
    // pass 2 from it: the kernels and bits of the two passes apart.
    const [xs, gs] = [x.subarray(s * C, e * C), grad.subarray(s * C, e * C)];
    const sums = [0, 1, 2].map(() => new Float64Array(C));
    softmaxRegionStats(xs, t, 1, pixels, C, true, sums[0], sums[1], sums[2], gs, geom.layout);
    softmaxRegionGrad(xs, t, 1, pixels, C, true, A, B, gs, gs, geom.layout);
  }
  return { value: r.value, grad };
};

/**
 * Pass 2: ∂L/∂pr from ∂L/∂(tp, fp, fn) per (r, k), through the counting form and the activation.
 * Per element of class k: ∂L/∂p = A·t' + B·P' with A = dtp − dfp − dfn, B = dfp, t' = g (plain / squared) or
 * (P' − sign(p − g))/2 (soft label), P' = 1, 2p (squared) or sign(p) (MONAI's |p|). sign(0) = 0 as torch.
 */
export function regionBackward(
  state: RegionState,
  grads: CountGrads,
  form: CountForm,
  into?: Float32Array,
): Float32Array {
  const { counts } = state;
  const { channels, R } = counts;
  const K = channels.length;
  if (state.dense !== undefined) {
    // ∂L/∂p = A·g + B per (row, class): the affine kernels' coefficient pairs; squared, A·g + 2B·p: (A, 2B).
    const { geom, gt, tape, sigmoid, squared, softmax } = state.dense;
    const coef = denseCoefficients(grads, 0, R * K, squared !== undefined);
    if (softmax) return softmaxSquaredBackward(state.dense, softmax, channels, form.perImage, coef, into);
    const out = into ?? sigmoid?.stored;
    return denseGrad(gt, geom, channels, form.perImage, coef, out, tape, sigmoid, squared);
  }
  if (state.fused !== undefined) {
    const { geom, x, targets } = state.fused;
    const C = geom.channels;
    const A = new Float64Array(R * C);
    const B = new Float64Array(R * C);
    for (let r = 0; r < R; r++)
      channelCoefficients(grads, channels, C, r, A.subarray(r * C), B.subarray(r * C));
    const { stored } = state.fused;
    const out = into ?? stored ?? new Float32Array(x.length);
    softmaxRegionGrad(x, targets, geom.batch, geom.pixels, C, form.perImage, A, B, out, stored, geom.layout);
    return out;
  }
  const { geom, g, mask, p, activation } = state.prep;
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
  const A = new Float64Array(R * K);
  const B = new Float64Array(R * K);
  for (let q = 0; q < R * K; q++) {
    [A[q], B[q]] = countCoefficientsOf(NUM, grads.dtp[q], grads.dfp[q], grads.dfn[q]);
  }
  const sel = new Int32Array(C).fill(-1);
  channels.forEach((c, k) => (sel[c] = k));
  const out = into ?? new Float32Array(p.length);
  const d = new Float64Array(C);
  const soft = form.softLabel && !form.squared;
  const fast = !form.squared && !soft && mask === null;
  for (let b = 0; b < batch; b++) {
    const row = (form.perImage ? b : 0) * K;
    for (let s = 0; s < pixels; s++) {
      const base = b * imageStride + s * pixelStride;
      if (fast) {
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const k = sel[c];
          d[c] = k < 0 ? 0 : A[row + k] * g[i] + B[row + k];
        }
      } else
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const k = sel[c];
          if (k < 0 || (mask !== null && mask[i] === 0)) {
            d[c] = 0;
            continue;
          }
          const pv = p[i];
          const a = A[row + k];
          const bb = B[row + k];
          if (form.squared) d[c] = a * g[i] + bb * 2 * pv;
          else if (soft) {
            const dP = form.absNorms ? Math.sign(pv) : 1;
            d[c] = (a * (dP - Math.sign(pv - g[i]))) / 2 + bb * dP;
          } else d[c] = a * g[i] + bb;
        }
      if (activation === 'softmax') {
        let dot = 0;
        for (let c = 0, i = base; c < C; c++, i += channelStride) dot += p[i] * d[c];
        for (let c = 0, i = base; c < C; c++, i += channelStride) out[i] = p[i] * (d[c] - dot);
      } else if (activation === 'sigmoid') {
        for (let c = 0, i = base; c < C; c++, i += channelStride) out[i] = d[c] * p[i] * (1 - p[i]);
      } else {
        for (let c = 0, i = base; c < C; c++, i += channelStride) out[i] = d[c];
      }
    }
  }
  return out;
}

/** Coefficients of a score shape (the table in `src/core/scores.ts`). */
export type { ScoreShape } from '../scores.js';

/** Per-class terms of a region loss: the score, its loss, and the reduction to one number with its gradient. */
export interface RegionTerms {
  /** Per-(r, k) loss terms after weights (before the reduction), for inspection and `reduction: 'none'`. */
  terms: Float64Array;
  value: number;
  grads: CountGrads;
}

/** Options of {@link reduceRegion} beyond the config. */
export interface ReduceExtras {
  /** Exponent on each class term (focal Tversky) or on the mean (`gammaOn: 'mean'`, smp). @default 1 */
  gamma?: number;
  gammaOn?: 'class' | 'mean';
}

/**
 * The class weights of a region loss or metric over K selected classes: `classWeights` expanded, all 1 when
 * MONAI scores a single class (its weights need two).
 * @example regionClassWeights('diceLoss', cfg, 3) // Float64Array [1, 1, 1] for classWeights 1
 */
export function regionClassWeights(fn: string, cfg: RegionConfig, K: number): Float64Array {
  if (cfg.weightsNeedTwoClasses && K === 1) return new Float64Array(1).fill(1);
  return expandWeights(fn, cfg.classWeights, K);
}

/**
 * Scores, per-class losses, weights and reduction (the sm / smp / MONAI semantics the config selects), with
 * ∂L/∂(tp, fp, fn). Per (r, k): s = (a·tp + snr)/max(a·tp + wfp·fp + wfn·fn + sdr, eps); ℓ = 1 − s or
 * −log(max(s, eps)); focal: ℓ^γ; weights and emptiness as configured; mean or sum. Every formula is the
 * table's (`classTermOf`, `reduceTermsOf` of scores.ts, on numbers), the same code the TF.js op path runs on
 * tensors; the closed-form derivatives are the table's too.
 */
export function reduceRegion(
  fn: string,
  counts: RegionCounts,
  cfg: RegionConfig,
  shape: ScoreShape,
  extras: ReduceExtras = {},
): RegionTerms {
  const { R, channels, tp, fp, fn: fnA, G } = counts;
  const K = channels.length;
  const n = R * K;
  const w = regionClassWeights(fn, cfg, K);
  const gamma = extras.gamma ?? 1;
  const classGamma = extras.gammaOn !== 'mean' ? gamma : 1;
  const terms = new Float64Array(n);
  const dterm = new Float64Array(n); // ∂term/∂s
  const ds = new Float64Array(3 * n); // ∂s/∂tp, ∂s/∂fp, ∂s/∂fn
  const included = new Uint8Array(n);
  let count = 0;
  let wsum = 0;
  let total = 0;
  for (let q = 0; q < n; q++) {
    const k = q % K;
    // The formulas are the table's (scores.ts), on numbers; their closed-form derivatives follow.
    const c = classTermOf(NUM, shape, tp[q], fp[q], fnA[q], G[q], w[k], cfg, classGamma);
    if (c.included === 0) continue;
    included[q] = 1;
    count++;
    wsum += w[k];
    terms[q] = c.term;
    total += c.term;
    if (c.dropped === true) continue;
    const d = ratioPartialsOf(NUM, shape, c.parts);
    ds[3 * q] = d[0];
    ds[3 * q + 1] = d[1];
    ds[3 * q + 2] = d[2];
    let dl = scoreLossDerivative(c.parts.s, cfg.logLoss, cfg.eps);
    if (classGamma !== 1) dl *= focalPowerDerivative(c.loss, classGamma);
    dterm[q] = w[k] * dl;
  }
  const gammaOnMean = extras.gammaOn === 'mean' ? gamma : 1;
  const r = reduceTermsOf(NUM, total, count, wsum, cfg, gammaOnMean);
  const value = r.value;
  let scale = r.scale;
  if (gammaOnMean !== 1) scale *= focalPowerDerivative(r.mean, gammaOnMean);
  const grads: CountGrads = {
    dtp: new Float64Array(n),
    dfp: new Float64Array(n),
    dfn: new Float64Array(n),
  };
  for (let q = 0; q < n; q++) {
    if (!included[q]) continue;
    const c = dterm[q] * scale;
    grads.dtp[q] = c * ds[3 * q];
    grads.dfp[q] = c * ds[3 * q + 1];
    grads.dfn[q] = c * ds[3 * q + 2];
  }
  return { terms, value, grads };
}
