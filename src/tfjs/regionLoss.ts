/**
 * Dice and Jaccard losses for TF.js (sm `DiceLoss`, `JaccardLoss`), with the closed-form gradient through
 * `tf.customGrad`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { FAMILY_ONLY_KEYS, usesFamilyOptions } from '../core/family/options.js';
import type { Loss } from '../core/loss.js';
import { diceLoss as coreDiceLoss, type DiceLossOptions } from '../core/losses/diceLoss.js';
import { jaccardLoss as coreJaccardLoss, type JaccardLossOptions } from '../core/losses/jaccardLoss.js';
import { resolveRegionOptions } from '../core/options.js';
import { defineTfLoss, lossFactory, withClosedFormGradient } from './compose.js';
import { lossOnData, onHostBackend } from './fromCore.js';
import { tfLossByBackend } from './family/opsLoss.js';
import { diceOps, jaccardOps } from './family/regionLosses.js';
import { view3 } from './input.js';
import { affineInGt, checkRegionCall, lossCoefficients, regionForward, type RegionCall } from './region.js';
import type { TfLoss, TfLossFactory } from './types.js';
import { fScoreShape, iouShape } from '../core/scores.js';

/**
 * `1 − score` as a TF.js loss. On `cpu` and `wasm`, `core` (the same loss in the core) runs on the tensors'
 * data; elsewhere TF.js ops: the forward pass reduces tp, P and G per class; the gradient is `A·gt + B` per
 * class (see `region.ts`), written in one pass.
 */
export function regionLoss(name: string, call: RegionCall, core: Loss): TfLoss {
  return defineTfLoss(name, (yTrue, yPred) => {
    const checked = checkRegionCall(call, yTrue, yPred);
    return onHostBackend() ? lossOnData(core, yTrue, yPred) : regionLossOps(call, yTrue, yPred, checked);
  });
}

/** {@link regionLoss} in TF.js ops on any backend (no read-back): what GPU backends run. */
export function regionLossOps(
  call: RegionCall,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  { geo, channels }: ReturnType<typeof checkRegionCall> = checkRegionCall(call, yTrue, yPred),
): tf.Scalar {
  return withClosedFormGradient(yPred, (pr, save) => {
    const gt3 = view3(yTrue, geo);
    const r = regionForward(call, gt3, view3(pr, geo), geo, channels);
    const { A, B } = lossCoefficients(call, r, geo, channels);
    save([gt3, A, B]);
    return {
      value: r.loss,
      gradFunc: (dy, saved) => {
        const [g, a, b] = saved as tf.Tensor3D[];
        return tf.reshape(affineInGt(g, a, b, dy, geo), pr.shape);
      },
    };
  });
}

/**
 * Dice loss = 1 − F-score (sm `DiceLoss`, Milletari et al. 2016, V-Net, in sm's linear form):
 * `1 − mean_c w_c·((1+β²)tp + smooth) / ((1+β²)tp + β²fn + fp + smooth)`, per image first when `perImage`.
 * As a TF.js loss `(yTrue, yPred) => Scalar` named `dice_loss`; `yTrue` one-hot, `yPred` probabilities, both
 * `[N, ...spatial, C]` (or `[N, C, ...spatial]` with `layout: 'channelsFirst'`).
 * `diceLoss` itself is sm's ready-made `dice_loss`; `diceLoss(options)` is `DiceLoss(**options)`.
 * @param options.beta - weight of recall against precision. @default 1
 * @param options.classWeights - one number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to use. @default all
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average. @default false
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: diceLoss({ classWeights: [0.2, 1, 2] }) })
 */
export const diceLoss: TfLossFactory<DiceLossOptions> = lossFactory((options?: DiceLossOptions) => {
  if (usesFamilyOptions(options)) return tfLossByBackend(coreDiceLoss(options), diceOps(options));
  const o = resolveRegionOptions('diceLoss', options, false, true, FAMILY_ONLY_KEYS);
  return regionLoss(
    'dice_loss',
    { fn: 'diceLoss', shape: fScoreShape(o.beta), options: o },
    coreDiceLoss(options),
  );
});

/**
 * Jaccard loss = 1 − IoU (sm `JaccardLoss`): `1 − mean_c w_c·(tp + smooth) / (tp + fp + fn + smooth)`.
 * A TF.js loss named `jaccard_loss`; options as {@link diceLoss} without `beta`.
 * @param options.classWeights - one number or one weight per selected class. @default 1
 * @param options.classIndexes - channels to use. @default all
 * @param options.smooth - added to numerator and denominator. @default 1e-5
 * @param options.perImage - score each image, then average. @default false
 * @param options.layout - `'channelsLast'` or `'channelsFirst'`. @default 'channelsLast'
 * @example model.compile({ optimizer: 'adam', loss: jaccardLoss })
 */
export const jaccardLoss: TfLossFactory<JaccardLossOptions> = lossFactory((options?: JaccardLossOptions) => {
  if (usesFamilyOptions(options)) {
    return tfLossByBackend(coreJaccardLoss(options), jaccardOps(options));
  }
  const o = resolveRegionOptions('jaccardLoss', options, false, false, FAMILY_ONLY_KEYS);
  return regionLoss(
    'jaccard_loss',
    { fn: 'jaccardLoss', shape: iouShape(), options: o },
    coreJaccardLoss(options),
  );
});
