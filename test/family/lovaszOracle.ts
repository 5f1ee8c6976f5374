/**
 * The Lovász-Softmax and hinge terms as they were before the radix sort (issue 10): each list sorted by
 * `Uint32Array.prototype.sort` with a comparator over float64 errors (stable: equal errors keep element order),
 * float64 temporaries, new arrays per call; without the input checks (the oracle sees valid input). Kept as the
 * oracle of test/family/lovaszSort.test.ts and as the "old" side of the A/B rows of
 * bench/smpMonaiLosses.bench.ts; not part of the library.
 * @module
 */
import {
  lovaszClassList,
  lovaszGrad,
  resolveLovaszHingeOptions,
  resolveLovaszSoftmaxOptions,
  type LovaszHingeOptions,
  type LovaszSoftmaxOptions,
} from '../../src/core/family/lovasz.js';
import { activate, activationBackward, prepareTargets } from '../../src/core/family/input.js';
import type { NdArray } from '../../src/core/types.js';

/** The per-list arrays, new on every call (as before). */
function listArrays(span: number) {
  return {
    err: new Float64Array(span),
    fg: new Float64Array(span),
    pos: new Uint32Array(span), // element index of each entry
    idx: new Uint32Array(span),
    fgSorted: new Float64Array(span),
    lg: new Float64Array(span),
  };
}

/** Sorts `idx[0..n)` by decreasing `err`. */
function sortDesc(err: Float64Array, idx: Uint32Array, n: number): Uint32Array {
  const view = idx.subarray(0, n);
  view.sort((a, b) => err[b] - err[a]);
  return view;
}

/** Lovász-Softmax value and gradient. */
export function oldLovaszSoftmaxTerms(
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
    const list = lovaszClassList(fn, cfg.classes, C);
    const onlyPresent = cfg.classes === 'present';
    const groups = cfg.perImage ? batch : 1;
    const span = cfg.perImage ? pixels : batch * pixels;
    const { err, fg, pos, idx, fgSorted, lg } = listArrays(span);
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
            fg[n] = gv;
            err[n] = Math.abs(gv - pv);
            pos[n] = i;
            G += g[i];
            n++;
          }
        }
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

/** Lovász hinge value and gradient (binary; `pr` = logits with one channel, gt in {0, 1}). */
export function oldLovaszHingeTerms(
  fn: string,
  options: LovaszHingeOptions | undefined,
): (gt: NdArray, pr: NdArray, withGrad: boolean) => { value: number; grad: Float32Array | null } {
  const { layout, perImage, ignoreIndex } = resolveLovaszHingeOptions(fn, options);
  return (gt, pr, withGrad) => {
    // (One channel, as the library checks.)
    const { geom, g, mask } = prepareTargets(fn, gt, pr, layout, ignoreIndex);
    const { batch, pixels } = geom;
    const x = pr.data;
    const groups = perImage ? batch : 1;
    const span = perImage ? pixels : batch * pixels;
    const { err, fg, pos, idx, fgSorted, lg } = listArrays(span);
    const grad = withGrad ? new Float32Array(x.length) : null;
    let total = 0;
    for (let r = 0; r < groups; r++) {
      let n = 0;
      const i0 = perImage ? r * pixels : 0;
      const i1 = perImage ? (r + 1) * pixels : batch * pixels;
      for (let i = i0; i < i1; i++) {
        if (mask !== null && mask[i] === 0) continue;
        const sgn = 2 * g[i] - 1;
        fg[n] = g[i];
        err[n] = 1 - x[i] * sgn;
        pos[n] = i;
        n++;
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
