/**
 * Lovász-Softmax and Lovász hinge losses (Berman et al. 2018): the Lovász extension of the Jaccard loss,
 * evaluated on sorted errors, with its gradient (the extension is piecewise linear: the gradient of each
 * error is the Jaccard increment at its rank).
 * @module
 */
import { checkOptionKeys, resolveCheckInputs, type InputCheckOption } from '../options.js';
import { firstBadInput } from '../kernels/inputDomain.js';
import type { BatchGeometry, Layout, NdArray } from '../types.js';
import { checkBoolean, checkLayout, formatValue, rangeError, typeError } from '../validate.js';
import { activate, activationBackward, checkIgnoreIndex, prepareTargets } from './input.js';

/** Options of the Lovász-Softmax loss. */
export interface LovaszSoftmaxOptions extends InputCheckOption {
  /** Channel axis position. @default 'channelsLast' */
  layout?: Layout;
  /** `pr` holds logits (softmax over channels). @default false */
  fromLogits?: boolean;
  /** One loss per image, then the mean over images (Berman's `per_image`). @default false */
  perImage?: boolean;
  /** `'present'`: classes present in gt (of the image or batch); `'all'`; or a list of channels. @default 'present' */
  classes?: 'present' | 'all' | readonly number[];
  /** gt label whose pixels are left out. */
  ignoreIndex?: number;
}

/** Options of the Lovász hinge loss (binary, logits). */
export interface LovaszHingeOptions extends InputCheckOption {
  /** Channel axis position (one channel). @default 'channelsLast' */
  layout?: Layout;
  /** One loss per image, then the mean (Berman's default). @default true */
  perImage?: boolean;
  /** gt value whose pixels are left out. */
  ignoreIndex?: number;
}

/**
 * Gradient of the Lovász extension of the Jaccard loss for the ground truth `fg` sorted by decreasing error:
 * J_k = 1 − (G − cumsum(fg)_k)/(G + cumsum(1 − fg)_k), increments J_k − J_{k−1}. Writes into `out`.
 */
export function lovaszGrad(fgSorted: ArrayLike<number>, n: number, out: Float64Array): void {
  let G = 0;
  for (let k = 0; k < n; k++) G += fgSorted[k];
  let cf = 0;
  let cb = 0;
  let prev = 0;
  for (let k = 0; k < n; k++) {
    cf += fgSorted[k];
    cb += 1 - fgSorted[k];
    const union = G + cb;
    const j = union > 0 ? 1 - (G - cf) / union : 0;
    out[k] = k === 0 ? j : j - prev;
    prev = j;
  }
}

/** Sorts `idx[0..n)` by decreasing `err`. */
function sortDesc(err: Float64Array, idx: Uint32Array, n: number): Uint32Array {
  const view = idx.subarray(0, n);
  view.sort((a, b) => err[b] - err[a]);
  return view;
}

/** Resolves the Lovász-Softmax options. */
export function resolveLovaszSoftmaxOptions(fn: string, options: LovaszSoftmaxOptions | undefined) {
  const o = checkOptionKeys(fn, options, ['layout', 'fromLogits', 'perImage', 'classes', 'ignoreIndex']);
  const classes = o.classes ?? 'present';
  if (
    classes !== 'present' &&
    classes !== 'all' &&
    !(Array.isArray(classes) && classes.length > 0 && classes.every((k) => Number.isInteger(k) && k >= 0))
  ) {
    throw typeError(
      fn,
      `classes must be 'present', 'all' or a non-empty array of channel indexes; got ${formatValue(classes)}.`,
    );
  }
  return {
    layout: checkLayout(fn, o.layout),
    fromLogits: checkBoolean(fn, 'fromLogits', o.fromLogits, false),
    perImage: checkBoolean(fn, 'perImage', o.perImage, false),
    classes: classes as 'present' | 'all' | readonly number[],
    ignoreIndex: checkIgnoreIndex(fn, o.ignoreIndex),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * The error for bad Lovász-Softmax input, found by one scan once the gathering pass has flagged it: pr outside
 * [0, 1] (from probabilities; from logits the activation checked them) or a non-finite gt, among the elements
 * of the scored channels outside the ignore mask.
 */
function lovaszInputError(
  fn: string,
  g: ArrayLike<number>,
  p: ArrayLike<number>,
  x: ArrayLike<number>,
  geom: BatchGeometry,
  list: readonly number[],
  mask: Uint8Array | null,
  fromLogits: boolean,
): RangeError {
  const scored = new Uint8Array(geom.channels);
  for (const c of list) scored[c] = 1;
  const ch = (i: number) =>
    geom.layout === 'channelsLast' ? i % geom.channels : Math.floor((i % geom.imageStride) / geom.pixels);
  const read = (i: number) => scored[ch(i)] === 1 && (mask === null || mask[i] !== 0);
  // From logits p is the softmax of finite logits (checked), so only gt can be bad.
  return firstBadInput(fn, g, fromLogits ? [] : x, fromLogits ? 'logits' : 'probabilities', read)!;
}

/** Lovász-Softmax value and gradient. */
export function lovaszSoftmaxTerms(
  fn: string,
  options: LovaszSoftmaxOptions | undefined,
): (gt: NdArray, pr: NdArray, withGrad: boolean) => { value: number; grad: Float32Array | null } {
  const cfg = resolveLovaszSoftmaxOptions(fn, options);
  return (gt, pr, withGrad) => {
    const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex);
    const { geom, g, mask } = t;
    const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
    const check = cfg.checkInputs;
    const p = cfg.fromLogits
      ? activate(pr.data, geom, C > 1 ? 'softmax' : 'sigmoid', undefined, check ? fn : undefined)
      : pr.data;
    // Bad input (pr outside [0, 1] or a non-finite gt) is caught in the pass that gathers the errors.
    let bad = false;
    const list = Array.isArray(cfg.classes) ? cfg.classes : Array.from({ length: C }, (_, c) => c);
    for (const c of list)
      if (c >= C) throw rangeError(fn, `classes must be integers in [0, ${C - 1}]; got ${c}.`);
    const onlyPresent = cfg.classes === 'present';
    const groups = cfg.perImage ? batch : 1;
    const span = cfg.perImage ? pixels : batch * pixels;
    const err = new Float64Array(span);
    const fg = new Float64Array(span);
    const pos = new Uint32Array(span); // element index of each entry
    const idx = new Uint32Array(span);
    const fgSorted = new Float64Array(span);
    const lg = new Float64Array(span);
    const d = withGrad ? new Float64Array(p.length) : null;
    let total = 0;
    for (let r = 0; r < groups; r++) {
      let used = 0;
      let groupLoss = 0;
      for (const c of list) {
        let n = 0;
        let G = 0;
        const b0 = cfg.perImage ? r : 0;
        const b1 = cfg.perImage ? r + 1 : batch;
        for (let b = b0; b < b1; b++) {
          for (let s = 0, i = b * imageStride + c * channelStride; s < pixels; s++, i += pixelStride) {
            if (mask !== null && mask[i] === 0) continue;
            const pv = p[i];
            const gv = g[i];
            if (!(pv >= 0 && pv <= 1) || gv - gv !== 0) bad = true;
            fg[n] = gv;
            err[n] = Math.abs(gv - pv);
            pos[n] = i;
            G += g[i];
            n++;
          }
        }
        if (bad && check) throw lovaszInputError(fn, g, p, pr.data, geom, list, mask, cfg.fromLogits);
        if (n === 0 || (onlyPresent && G === 0)) continue;
        for (let k = 0; k < n; k++) idx[k] = k;
        const order = sortDesc(err, idx, n);
        for (let k = 0; k < n; k++) fgSorted[k] = fg[order[k]];
        lovaszGrad(fgSorted, n, lg);
        let loss = 0;
        for (let k = 0; k < n; k++) loss += err[order[k]] * lg[k];
        groupLoss += loss;
        used++;
        if (d) {
          // ∂loss/∂p_i = grad at i's rank · sign(p_i − fg_i) (sign(0) = 0); scaled once `used` is known.
          for (let k = 0; k < n; k++) {
            const e = order[k];
            const i = pos[e];
            d[i] += lg[k] * Math.sign(p[i] - fg[e]);
          }
        }
      }
      const scale = (used > 0 ? 1 / used : 0) / groups;
      total += groupLoss * (used > 0 ? 1 / used : 0);
      if (d) {
        const b0 = cfg.perImage ? r : 0;
        const b1 = cfg.perImage ? r + 1 : batch;
        for (let b = b0; b < b1; b++) {
          for (let s = 0; s < pixels; s++) {
            for (let c = 0, i = b * imageStride + s * pixelStride; c < C; c++, i += channelStride)
              d[i] *= scale;
          }
        }
      }
    }
    const value = total / groups;
    if (!d) return { value, grad: null };
    if (cfg.fromLogits) activationBackward(d, p, geom, C > 1 ? 'softmax' : 'sigmoid');
    return { value, grad: Float32Array.from(d) };
  };
}

/** Resolves the Lovász hinge options (`perImage` defaults to true, Berman's default). */
export function resolveLovaszHingeOptions(
  fn: string,
  options: LovaszHingeOptions | undefined,
): { layout: Layout; perImage: boolean; ignoreIndex: number | undefined; checkInputs: boolean } {
  const o = checkOptionKeys(fn, options, ['layout', 'perImage', 'ignoreIndex']);
  return {
    layout: checkLayout(fn, o.layout),
    perImage: checkBoolean(fn, 'perImage', o.perImage, true),
    ignoreIndex: checkIgnoreIndex(fn, o.ignoreIndex),
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/** Lovász hinge value and gradient (binary; `pr` = logits with one channel, gt in {0, 1}). */
export function lovaszHingeTerms(
  fn: string,
  options: LovaszHingeOptions | undefined,
): (gt: NdArray, pr: NdArray, withGrad: boolean) => { value: number; grad: Float32Array | null } {
  const { layout, perImage, ignoreIndex, checkInputs } = resolveLovaszHingeOptions(fn, options);
  return (gt, pr, withGrad) => {
    const t = prepareTargets(fn, gt, pr, layout, ignoreIndex);
    const { geom, g, mask } = t;
    if (geom.channels !== 1) {
      throw rangeError(fn, `pr must have 1 channel (binary logits); got ${geom.channels}.`);
    }
    const { batch, pixels } = geom;
    const x = pr.data;
    const groups = perImage ? batch : 1;
    const span = perImage ? pixels : batch * pixels;
    const err = new Float64Array(span);
    const fg = new Float64Array(span);
    const pos = new Uint32Array(span);
    const idx = new Uint32Array(span);
    const fgSorted = new Float64Array(span);
    const lg = new Float64Array(span);
    const grad = withGrad ? new Float32Array(x.length) : null;
    let total = 0;
    for (let r = 0; r < groups; r++) {
      let n = 0;
      const i0 = perImage ? r * pixels : 0;
      const i1 = perImage ? (r + 1) * pixels : batch * pixels;
      let bad = 0;
      for (let i = i0; i < i1; i++) {
        if (mask !== null && mask[i] === 0) continue;
        bad += x[i] - x[i] + g[i] - g[i];
        const sgn = 2 * g[i] - 1;
        fg[n] = g[i];
        err[n] = 1 - x[i] * sgn;
        pos[n] = i;
        n++;
      }
      if (bad !== 0 && checkInputs) {
        throw firstBadInput(
          fn,
          g,
          x,
          'logits',
          (i) => i >= i0 && i < i1 && (mask === null || mask[i] !== 0),
        )!;
      }
      if (n === 0) continue;
      for (let k = 0; k < n; k++) idx[k] = k;
      const order = sortDesc(err, idx, n);
      for (let k = 0; k < n; k++) fgSorted[k] = fg[order[k]];
      lovaszGrad(fgSorted, n, lg);
      let loss = 0;
      for (let k = 0; k < n; k++) {
        const e = err[order[k]];
        if (e > 0) loss += e * lg[k];
      }
      total += loss;
      if (grad) {
        for (let k = 0; k < n; k++) {
          const e = order[k];
          if (err[e] > 0) grad[pos[e]] = (-(2 * fg[e] - 1) * lg[k]) / groups;
        }
      }
    }
    return { value: total / groups, grad };
  };
}
