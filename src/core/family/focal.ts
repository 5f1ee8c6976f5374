/**
 * Focal loss of the family (Lin et al. 2017) in its sigmoid (per element) and softmax (per pixel) forms, from
 * probabilities or from logits (log-sigmoid / log-softmax, stable for logits of ±1e4), with per-class `alpha`,
 * class weights, ignored pixels and the MONAI / sm / smp presets. One pass: value and gradient together.
 * @module
 */
import { LAST_MAX_C, type LabelTargets, pixelBlocks, softmaxFocalWasm } from '../kernels/elementwiseWasm.js';
import { checkInputDomain } from '../kernels/inputDomain.js';
import { sigmoidFocalWasm } from './sigmoidFocalWasm.js';
import { focalReductionOf, smpClassFactors } from './focalReduction.js';
import { numberAlgebra } from '../algebra.js';
import {
  KERAS_CLIP_HI,
  KERAS_CLIP_LO,
  bceLogitsOf,
  bceLogitsSlopeOf,
  binaryMixOf,
  crossEntropySideOf,
  focalSideLogSlopeOf,
  focalSideOf,
  kerasClipOf,
  smpFocalFactorOf,
  smpFocalFactorSlopeOf,
} from './elementwiseTerms.js';
import {
  checkOptionKeys,
  resolveClassIndexes,
  resolveClassWeights,
  type InputCheckOption,
  resolveCheckInputs,
} from '../options.js';
import type { BatchGeometry, Layout, NdArray, NumericArray } from '../types.js';
import { checkBoolean, checkFiniteNumber, formatValue, rangeError, typeError } from '../validate.js';
import {
  type Activation,
  checkActivation,
  checkIgnoreIndex,
  logSigmoid,
  checkTargets,
  prepareTargets,
  resolveActivation,
} from './input.js';
import {
  type Preset,
  checkEnum,
  checkPreset,
  expandWeights,
  presetLayout,
  selectChannels,
} from './options.js';

/** Options of {@link focalTerms} and the `focalLoss` factory. */
export interface FocalFamilyOptions extends InputCheckOption {
  /** Defaults of a reference library: sm (probabilities, α = 0.25 on every class), MONAI (logits, no α), smp. @default 'segmentation_models' */
  preset?: Preset;
  /** Channel axis position. @default 'channelsLast' ('channelsFirst' with the presets 'smp' and 'monai') */
  layout?: Layout;
  /** `pr` holds logits. @default false (true for the MONAI and smp presets) */
  fromLogits?: boolean;
  /**
   * The form: `'softmax'` = categorical focal loss −Σ_c α_c g_c (1 − p_c)^γ log p_c (MONAI `use_softmax`),
   * `'sigmoid'` = binary focal loss per element. @default 'softmax' when C > 1 ('sigmoid' for MONAI), else 'sigmoid'
   */
  activation?: Activation;
  /** Focusing parameter γ ≥ 0. @default 2 */
  gamma?: number;
  /**
   * Class balance: a number in [0, 1] or one per channel; `null` for none. A number means α on every class (sm),
   * or 1 − α for channel 0 and α for the others in the softmax form (MONAI); in the sigmoid form α weighs
   * positives and 1 − α negatives. @default 0.25 (sm), null (MONAI, smp)
   */
  alpha?: number | readonly number[] | null;
  /** Extra weight per selected class (MONAI `weight`). @default 1 */
  classWeights?: number | readonly number[];
  /** Channels to use (none = all). */
  classIndexes?: number | readonly number[];
  /** Use channel 0 when C > 1? @default true */
  includeBackground?: boolean;
  /** gt value whose pixels count nowhere. */
  ignoreIndex?: number;
  /**
   * Normalized focal loss (sigmoid form): each class's terms are divided by the sum of its focal factors
   * Σ(1 − p_t)^γ (clamped below by `eps`), as smp's `normalized=True`. @default false
   */
  normalized?: boolean;
  /**
   * Reduced focal loss (sigmoid form, Sergievskiy & Ponamarev 2019): the factor is 1 where p_t < threshold and
   * ((1 − p_t)/threshold)^γ elsewhere (smp `reduced_threshold`). @default none
   */
  reducedThreshold?: number | null;
  /** Lower clamp of the normalizer of `normalized`. @default 1e-6 */
  eps?: number;
  /** `'mean'` over the counted elements, or `'sum'` (MONAI preset: Σ over images and classes of the spatial mean). @default 'mean' */
  reduction?: 'mean' | 'sum';
}

/** Resolved focal options. */
export interface FocalConfig {
  preset: Preset;
  layout: Layout;
  fromLogits: boolean;
  activation: Activation | undefined;
  gamma: number;
  alpha: number | Float64Array | null;
  classWeights: number | Float64Array;
  classIndexes: readonly number[] | undefined;
  includeBackground: boolean;
  ignoreIndex: number | undefined;
  reduction: 'mean' | 'sum';
  normalized: boolean;
  reducedThreshold: number | undefined;
  eps: number;
  /** Check the data (`checkInputs`). @default true */
  checkInputs?: boolean;
}

/** The option keys of the focal loss. */
export const FOCAL_KEYS = [
  'preset',
  'layout',
  'fromLogits',
  'activation',
  'gamma',
  'alpha',
  'classWeights',
  'classIndexes',
  'includeBackground',
  'ignoreIndex',
  'reduction',
  'normalized',
  'reducedThreshold',
  'eps',
] as const;

/** Keras' epsilon: probabilities are clipped to [ε, 1 − ε] (bounds rounded to float32 as Keras). */
const EPS_LO = KERAS_CLIP_LO;
const EPS_HI = KERAS_CLIP_HI;

/** Validates focal options; `extraKeys` are accepted and ignored (compound losses). */
export function resolveFocalFamilyOptions(
  fn: string,
  options: FocalFamilyOptions = {},
  extraKeys: readonly string[] = [],
): FocalConfig {
  const o = checkOptionKeys(fn, options, [...FOCAL_KEYS, ...extraKeys]) as FocalFamilyOptions;
  const preset = checkPreset(fn, o.preset);
  let alpha: number | Float64Array | null;
  if (o.alpha === undefined) alpha = preset === 'segmentation_models' ? 0.25 : null;
  else if (o.alpha === null) alpha = null;
  else if (typeof o.alpha === 'number') {
    checkFiniteNumber(fn, 'alpha', o.alpha);
    if (o.alpha < 0 || o.alpha > 1) throw rangeError(fn, `alpha must be in [0, 1]; got ${o.alpha}.`);
    alpha = o.alpha;
  } else if (Array.isArray(o.alpha) || ArrayBuffer.isView(o.alpha)) {
    const a = Float64Array.from(o.alpha as ArrayLike<number>);
    for (const v of a) {
      if (!(v >= 0 && v <= 1))
        throw rangeError(fn, `alpha must be numbers in [0, 1]; got ${formatValue(v)}.`);
    }
    alpha = a;
  } else {
    throw typeError(
      fn,
      `alpha must be a number in [0, 1], an array of them or null; got ${formatValue(o.alpha)}.`,
    );
  }
  return {
    preset,
    layout: presetLayout(fn, o.layout, preset),
    fromLogits: checkBoolean(fn, 'fromLogits', o.fromLogits, preset !== 'segmentation_models'),
    activation: checkActivation(fn, o.activation) ?? (preset === 'monai' ? 'sigmoid' : undefined),
    gamma: o.gamma === undefined ? 2 : checkFiniteNumber(fn, 'gamma', o.gamma, 0),
    alpha,
    classWeights: resolveClassWeights(fn, o.classWeights),
    classIndexes: resolveClassIndexes(fn, o.classIndexes) ?? undefined,
    includeBackground: checkBoolean(fn, 'includeBackground', o.includeBackground, true),
    ignoreIndex: checkIgnoreIndex(fn, o.ignoreIndex),
    reduction: checkEnum(fn, 'reduction', o.reduction, ['mean', 'sum'], 'mean'),
    normalized: checkBoolean(fn, 'normalized', o.normalized, false),
    reducedThreshold:
      o.reducedThreshold === undefined || o.reducedThreshold === null
        ? undefined
        : checkUnitInterval(fn, 'reducedThreshold', o.reducedThreshold),
    eps: o.eps === undefined ? 1e-6 : checkFiniteNumber(fn, 'eps', o.eps, 0),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/** A number in (0, 1]. */
function checkUnitInterval(fn: string, arg: string, v: unknown): number {
  checkFiniteNumber(fn, arg, v);
  if (!((v as number) > 0 && (v as number) <= 1)) throw rangeError(fn, `${arg} must be in (0, 1]; got ${v}.`);
  return v as number;
}

/**
 * smp's binary focal term of one element, used by `normalized` / `reducedThreshold`: ℓ = BCE, p_t = e^{−ℓ},
 * f = (1 − p_t)^γ (reduced: 1 where p_t < th, ((1 − p_t)/th)^γ elsewhere), L = a·f·ℓ with a = α₁·t + α₀·(1 − t).
 * Writes [L, ∂L/∂input, f, ∂f/∂input] into `out`.
 */
function smpFocalElement(
  v: number,
  t: number,
  fromLogits: boolean,
  gamma: number,
  th: number | undefined,
  a: number,
  out: Float64Array,
): void {
  // The per-element formulas (elementwiseTerms.ts) on numbers; a local alias keeps the inlined calls cheap.
  const NUM = numberAlgebra;
  let l: number;
  let dl: number;
  if (fromLogits) {
    l = bceLogitsOf(NUM, v, t, 1);
    dl = bceLogitsSlopeOf(NUM, v, t, 1);
  } else {
    const q = kerasClipOf(NUM, v);
    // The cross-entropy sides (focal sides with γ = 0) of q and 1 − q.
    const lq = Math.log(q);
    const l1q = Math.log(1 - q);
    l = binaryMixOf(NUM, t, crossEntropySideOf(NUM, lq), crossEntropySideOf(NUM, l1q));
    // ∂/∂q: the sides' log-slopes (−1) over q and, for 1 − q, over −(1 − q).
    const dq = (focalSideLogSlopeOf(NUM, q, 1 - q, lq, 0) as number) / q;
    const d1q = -(focalSideLogSlopeOf(NUM, 1 - q, q, l1q, 0) as number) / (1 - q);
    dl = v >= EPS_LO && v <= EPS_HI ? binaryMixOf(NUM, t, dq, d1q) : 0;
  }
  const pt = Math.exp(-l);
  const dpt = -pt * dl;
  const f = smpFocalFactorOf(NUM, pt, gamma, th);
  const df = (smpFocalFactorSlopeOf(NUM, pt, gamma, th) as number) * -dpt;
  out[0] = a * f * l;
  out[1] = a * (df * l + f * dl);
  out[2] = f;
  out[3] = df;
}

/**
 * α per channel: `a1` weighs positives (in the softmax form, the class's own weight; MONAI's number α gives
 * 1 − α to channel 0 there), `a0` negatives (sigmoid form: 1 − α). All 1 without α.
 */
export function focalAlphas(
  fn: string,
  cfg: Pick<FocalConfig, 'alpha' | 'preset'>,
  activation: Activation,
  C: number,
): { a1: Float64Array; a0: Float64Array } {
  const a1 = new Float64Array(C).fill(1);
  const a0 = new Float64Array(C).fill(1);
  if (cfg.alpha === null) return { a1, a0 };
  if (typeof cfg.alpha !== 'number' && cfg.alpha.length !== C) {
    throw rangeError(fn, `alpha must have ${C} entries, one per channel; got ${cfg.alpha.length}.`);
  }
  for (let c = 0; c < C; c++) {
    const a = typeof cfg.alpha === 'number' ? cfg.alpha : cfg.alpha[c];
    if (activation === 'sigmoid') {
      a1[c] = a;
      a0[c] = 1 - a;
    } else a1[c] = typeof cfg.alpha === 'number' && cfg.preset === 'monai' && c === 0 ? 1 - a : a;
  }
  return { a1, a0 };
}

/**
 * The per-call constants of the focal loss: selected channels, per-element class weights `w` (smp's sigmoid
 * form: 1, its `classW` weigh the per-class means instead; MONAI: 1 when one class is scored) and α.
 */
export function focalSetup(
  fn: string,
  cfg: FocalConfig,
  activation: Activation,
  C: number,
): {
  channels: number[];
  K: number;
  w: Float64Array;
  classW: Float64Array;
  perClass: boolean;
  a1: Float64Array;
  a0: Float64Array;
} {
  const channels = selectChannels(fn, cfg, C);
  const K = channels.length;
  let w = expandWeights(fn, cfg.classWeights, K);
  if (cfg.preset === 'monai' && K === 1) w = new Float64Array(1).fill(1);
  // smp: one binary focal loss per class, reduced per class, then a weighted mean over classes (Σ w·f / Σ w).
  const perClass = cfg.preset === 'smp' && activation === 'sigmoid';
  const classW = w;
  if (perClass) w = new Float64Array(K).fill(1);
  return { channels, K, w, classW, perClass, ...focalAlphas(fn, cfg, activation, C) };
}

/** MONAI drops channel 0 before its softmax (and ignores α then): reproduced behind its preset. */
export function monaiDropsBackground(cfg: FocalConfig, activation: Activation, C: number): boolean {
  return (
    cfg.preset === 'monai' && activation === 'softmax' && !cfg.includeBackground && C > 1 && cfg.fromLogits
  );
}

/** Result of {@link focalTerms}. */
export interface FocalResult {
  value: number;
  grad: Float32Array | null;
  /** With `wantElements`: the weighted per-element terms of the selected channels, in pr's layout (MONAI `reduction: 'none'`). */
  elements?: Float64Array;
}

/**
 * Focal loss value and (when `withGrad`) its gradient with respect to `pr` (logits or probabilities).
 * Sigmoid form per element: L = α₁·t·(1 − p)^γ·(−log p) + α₀·(1 − t)·p^γ·(−log(1 − p)).
 * Softmax form per pixel: L = −Σ_c α_c·g_c·(1 − p_c)^γ·log p_c; from logits ∂L/∂x_j = h_j − p_j·Σ_c h_c with
 * h_c = ∂L/∂log p_c = −α_c g_c ((1 − p_c)^γ − γ (1 − p_c)^{γ−1} p_c log p_c).
 */
export function focalTerms(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: FocalConfig,
  withGrad: boolean,
  wantElements = false,
  out?: Float32Array,
): FocalResult {
  // The per-element formulas (elementwiseTerms.ts) on numbers; a local alias keeps the inlined calls cheap.
  const NUM = numberAlgebra;
  if (!wantElements) {
    const r = softmaxFocalLabels(fn, gt, pr, cfg, withGrad ? out : null);
    if (r !== undefined) return r;
  }
  const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
  const geom = t.geom;
  const C = geom.channels;
  const activation = cfg.activation ?? resolveActivation(undefined, C);
  if (monaiDropsBackground(cfg, activation, C)) {
    return monaiDroppedBackground(fn, gt, pr, cfg, withGrad, wantElements);
  }
  const { channels, K, w, classW, perClass, a1, a0 } = focalSetup(fn, cfg, activation, C);
  const tot = new Float64Array(K);
  const cnt = new Float64Array(K);
  const sel = new Int32Array(C).fill(-1);
  channels.forEach((c, k) => (sel[c] = k));
  const { g, mask } = t;
  const x = pr.data;
  if (activation === 'softmax' && cfg.fromLogits && mask === null && !wantElements) {
    const r = softmaxFocalFast(fn, g, x, geom, channels, sel, w, a1, cfg, withGrad ? out : null);
    if (r !== undefined) return r;
  }
  const plainSigmoid = activation === 'sigmoid' && !cfg.normalized && cfg.reducedThreshold === undefined;
  if (plainSigmoid && mask === null && !wantElements) {
    const scale = reductionScale(cfg, geom, K);
    const setup = { sel, w, classW, perClass, a1, a0, scale, reduction: cfg.reduction };
    const checked = cfg.checkInputs !== false ? fn : null;
    const r = sigmoidFocalWasm(checked, g, x, geom, cfg.fromLogits, cfg.gamma, setup, withGrad ? out : null);
    if (r !== undefined) return r;
  }
  // The input check rides in the loop (every element not ignored, selected or not, as checkFocalInputs reads):
  // `bad` stays 0 on good data and turns NaN at a bad value; only then is the data scanned for the first one.
  const check = cfg.checkInputs !== false;
  const logitsIn = cfg.fromLogits;
  let bad = 0;
  const grad = withGrad ? (out?.fill(0) ?? new Float32Array(x.length)) : null;
  const el = wantElements ? new Float64Array(x.length) : null;
  const gamma = cfg.gamma;
  const { batch, pixels, imageStride, pixelStride, channelStride } = geom;
  let total = 0;
  let count = 0;
  const lp = new Float64Array(C);
  const pp = new Float64Array(C);
  const h = new Float64Array(C);
  const variant = activation === 'sigmoid' && (cfg.normalized || cfg.reducedThreshold !== undefined);
  const e4 = new Float64Array(4);
  const n = x.length;
  const norm =
    variant && cfg.normalized
      ? {
          L: new Float64Array(n),
          dL: new Float64Array(n),
          df: new Float64Array(n),
          sumF: new Float64Array(K),
          sumL: new Float64Array(K),
        }
      : null;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < pixels; s++) {
      const base = b * imageStride + s * pixelStride;
      if (activation === 'sigmoid') {
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          if (mask !== null && mask[i] === 0) continue;
          if (check) bad += g[i] - g[i] + (logitsIn ? x[i] - x[i] : x[i] >= 0 && x[i] <= 1 ? 0 : NaN);
          const k = sel[c];
          if (k < 0) continue;
          count++;
          cnt[k]++;
          const tv = g[i];
          let L: number;
          let dL: number;
          if (variant) {
            smpFocalElement(
              x[i],
              tv,
              cfg.fromLogits,
              gamma,
              cfg.reducedThreshold,
              a1[c] * tv + a0[c] * (1 - tv),
              e4,
            );
            if (norm) {
              norm.L[i] = e4[0];
              norm.dL[i] = e4[1];
              norm.df[i] = e4[3];
              norm.sumF[k] += e4[2];
              norm.sumL[k] += e4[0];
              continue;
            }
            L = e4[0];
            dL = e4[1];
          } else if (cfg.fromLogits) {
            const xv = x[i];
            const lsp = logSigmoid(xv); // log p
            const lsn = logSigmoid(-xv); // log(1 − p)
            const sp = Math.exp(lsp);
            const sn = Math.exp(lsn);
            // The focal sides of p and 1 − p; d log p/dx = 1 − p, d log(1 − p)/dx = −p.
            const A = focalSideOf(NUM, sn, lsp, gamma);
            const B = focalSideOf(NUM, sp, lsn, gamma);
            L = binaryMixOf(NUM, tv, a1[c] * A, a0[c] * B);
            const dA = sn * (focalSideLogSlopeOf(NUM, sp, sn, lsp, gamma) as number);
            const dB = -sp * (focalSideLogSlopeOf(NUM, sn, sp, lsn, gamma) as number);
            dL = binaryMixOf(NUM, tv, a1[c] * dA, a0[c] * dB);
          } else {
            const pv = x[i];
            const q = kerasClipOf(NUM, pv);
            const inside = pv >= EPS_LO && pv <= EPS_HI;
            const lq = Math.log(q);
            const l1q = Math.log(1 - q);
            L = binaryMixOf(
              NUM,
              tv,
              a1[c] * focalSideOf(NUM, 1 - q, lq, gamma),
              a0[c] * focalSideOf(NUM, q, l1q, gamma),
            );
            if (inside) {
              const dA = (focalSideLogSlopeOf(NUM, q, 1 - q, lq, gamma) as number) / q;
              const dB = -(focalSideLogSlopeOf(NUM, 1 - q, q, l1q, gamma) as number) / (1 - q);
              dL = binaryMixOf(NUM, tv, a1[c] * dA, a0[c] * dB);
            } else dL = 0;
          }
          total += w[k] * L;
          tot[k] += L;
          if (el) el[i] = w[k] * L;
          if (grad) grad[i] = w[k] * dL;
        }
        continue;
      }
      // Softmax (categorical) form.
      let valid = true;
      // With ignored elements the check reads here; without, in the channel loops below (`chk`).
      if (mask !== null)
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          if (mask[i] === 0) valid = false;
          else if (check) bad += g[i] - g[i] + (logitsIn ? x[i] - x[i] : x[i] >= 0 && x[i] <= 1 ? 0 : NaN);
        }
      if (!valid) continue;
      const chk = check && mask === null;
      count += K;
      if (cfg.fromLogits) {
        let max = -Infinity;
        for (let c = 0, i = base; c < C; c++, i += channelStride) if (x[i] > max) max = x[i];
        // One exp per element and one log per pixel: p_c = e_c / Σe, log p_c = x_c − max − log Σe.
        let sum = 0;
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const e = Math.exp(x[i] - max);
          pp[c] = e;
          sum += e;
        }
        const lse = max + Math.log(sum);
        const inv = 1 / sum;
        let hs = 0;
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          lp[c] = x[i] - lse;
          pp[c] *= inv;
          h[c] = 0;
          const k = sel[c];
          const gv = g[i];
          if (chk) bad += gv - gv + x[i] - x[i];
          if (k < 0 || gv === 0) continue;
          const om = 1 - pp[c];
          const wag = w[k] * a1[c] * gv;
          const term = wag * focalSideOf(NUM, om, lp[c], gamma);
          total += term;
          if (el) el[i] = term;
          h[c] = wag * (focalSideLogSlopeOf(NUM, pp[c], om, lp[c], gamma) as number);
          hs += h[c];
        }
        if (grad) for (let c = 0, i = base; c < C; c++, i += channelStride) grad[i] = h[c] - pp[c] * hs;
      } else {
        for (let c = 0, i = base; c < C; c++, i += channelStride) {
          const k = sel[c];
          const gv = g[i];
          const pv = x[i];
          if (chk) bad += gv - gv + (pv >= 0 && pv <= 1 ? 0 : NaN);
          if (k < 0 || gv === 0) continue;
          const q = kerasClipOf(NUM, pv);
          const lq = Math.log(q);
          const wag = w[k] * a1[c] * gv;
          const term = wag * focalSideOf(NUM, 1 - q, lq, gamma);
          total += term;
          if (el) el[i] = term;
          if (grad && pv >= EPS_LO && pv <= EPS_HI) {
            grad[i] = (wag * (focalSideLogSlopeOf(NUM, q, 1 - q, lq, gamma) as number)) / q;
          }
        }
      }
    }
  }
  if (bad !== 0) checkFocalInputs(fn, g, x, mask, logitsIn ? 'logits' : 'probabilities');
  if (norm) {
    // Normalized: L_i / S_k with S_k = max(Σ f, eps); ∂ = (∂L_i·S_k − Σ L·∂f_i)/S_k² (no second term when clamped).
    for (let b = 0; b < batch; b++)
      for (let s = 0; s < pixels; s++)
        for (let c = 0, i = b * imageStride + s * pixelStride; c < C; c++, i += channelStride) {
          const k = sel[c];
          if (k < 0 || (mask !== null && mask[i] === 0)) continue;
          const S = Math.max(norm.sumF[k], cfg.eps);
          const clamped = norm.sumF[k] < cfg.eps;
          const L = norm.L[i] / S;
          const dL = clamped ? norm.dL[i] / S : (norm.dL[i] * S - norm.sumL[k] * norm.df[i]) / (S * S);
          total += w[k] * L;
          tot[k] += L;
          if (el) el[i] = w[k] * L;
          if (grad) grad[i] = w[k] * dL;
        }
  }
  if (perClass) {
    const factor = smpClassFactors(classW, cnt, cfg.reduction);
    let value = 0;
    for (let k = 0; k < K; k++) value += factor[k] * tot[k];
    if (grad || el) {
      for (let b = 0; b < batch; b++)
        for (let s = 0; s < pixels; s++)
          for (let c = 0, i = b * imageStride + s * pixelStride; c < C; c++, i += channelStride) {
            if (sel[c] < 0) continue;
            if (grad) grad[i] *= factor[sel[c]];
            if (el) el[i] *= classW[sel[c]];
          }
    }
    return { value, grad, elements: el ? selectElements(el, geom, channels) : undefined };
  }
  const scale = focalReductionOf(NUM, cfg, 1, count, pixels) as number;
  if (grad && scale !== 1) for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  return { value: total * scale, grad, elements: el ? selectElements(el, geom, channels) : undefined };
}

/** The scale of the `'mean'` / MONAI `'sum'` reductions when nothing is ignored (count = N·pixels·K). */
function reductionScale(cfg: FocalConfig, geom: BatchGeometry, K: number): number {
  return focalReductionOf(numberAlgebra, cfg, 1, geom.batch * geom.pixels * K, geom.pixels) as number;
}

/**
 * The softmax form from float32 logits with a label map of 2…LAST_MAX_C channels and no ignored pixel, on the
 * WebAssembly kernels with the one-hot targets written per block from the labels (no full-size one-hot array):
 * `undefined` when that does not apply or a block flagged an input (then the general path runs and raises).
 * `out` null: no gradient; undefined: a new one.
 */
function softmaxFocalLabels(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: FocalConfig,
  out: Float32Array | null | undefined,
): FocalResult | undefined {
  const x = pr.data;
  if (!cfg.fromLogits || !(x instanceof Float32Array)) return undefined;
  const { geom, labelMap } = checkTargets(fn, gt, pr, cfg.layout);
  const C = geom.channels;
  const activation = cfg.activation ?? resolveActivation(undefined, C);
  if (!labelMap || activation !== 'softmax' || C < 2 || C > LAST_MAX_C) return undefined;
  if (monaiDropsBackground(cfg, activation, C)) return undefined;
  // A label equal to ignoreIndex, or a bad one, makes the driver give up (ignore: undefined) and the general
  // path run (it skips ignored pixels, or raises); an ignoreIndex that is a class index goes there directly.
  const ig = cfg.ignoreIndex;
  if (ig !== undefined && ig >= 0 && ig < C) return undefined;
  const { channels, w, a1 } = focalSetup(fn, cfg, activation, C);
  const sel = new Int32Array(C).fill(-1);
  channels.forEach((c, k) => (sel[c] = k));
  const labels = { labels: gt.data, on: 1, off: 0, ignore: undefined };
  // Unchecked (labels): a flagged block gives undefined and the general path raises its error.
  return softmaxFocalFast(fn, labels, x, geom, channels, sel, w, a1, { ...cfg, checkInputs: false }, out);
}

/**
 * The softmax form from logits on the WebAssembly kernels (nothing ignored, no per-element terms asked for):
 * `undefined` when they do not apply (then the JS loop below runs). `out` = null: no gradient.
 */
function softmaxFocalFast(
  fn: string,
  g: NumericArray | LabelTargets,
  x: NumericArray,
  geom: BatchGeometry,
  channels: number[],
  sel: Int32Array,
  w: Float64Array,
  a1: Float64Array,
  cfg: FocalConfig,
  out: Float32Array | null | undefined,
): FocalResult | undefined {
  const C = geom.channels;
  const coef = new Float64Array(C);
  for (let c = 0; c < C; c++) coef[c] = sel[c] >= 0 ? w[sel[c]] * a1[c] : 0;
  const blocks = pixelBlocks(geom);
  const scale = reductionScale(cfg, geom, channels.length);
  const grad = out === null ? null : (out ?? new Float32Array(x.length));
  const checked = cfg.checkInputs !== false ? fn : null;
  const value = softmaxFocalWasm(checked, g, x, grad, blocks, coef, cfg.gamma, scale);
  return value === undefined || value === null ? undefined : { value, grad };
}

/** The input check of the JS path (run when its loop flagged a bad value): pr in its domain and gt finite, where not ignored. */
function checkFocalInputs(
  fn: string,
  g: NumericArray,
  x: NumericArray,
  mask: Uint8Array | null,
  domain: 'logits' | 'probabilities',
): void {
  if (mask === null) return checkInputDomain(fn, g, x, 0, x.length, 1, domain);
  for (let i = 0; i < x.length; i++) if (mask[i] !== 0) checkInputDomain(fn, g, x, i, i + 1, 1, domain);
}

/** The entries of the selected channels, in the same layout. */
function selectElements(src: Float64Array, geom: BatchGeometry, channels: number[]): Float64Array {
  const { batch, pixels, imageStride, pixelStride, channelStride, layout } = geom;
  const out = new Float64Array(batch * pixels * channels.length);
  let j = 0;
  for (let b = 0; b < batch; b++) {
    if (layout === 'channelsLast') {
      for (let s = 0; s < pixels; s++)
        for (const c of channels) out[j++] = src[b * imageStride + s * pixelStride + c * channelStride];
    } else {
      for (const c of channels)
        for (let s = 0; s < pixels; s++)
          out[j++] = src[b * imageStride + s * pixelStride + c * channelStride];
    }
  }
  return out;
}

/** MONAI's softmax focal loss with `include_background=False`: channel 0 removed before the softmax, α ignored. */
function monaiDroppedBackground(
  fn: string,
  gt: NdArray,
  pr: NdArray,
  cfg: FocalConfig,
  withGrad: boolean,
  wantElements: boolean,
): FocalResult {
  const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
  const geom = t.geom;
  const sliced = (src: NumericArray): { data: Float64Array; shape: number[] } => dropChannel0(src, geom);
  const p2 = sliced(pr.data);
  const g2 = sliced(t.g);
  const r = focalTerms(
    fn,
    g2,
    p2,
    { ...cfg, includeBackground: true, alpha: null, classIndexes: undefined },
    withGrad,
    wantElements,
  );
  if (!r.grad) return { value: r.value, grad: null, elements: r.elements };
  const grad = new Float32Array(pr.data.length);
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
  const L2 = geom.layout === 'channelsLast';
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < pixels; s++) {
      for (let c = 1; c < C; c++) {
        const j = L2 ? (b * pixels + s) * (C - 1) + (c - 1) : (b * (C - 1) + (c - 1)) * pixels + s;
        grad[b * imageStride + s * pixelStride + c * channelStride] = r.grad[j];
      }
    }
  }
  return { value: r.value, grad, elements: r.elements };
}

/** A copy of `src` without channel 0 (same layout). */
export function dropChannel0(
  src: NumericArray,
  geom: BatchGeometry,
): { data: Float64Array; shape: number[] } {
  const { batch, pixels, channels: C, imageStride, pixelStride, channelStride, spatialShape, layout } = geom;
  const out = new Float64Array(batch * pixels * (C - 1));
  let j = 0;
  if (layout === 'channelsLast') {
    for (let b = 0; b < batch; b++)
      for (let s = 0; s < pixels; s++)
        for (let c = 1; c < C; c++) out[j++] = src[b * imageStride + s * pixelStride + c * channelStride];
    return { data: out, shape: [batch, ...spatialShape, C - 1] };
  }
  for (let b = 0; b < batch; b++)
    for (let c = 1; c < C; c++)
      for (let s = 0; s < pixels; s++) out[j++] = src[b * imageStride + s * pixelStride + c * channelStride];
  return { data: out, shape: [batch, C - 1, ...spatialShape] };
}
