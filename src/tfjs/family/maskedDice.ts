/**
 * MONAI's `MaskedDiceLoss` for TF.js. A Keras-style loss sees only `(yTrue, yPred)`, and `model.fit` batches
 * only `x` and `y`; a per-sample mask therefore travels as the LAST channel of `yTrue`, batched with the
 * targets: `yTrue = concat([target, mask], channelAxis)`. (A mask fixed at construction would not follow the
 * samples of a batch; a third argument is not something Keras passes.)
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DiceFamilyOptions } from '../../core/family/regionFamily.js';
import {
  maskedDiceLoss as coreMaskedDice,
  type MaskedDiceOptions,
} from '../../core/losses/maskedDiceLoss.js';
import { resolveFamilyOptions } from '../../core/family/options.js';
import { formatShape, rangeError } from '../../core/validate.js';
import { defineTfLoss, lossFactory } from '../compose.js';
import { lossOnData, ndOf, onHostBackend } from '../fromCore.js';
import { asFloat, checkNumericTensors } from '../input.js';
import type { TfLossFactory } from '../types.js';
import { diceOps, jaccardOps } from './regionLosses.js';

/**
 * Splits `yTrue` into the target and the mask (its last channel). `yTrue` has C + 1 channels (dense targets
 * and the mask) or 2 channels (a label per pixel and the mask) when `yPred` has C ≠ 1 channels.
 */
function unpack(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  layout: 'channelsLast' | 'channelsFirst',
): { gt: tf.Tensor; mask: tf.Tensor } {
  checkNumericTensors(fn, yTrue, yPred);
  const axis = layout === 'channelsLast' ? yPred.rank - 1 : 1;
  const C = yPred.shape[axis];
  const t = yTrue.shape;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const without = (s: number[]) => s.filter((_, i) => i !== axis);
  const k = t[axis];
  if (
    yPred.rank < 3 ||
    t.length !== yPred.rank ||
    !same(without(t), without(yPred.shape)) ||
    !(k === C + 1 || (k === 2 && C !== 1))
  ) {
    const want = [...yPred.shape];
    want[axis] = C + 1;
    throw rangeError(
      fn,
      `yTrue must hold the targets and the mask as its last channel, shape ${formatShape(want)} (or 2 channels: label, mask); got ${formatShape(t)} for yPred ${formatShape(yPred.shape)}.`,
    );
  }
  const size = [...t];
  size[axis] = k - 1;
  const gt = tf.slice(yTrue, new Array(t.length).fill(0), size);
  const begin = new Array(t.length).fill(0);
  begin[axis] = k - 1;
  const one = [...t];
  one[axis] = 1;
  const mask = asFloat(tf.slice(yTrue, begin, one));
  // A label map: drop its channel axis (the core reads [N, ...spatial] labels).
  return { gt: k === C + 1 ? gt : tf.squeeze(gt, [axis]), mask };
}

/**
 * MONAI's `MaskedDiceLoss` (preset 'monai', every Dice option of the core's `maskedDiceLoss`): the mask
 * multiplies `yPred` and the targets before the Dice (or Jaccard) loss, and the gradient by the chain rule.
 * `yTrue` carries the mask as its last channel (see the module note). On `cpu`/`wasm` the core runs on the
 * tensors' data; elsewhere TF.js ops, nothing read back.
 * @example
 * const yTrue = tf.concat([oneHot, mask], 1); // [N, C + 1, H, W]: targets, then the mask
 * model.compile({ optimizer: 'adam', loss: maskedDiceLoss({ fromLogits: true }) });
 */
export const maskedDiceLoss: TfLossFactory<MaskedDiceOptions> = lossFactory((options?: MaskedDiceOptions) => {
  const fn = 'maskedDiceLoss';
  const core = coreMaskedDice(options); // validates, with the core's messages
  const { jaccard, ...rest } = options ?? {};
  const dice: DiceFamilyOptions = { preset: 'monai', ...rest };
  const cfg = resolveFamilyOptions(fn, dice, ['beta']);
  const ops = jaccard ? jaccardOps(dice, fn) : diceOps(dice, fn);
  return defineTfLoss(core.name, (yTrue, yPred) => {
    const { gt, mask } = unpack(fn, yTrue, yPred, cfg.layout);
    if (onHostBackend()) return lossOnData(core.withMask(ndOf(mask)), gt, yPred);
    const labelMap = gt.rank !== yPred.rank;
    let g: tf.Tensor;
    if (!labelMap) g = tf.mul(asFloat(gt), mask);
    else {
      // MONAI: one_hot(label·mask), the product truncated to an integer; ignoreIndex stays.
      const m = tf.squeeze(mask, [cfg.layout === 'channelsLast' ? yPred.rank - 1 : 1]);
      const lm = tf.mul(asFloat(gt), m);
      const truncated = tf.mul(tf.sign(lm), tf.floor(tf.abs(lm)));
      g =
        cfg.ignoreIndex === undefined
          ? truncated
          : tf.where(tf.equal(gt, cfg.ignoreIndex), asFloat(gt), truncated);
    }
    return ops(g, tf.mul(asFloat(yPred), mask));
  });
});
