/**
 * The region losses of the family (Dice / F-β, Jaccard, Tversky and focal Tversky, generalized Dice, log-cosh
 * Dice, every preset) in TF.js ops, for GPU backends: nothing is read back.
 *
 * - The region statistics tp, fp, fn per (image or batch, selected class) are ONE custom op
 *   (`tf.customGrad`) over the probabilities, in the counting form the options select (plain, squared,
 *   soft-label, MONAI's |p| norms), with the core's closed-form backward (`regionBackward` in
 *   core/family/region.ts): ∂L/∂p = A·t' + B·P' with A = ∂L/∂tp − ∂L/∂fp − ∂L/∂fn, B = ∂L/∂fp.
 * - The reduction (score, per-class loss, weights, empty classes, mean / sum) is the core's score table
 *   (core/scores.ts: `classTermOf`, `reduceTermsOf`, `logCoshOf`, …) run on the `[R, K]` statistics through
 *   the tensor algebra (`tensorAlgebra.ts`): the same code as the core's reducers, no formula written here;
 *   TF.js autodiff differentiates these few small tensors.
 * - The activation (softmax, sigmoid) is TF.js ops before the custom op; autodiff takes it.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RegionConfig } from '../../core/family/options.js';
import {
  type CountForm,
  type ReduceExtras,
  type ScoreShape,
  regionClassWeights,
} from '../../core/family/region.js';
import { GDL_SHAPE } from '../../core/family/regionFamily.js';
import {
  classTermOf,
  countCoefficientsOf,
  generalizedDiceWeightOf,
  logCoshOf,
  ratioTermsOf,
  reduceTermsOf,
  scoreLossOf,
} from '../../core/scores.js';
import { tensorAlgebra as T } from './tensorAlgebra.js';
import { inverseIndex, isAllChannels } from '../input.js';
import type { OpsTargets } from './targets.js';

/** The statistics of the op path: tp, fp, fn (differentiable) and G = Σg (a constant, tells empty classes). */
export interface OpsCounts {
  R: number;
  K: number;
  tp: tf.Tensor2D;
  fp: tf.Tensor2D;
  fn: tf.Tensor2D;
  G: tf.Tensor2D;
}

/** A reduction of the op path's statistics to the loss value (differentiable in tp, fp, fn). */
export type OpsReducer = (fn: string, counts: OpsCounts, cfg: RegionConfig) => tf.Scalar;

/**
 * Picks the selected channels out of `[R, C]` (`pick`) and spreads `[R, K]` back onto all C with zeros on the
 * unselected ones (`spreadBack`), by gathers: a product with a 0/1 matrix would spread a NaN or ∞ of one
 * class into the others.
 */
function channelSelection(
  channels: readonly number[],
  C: number,
): { pick: (x: tf.Tensor2D) => tf.Tensor2D; spreadBack: (x: tf.Tensor2D) => tf.Tensor2D } {
  if (isAllChannels(channels, C)) return { pick: (x) => x, spreadBack: (x) => x };
  const idx = Array.from(channels);
  const inv = inverseIndex(channels, C);
  return {
    pick: (x) => tf.gather(x, idx, 1) as tf.Tensor2D,
    spreadBack: (x) => tf.gather(tf.concat([x, tf.zeros([x.shape[0], 1])], 1), inv, 1) as tf.Tensor2D,
  };
}

/** Σ over the pixels (and the batch unless `perImage`) of a 3-D view: `[R, C]`. */
function pixelSum(x: tf.Tensor, t: OpsTargets, perImage: boolean): tf.Tensor2D {
  const C = t.geom.channels;
  const s = tf.sum(x, perImage ? t.pixelAxis : [0, t.pixelAxis]);
  return tf.reshape(s, [perImage ? t.geom.batch : 1, C]) as tf.Tensor2D;
}

/** A `[R, C]` per-(row, channel) coefficient as a tensor broadcasting over the 3-D view. */
function spread(x: tf.Tensor2D, t: OpsTargets): tf.Tensor3D {
  const [R, C] = x.shape;
  return tf.reshape(x, t.channelAxis === 2 ? [R, 1, C] : [R, C, 1]) as tf.Tensor3D;
}

/**
 * The custom op: soft counts of `p` (3-D probabilities) against the targets `t`, per (row, selected class),
 * in the counting form `form` (the core's `regionCounts`): plain tp = Σp·g, fp = Σp − tp, fn = Σg − tp;
 * squared Σp², Σg²; soft-label tp = (Σp + Σg − Σ|p − g|)/2 (|p|, |g| with MONAI's norms); ignored elements
 * count nowhere. Its gradient is the core's closed form, written in one pass over the elements.
 */
export function regionCountsOps(
  t: OpsTargets,
  p: tf.Tensor3D,
  channels: readonly number[],
  form: CountForm,
): OpsCounts {
  const C = t.geom.channels;
  const K = channels.length;
  const R = form.perImage ? t.geom.batch : 1;
  const { pick, spreadBack } = channelSelection(channels, C);
  const sel = (x: tf.Tensor) => pick(pixelSum(x, t, form.perImage));
  const soft = form.softLabel && !form.squared;
  const { g, mask } = t;
  const masked = (x: tf.Tensor) => (mask === null ? x : tf.mul(x, mask));
  const G = soft && form.absNorms ? sel(tf.abs(g)) : sel(g);
  const stats = tf.customGrad((...args) => {
    const [pr, save] = args as unknown as [tf.Tensor3D, tf.GradSaveFunc];
    let tp: tf.Tensor;
    let P: tf.Tensor;
    let Gk: tf.Tensor;
    if (soft) {
      P = sel(masked(form.absNorms ? tf.abs(pr) : pr));
      Gk = G;
      tp = tf.div(tf.sub(tf.add(P, Gk), sel(masked(tf.abs(tf.sub(pr, g))))), 2);
    } else {
      tp = sel(tf.mul(pr, g));
      P = sel(masked(form.squared ? tf.square(pr) : pr));
      Gk = form.squared ? sel(tf.square(g)) : G;
    }
    save(mask === null ? [pr, g] : [pr, g, mask]);
    return {
      value: tf.stack([tp, tf.sub(P, tp), tf.sub(Gk, tp)]) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sp, sg, sm] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D?];
        const [dtp, dfp, dfn] = tf.unstack(dy) as tf.Tensor2D[];
        // A, B per (row, channel), 0 on unselected channels.
        const [a, b] = countCoefficientsOf(T, dtp, dfp, dfn);
        const A = spread(spreadBack(a as tf.Tensor2D), t);
        const B = spread(spreadBack(b as tf.Tensor2D), t);
        let d: tf.Tensor;
        if (form.squared) d = tf.add(tf.mul(A, sg), tf.mul(B, tf.mul(sp, 2)));
        else if (soft) {
          const dP = form.absNorms ? tf.sign(sp) : tf.onesLike(sp);
          d = tf.add(tf.mul(A, tf.div(tf.sub(dP, tf.sign(tf.sub(sp, sg))), 2)), tf.mul(B, dP));
        } else d = tf.add(tf.mul(A, sg), B);
        // Ignored elements get exactly 0 (as in the core), even where a class's coefficient is NaN or ∞.
        if (sm !== undefined) d = tf.where(tf.greater(sm, 0), d, tf.zerosLike(d));
        return [tf.reshape(d, sp.shape)];
      },
    };
  })(p) as tf.Tensor3D;
  const [tp, fp, fn] = tf.unstack(stats) as tf.Tensor2D[];
  return { R, K, tp, fp, fn, G: G as tf.Tensor2D };
}

/**
 * The core's `reduceRegion` (core/family/region.ts) on tensors: the same table code (`classTermOf`,
 * `reduceTermsOf` of core/scores.ts) on the `[R, K]` statistics through {@link tensorAlgebra}, its sums as
 * `tf.sum`. Per (r, k) s = (a·tp + snr)/max(a·tp + wfp·fp + wfn·fn + sdr, eps); ℓ = 1 − s or −log(max(s, eps));
 * focal ℓ^γ; weights, empty classes ('formula' | 'zero' | 'skip'), class-weight modes, mean or sum; γ on the
 * mean.
 */
export function reduceRegionOps(
  fn: string,
  counts: OpsCounts,
  cfg: RegionConfig,
  shape: ScoreShape,
  extras: ReduceExtras = {},
): tf.Scalar {
  const { K, tp, fp, fn: fnT, G } = counts;
  const w = tf.tensor2d(Float32Array.from(regionClassWeights(fn, cfg, K)), [1, K]);
  const gamma = extras.gamma ?? 1;
  const c = classTermOf(T, shape, tp, fp, fnT, G, w, cfg, extras.gammaOn !== 'mean' ? gamma : 1);
  const included = typeof c.included === 'number' ? tf.fill(G.shape, c.included) : c.included;
  const count = tf.sum(included);
  const wsum = tf.sum(tf.mul(included, w));
  const r = reduceTermsOf(T, tf.sum(c.term), count, wsum, cfg, extras.gammaOn === 'mean' ? gamma : 1);
  return r.value as tf.Scalar;
}

/** {@link reduceRegionOps} with a fixed score shape (the region losses' reducers). */
export function shapeReducerOps(shape: (cfg: RegionConfig) => ScoreShape, extras?: ReduceExtras): OpsReducer {
  return (fn, counts, cfg) => reduceRegionOps(fn, counts, cfg, shape(cfg), extras);
}

/**
 * The core's generalized Dice reducer (Sudre 2017; core/family/regionFamily.ts) on tensors: per row, the
 * table's weights w_k = 1, 1/G_k or 1/G_k² (`generalizedDiceWeightOf`; a class absent from gt: the row's
 * largest weight, or 0), then 1 − (Σ w·a·tp + snr)/(Σ w·(a·tp + wfp·fp + wfn·fn) + sdr) with the Dice shape's
 * sides (`ratioTermsOf`), mean or sum over rows. The weights are constants of gt.
 */
export function generalizedDiceReducerOps(
  weightType: 'square' | 'simple' | 'uniform',
  absentWeight: 'max' | 'zero',
): OpsReducer {
  return (_fn, counts, cfg) => {
    const { R, tp, fp, fn: fnT, G } = counts;
    let w = generalizedDiceWeightOf(T, G, weightType);
    if (typeof w === 'number') w = tf.fill(G.shape, w);
    else if (absentWeight === 'max')
      w = tf.where(tf.equal(G, 0), tf.mul(tf.onesLike(G), tf.max(w, 1, true)), w);
    const sides = ratioTermsOf(T, GDL_SHAPE, tp, fp, fnT);
    const num = tf.add(tf.sum(tf.mul(sides.num, w), 1), cfg.smoothNr);
    const den = tf.add(tf.sum(tf.mul(sides.den, w), 1), cfg.smoothDr);
    const total = tf.sum(scoreLossOf(T, tf.div(num, den), false, 0));
    return (cfg.reduction === 'mean' ? tf.div(total, R) : total) as tf.Scalar;
  };
}

/**
 * The core's log-cosh wrapper (Jadon 2020) on tensors: the table's `logCoshOf`,
 * L = log cosh(ℓ) = |ℓ| + log1p(e^{−2|ℓ|}) − log 2 (stable for any ℓ); autodiff gives ∂L = tanh(ℓ)·∂ℓ, the
 * core's closed form.
 */
export function logCoshReducerOps(inner: OpsReducer): OpsReducer {
  return (fn, counts, cfg) => logCoshOf(T, inner(fn, counts, cfg)) as tf.Scalar;
}
