/**
 * The Lovász losses (Berman et al. 2018; core/family/lovasz.ts) on the op path, for GPU backends: the errors
 * of each (group, class) row sorted by `tf.topk`, the Jaccard increments from `tf.cumsum` of the sorted
 * ground truth (constants, as in the core: the extension is piecewise linear), the loss as Σ error·increment;
 * TF.js autodiff sends each increment back to its error's element (the core's gradient). Ignored elements
 * sort last and count in no sum.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { rangeError } from '../../core/validate.js';
import type { OpsLossFn } from './opsLoss.js';
import { checkOpsInputs, checkSameShapeOps, opsTargets, softmaxOn } from './targets.js';
import type { Layout } from '../../core/types.js';

/** TF.js's hand-off of `topk` to the CPU (a read-back) on `webgl` / `webgpu`: k > 128 or rows < 100000. */
const TOPK_FLAGS: [string, number][] = [
  ['TOPK_K_CPU_HANDOFF_THRESHOLD', Number.POSITIVE_INFINITY],
  ['TOPK_LAST_DIM_CPU_HANDOFF_SIZE_THRESHOLD', 0],
];

/**
 * The indices sorting each row of `x` by decreasing value (`tf.topk` with k = the row length), kept on the GPU:
 * the GPU backends' thresholds that would hand a full sort to the CPU are lifted for this one call and restored.
 */
function sortIndices(x: tf.Tensor2D): tf.Tensor2D {
  const env = tf.env();
  const saved: [string, number][] = [];
  for (const [flag, value] of TOPK_FLAGS) {
    try {
      saved.push([flag, env.getNumber(flag)]);
      env.set(flag, value);
    } catch {
      // The flag is not registered: no GPU backend is loaded, nothing is handed off.
    }
  }
  try {
    return tf.topk(x, x.shape[1], true).indices as tf.Tensor2D;
  } finally {
    for (const [flag, value] of saved) env.set(flag, value);
  }
}

/**
 * Per row of `err` / `fg` / `valid` (`[rows, span]`): the Lovász extension Σ_k e_(k)·ΔJ_k over the row's
 * valid entries sorted by decreasing error (`hinge`: relu of the errors), as one custom op: the forward sorts
 * (`tf.topk`) and takes the increments ΔJ_k = J_k − J_{k−1}, J_k = 1 − (G − cumsum(g)_k)/(G + cumsum(1 − g)_k);
 * the backward is the core's closed form, each increment scattered back to its element (`tf.scatterND`).
 * Returns `[rows]`.
 */
export function lovaszRows(
  err: tf.Tensor2D,
  fg: tf.Tensor2D,
  valid: tf.Tensor2D,
  hinge: boolean,
): tf.Tensor1D {
  const [rows, span] = err.shape;
  return tf.customGrad((...args) => {
    const [e, save] = args as unknown as [tf.Tensor2D, tf.GradSaveFunc];
    // Invalid entries sort after every valid one (errors are ≥ 0 for softmax; any real for the hinge).
    const key = tf.where(tf.greater(valid, 0), e, tf.fill(e.shape, -Infinity));
    const indices = sortIndices(key);
    const flat = tf.reshape(
      tf.add(indices, tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(span, 'int32')), [rows, 1])),
      [-1],
    );
    const sorted = (x: tf.Tensor) => tf.reshape(tf.gather(tf.reshape(x, [-1]), flat), [rows, span]);
    const fgS = sorted(fg);
    const vS = sorted(valid);
    const G = tf.sum(fgS, 1, true);
    const cf = tf.cumsum(fgS, 1);
    const cb = tf.cumsum(tf.mul(vS, tf.sub(1, fgS)), 1);
    const union = tf.add(G, cb);
    const J = tf.where(
      tf.greater(union, 0),
      tf.sub(1, tf.div(tf.sub(G, cf), tf.maximum(union, 1e-30))),
      tf.zerosLike(union),
    );
    const prev = tf.concat([tf.zeros([rows, 1]), tf.slice(J, [0, 0], [rows, span - 1])], 1);
    let eS = sorted(e);
    if (hinge) eS = tf.relu(eS);
    const counted = tf.greater(vS, 0);
    const active = hinge ? tf.logicalAnd(counted, tf.greater(eS, 0)) : counted;
    const delta = tf.where(active, tf.sub(J, prev), tf.zerosLike(J));
    save([tf.reshape(flat, [-1, 1]), delta]);
    return {
      value: tf.sum(tf.mul(tf.where(counted, eS, tf.zerosLike(eS)), delta), 1) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [where, d] = saved;
        const upd = tf.reshape(tf.mul(d, tf.reshape(dy, [rows, 1])), [-1]);
        return [tf.reshape(tf.scatterND(where, upd, [rows * span]), [rows, span])];
      },
    };
  })(err) as tf.Tensor1D;
}

/** |x| with the gradient sign(x)·dy, sign(0) = 0 as the core and torch (TF.js's `abs` gives −1 at 0). */
function absSign(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((...args) => {
    const [v, save] = args as unknown as [tf.Tensor, tf.GradSaveFunc];
    save([v]);
    return {
      value: tf.abs(v),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.sign(saved[0]))],
    };
  })(x);
}

/** The Lovász-Softmax loss of the core's options on the op path. */
export function lovaszSoftmaxOps(
  fn: string,
  cfg: {
    layout: Layout;
    fromLogits: boolean;
    perImage: boolean;
    classes: 'present' | 'all' | readonly number[];
    ignoreIndex: number | undefined;
  },
): OpsLossFn {
  return (yTrue, yPred) => {
    const { geo, labelMap } = checkOpsInputs(fn, yTrue, yPred, cfg.layout);
    const t = opsTargets(yTrue, geo, labelMap, cfg.ignoreIndex);
    const { batch: N, pixels: P, channels: C } = geo.geom;
    const list = Array.isArray(cfg.classes) ? [...cfg.classes] : Array.from({ length: C }, (_, c) => c);
    for (const c of list)
      if (c >= C) throw rangeError(fn, `classes must be integers in [0, ${C - 1}]; got ${c}.`);
    const x = tf.reshape(tf.cast(yPred, 'float32'), geo.shape3) as tf.Tensor3D;
    const p = !cfg.fromLogits ? x : C > 1 ? softmaxOn(x, geo.channelAxis) : tf.sigmoid(x);
    // [N, C, P] views, then rows = (group, class), span = the group's pixels.
    const ncp = (v: tf.Tensor) => (geo.channelAxis === 2 ? tf.transpose(v, [0, 2, 1]) : v);
    const mask = t.mask ?? tf.onesLike(t.g);
    const rowsOf = (v: tf.Tensor): tf.Tensor2D => {
      // [N, L, P] by slices (differentiable on every backend; a gather's gradient needs UnsortedSegmentSum).
      const all = ncp(v);
      const sel = tf.concat(
        list.map((c) => tf.slice(all, [0, c, 0], [-1, 1, -1])),
        1,
      );
      if (cfg.perImage) return tf.reshape(sel, [N * list.length, P]);
      return tf.reshape(tf.transpose(sel, [1, 0, 2]), [list.length, N * P]);
    };
    const g = rowsOf(t.g);
    const valid = rowsOf(mask);
    const err = absSign(tf.sub(rowsOf(p), g)) as tf.Tensor2D;
    const losses = lovaszRows(err, g, valid, false);
    const groups = cfg.perImage ? N : 1;
    // A row is used when it has a valid element (and, for 'present', some foreground).
    const used = tf.cast(
      cfg.classes === 'present' ? tf.greater(tf.sum(g, 1), 0) : tf.greater(tf.sum(valid, 1), 0),
      'float32',
    );
    const byGroup = (v: tf.Tensor) =>
      cfg.perImage ? tf.reshape(v, [groups, list.length]) : tf.reshape(v, [1, list.length]);
    const count = tf.sum(byGroup(used), 1);
    const sum = tf.sum(byGroup(tf.mul(losses, used)), 1);
    const perGroup = tf.where(tf.greater(count, 0), tf.div(sum, tf.maximum(count, 1)), tf.zerosLike(sum));
    return tf.div(tf.sum(perGroup), groups) as tf.Scalar;
  };
}

/** The Lovász hinge of the core's options on the op path (one channel of logits; `flatten`: smp's multilabel). */
export function lovaszHingeOps(
  fn: string,
  cfg: { layout: Layout; perImage: boolean; ignoreIndex: number | undefined },
): OpsLossFn {
  return (yTrue, yPred) => {
    const { geo, labelMap } = checkOpsInputs(fn, yTrue, yPred, cfg.layout);
    if (geo.geom.channels !== 1) {
      throw rangeError(fn, `pr must have 1 channel (binary logits); got ${geo.geom.channels}.`);
    }
    const t = opsTargets(yTrue, geo, labelMap, cfg.ignoreIndex);
    const { batch: N, pixels: P } = geo.geom;
    const shape: [number, number] = cfg.perImage ? [N, P] : [1, N * P];
    const g = tf.reshape(t.g, shape) as tf.Tensor2D;
    const valid = tf.reshape(t.mask ?? tf.onesLike(t.g), shape) as tf.Tensor2D;
    const x = tf.reshape(tf.cast(yPred, 'float32'), shape);
    const err = tf.sub(1, tf.mul(x, tf.sub(tf.mul(g, 2), 1))) as tf.Tensor2D;
    return tf.div(tf.sum(lovaszRows(err, g, valid, true)), shape[0]) as tf.Scalar;
  };
}

/**
 * smp's `LovaszLoss` on the op path: `'binary'` the hinge, `'multilabel'` the hinge over every channel of an
 * image together (the channel axis folded into the pixels), `'multiclass'` Lovász-Softmax of the logits over
 * the classes present.
 */
export function lovaszLossOps(
  fn: string,
  cfg: {
    mode: 'binary' | 'multilabel' | 'multiclass';
    layout: Layout;
    perImage: boolean;
    ignoreIndex: number | undefined;
  },
): OpsLossFn {
  const { layout, perImage, ignoreIndex } = cfg;
  if (cfg.mode === 'multiclass') {
    return lovaszSoftmaxOps(fn, { layout, fromLogits: true, perImage, ignoreIndex, classes: 'present' });
  }
  const hinge = lovaszHingeOps(fn, { layout, perImage, ignoreIndex });
  if (cfg.mode === 'binary') return hinge;
  return (yTrue, yPred) => {
    checkSameShapeOps(fn, yTrue, yPred, 2);
    const n = yPred.shape[0];
    const rest = yPred.size / n;
    const shape = layout === 'channelsFirst' ? [n, 1, rest] : [n, rest, 1];
    return hinge(tf.reshape(yTrue, shape), tf.reshape(yPred, shape));
  };
}
