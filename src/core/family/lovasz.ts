/**
 * Lovász-Softmax and Lovász hinge losses (Berman et al. 2018): the Lovász extension of the Jaccard loss,
 * evaluated on sorted errors, with its gradient (the extension is piecewise linear: the gradient of each
 * error is the Jaccard increment at its rank).
 * @module
 */
import { checkOptionKeys, resolveCheckInputs, type InputCheckOption } from '../options.js';
import { firstBadInput } from '../kernels/inputDomain.js';
import type { BatchGeometry, Layout } from '../types.js';
import { checkBoolean, checkLayout, formatValue, rangeError, typeError } from '../validate.js';
import { activate, activationBackward, checkIgnoreIndex, prepareTargets } from './input.js';
import { DescendingSort } from '../kernels/radixSort.js';
import { ArrayScratch } from './scratch.js';
import type { Terms } from './termsLoss.js';

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

/** The Jaccard loss of a prefix: J = 1 − (G − cf)/(G + cb), 0 when G + cb = 0 (G = Σ fg, cf / cb the prefix's Σ fg / Σ (1 − fg)). */
function jaccardAt(G: number, cf: number, cb: number): number {
  const union = G + cb;
  return union > 0 ? 1 - (G - cf) / union : 0;
}

/**
 * Gradient of the Lovász extension of the Jaccard loss for the ground truth `fg` sorted by decreasing error:
 * J_k = 1 − (G − cumsum(fg)_k)/(G + cumsum(1 − fg)_k), increments J_k − J_{k−1}. Writes into `out`.
 * @example const o = new Float64Array(3); lovaszGrad([1, 0, 1], 3, o); o // Float64Array [0.5, 0.1666666667, 0.3333333333]
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
    const j = jaccardAt(G, cf, cb);
    out[k] = j - prev;
    prev = j;
  }
}

/**
 * The lists of one Lovász loss instance, kept between calls: each list's entries with a positive error (those
 * with error ≤ 0 contribute neither to the value nor to the gradient, and sort after every positive one, so
 * the ranks of the others do not depend on them: only G, their Σ fg, does), as float32 sort keys with the entry
 * number as payload, and per entry its float64 error, fg, ∂error/∂input (slope) and element index. The sort is
 * radix on the float32 keys refined by the float64 errors, stable: the order of a stable comparator sort of the
 * errors, equal errors in element order.
 */
class LovaszLists {
  readonly sorter = new DescendingSort();
  readonly scratch = new ArrayScratch();
  keys: Float32Array = new Float32Array(0);
  values: Uint32Array = new Uint32Array(0);
  err: Float64Array = new Float64Array(0);
  /** fg of entry e at 2e; ΔJ at its rank at 2e + 1 (one cache line for the sorted pass's read and write). */
  fgDj: Float64Array = new Float64Array(0);
  slope: Float64Array = new Float64Array(0);
  pos: Uint32Array = new Uint32Array(0);
  n = 0;

  /** Starts an empty list of at most `span` entries. */
  start(span: number): void {
    ({ keys: this.keys, values: this.values } = this.sorter.reserve(span));
    this.err = this.scratch.take('err', span, f64);
    this.fgDj = this.scratch.take('fgDj', 2 * span, f64);
    this.slope = this.scratch.take('slope', span, f64);
    this.pos = this.scratch.take('pos', span, u32);
    this.n = 0;
  }

  /** Adds an entry with error `err` > 0 (or NaN: its float32 key sorts first, and the value is NaN). */
  push(err: number, fg: number, slope: number, pos: number): void {
    const n = this.n++;
    this.keys[n] = err;
    this.values[n] = n;
    this.err[n] = err;
    this.fgDj[2 * n] = fg;
    this.slope[n] = slope;
    this.pos[n] = pos;
  }

  /**
   * Sorts the list and returns Σ_k e_(k)·ΔJ_k, with G = Σ fg over the whole list (its zero-error entries
   * too); with `d`, adds slope·ΔJ_{rank} / divisor to d[pos] for each entry (a class listed twice counts twice).
   * The ΔJ are computed in sorted order and written back by entry, so that the value and the gradient are
   * then summed in element order (d written in increasing index, no scattered access).
   */
  finish(G: number, d: Float64Array | Float32Array | null, divisor: number): number {
    const { err, fgDj, slope, pos, n } = this;
    const order = this.sorter.sort(n, err);
    let cf = 0;
    let cb = 0;
    let prev = 0;
    for (let k = 0; k < n; k++) {
      const o = 2 * order[k];
      const fg = fgDj[o];
      cf += fg;
      cb += 1 - fg;
      const j = jaccardAt(G, cf, cb);
      fgDj[o + 1] = j - prev;
      prev = j;
    }
    let loss = 0;
    for (let e = 0; e < n; e++) {
      const dj = fgDj[2 * e + 1];
      loss += err[e] * dj;
      if (d !== null) d[pos[e]] += (slope[e] * dj) / divisor;
    }
    return loss;
  }
}
const u32 = (n: number) => new Uint32Array(n);
const f64 = (n: number) => new Float64Array(n);

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
 * The channels a Lovász-Softmax loss scores: the listed ones, else all C (`'present'` then skips those absent
 * from gt); a listed channel ≥ C is an error.
 * @example lovaszClassList('f', 'all', 3) // [0, 1, 2]
 */
export function lovaszClassList(
  fn: string,
  classes: 'present' | 'all' | readonly number[],
  C: number,
): readonly number[] {
  const list = Array.isArray(classes) ? classes : Array.from({ length: C }, (_, c) => c);
  for (const c of list)
    if (c >= C) throw rangeError(fn, `classes must be integers in [0, ${C - 1}]; got ${c}.`);
  return list;
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

/** Lovász-Softmax value and gradient (the gradient in `out` when given; scratch kept by the returned function). */
export function lovaszSoftmaxTerms(fn: string, options: LovaszSoftmaxOptions | undefined): Terms {
  const cfg = resolveLovaszSoftmaxOptions(fn, options);
  const lists = new LovaszLists();
  return (gt, pr, withGrad, out) => {
    const t = prepareTargets(fn, gt, pr, cfg.layout, cfg.ignoreIndex, lists.scratch);
    const { geom, g, mask } = t;
    const { batch, pixels, channels: C, imageStride, pixelStride, channelStride } = geom;
    const check = cfg.checkInputs;
    const scratch = lists.scratch;
    const p = cfg.fromLogits
      ? activate(
          pr.data,
          geom,
          C > 1 ? 'softmax' : 'sigmoid',
          undefined,
          check ? fn : undefined,
          scratch.take('p', pr.data.length, f64),
        )
      : pr.data;
    // Bad input (pr outside [0, 1] or a non-finite gt) is caught in the pass that gathers the errors.
    let bad = false;
    const list = lovaszClassList(fn, cfg.classes, C);
    const onlyPresent = cfg.classes === 'present';
    const groups = cfg.perImage ? batch : 1;
    const d = withGrad ? scratch.take('d', p.length, f64).fill(0) : null;
    const scales = scratch.take('scales', groups, f64);
    let total = 0;
    for (let r = 0; r < groups; r++) {
      let used = 0;
      let groupLoss = 0;
      const b0 = cfg.perImage ? r : 0;
      const b1 = cfg.perImage ? r + 1 : batch;
      for (const c of list) {
        lists.start((b1 - b0) * pixels);
        let count = 0;
        let G = 0;
        for (let b = b0; b < b1; b++) {
          for (let s = 0, i = b * imageStride + c * channelStride; s < pixels; s++, i += pixelStride) {
            if (mask !== null && mask[i] === 0) continue;
            const pv = p[i];
            const gv = g[i];
            if (!(pv >= 0 && pv <= 1) || gv - gv !== 0) bad = true;
            G += gv;
            count++;
            // ∂|p − g|/∂p = sign(p − g) (0 at p = g, where the error is 0 and the entry is left out; a NaN
            // is kept, so that without the input check it reaches the value).
            const e = Math.abs(gv - pv);
            if (!(e <= 0)) lists.push(e, gv, pv > gv ? 1 : -1, i);
          }
        }
        if (bad && check) throw lovaszInputError(fn, g, p, pr.data, geom, list, mask, cfg.fromLogits);
        if (count === 0 || (onlyPresent && G === 0)) continue;
        groupLoss += lists.finish(G, d, 1);
        used++;
      }
      total += groupLoss * (used > 0 ? 1 / used : 0);
      // The gradient's mean over the used classes and the groups, applied in the last pass (the chain rule
      // through the softmax is linear in d).
      scales[r] = (used > 0 ? 1 / used : 0) / groups;
    }
    const value = total / groups;
    if (!d) return { value, grad: null };
    if (cfg.fromLogits) activationBackward(d, p, geom, C > 1 ? 'softmax' : 'sigmoid');
    const grad = out ?? new Float32Array(d.length);
    for (let b = 0; b < batch; b++) {
      const scale = scales[cfg.perImage ? b : 0];
      for (let i = b * imageStride, end = i + imageStride; i < end; i++) grad[i] = d[i] * scale;
    }
    return { value, grad };
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

/** Lovász hinge value and gradient (binary; `pr` = logits with one channel, gt in {0, 1}; the gradient in `out` when given). */
export function lovaszHingeTerms(fn: string, options: LovaszHingeOptions | undefined): Terms {
  const { layout, perImage, ignoreIndex, checkInputs } = resolveLovaszHingeOptions(fn, options);
  const lists = new LovaszLists();
  return (gt, pr, withGrad, out) => {
    const t = prepareTargets(fn, gt, pr, layout, ignoreIndex, lists.scratch);
    const { geom, g, mask } = t;
    if (geom.channels !== 1) {
      throw rangeError(fn, `pr must have 1 channel (binary logits); got ${geom.channels}.`);
    }
    const { batch, pixels } = geom;
    const x = pr.data;
    const groups = perImage ? batch : 1;
    const grad = withGrad ? (out ?? new Float32Array(x.length)).fill(0) : null;
    let total = 0;
    for (let r = 0; r < groups; r++) {
      const i0 = perImage ? r * pixels : 0;
      const i1 = perImage ? (r + 1) * pixels : batch * pixels;
      lists.start(i1 - i0);
      let count = 0;
      let G = 0;
      let bad = 0;
      for (let i = i0; i < i1; i++) {
        if (mask !== null && mask[i] === 0) continue;
        const gv = g[i];
        bad += x[i] - x[i] + gv - gv;
        G += gv;
        count++;
        // e = 1 − x·(2g − 1), ∂e/∂x = −(2g − 1); relu(e) leaves out e ≤ 0 (and a NaN, as relu's test e > 0 did).
        const sgn = 2 * gv - 1;
        const e = 1 - x[i] * sgn;
        if (e > 0) lists.push(e, gv, -sgn, i);
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
      if (count === 0) continue;
      total += lists.finish(G, grad, groups);
    }
    return { value: total / groups, grad };
  };
}
