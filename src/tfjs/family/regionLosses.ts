/**
 * The op path (GPU backends) of the family's region losses: the options resolved by the core's own
 * resolvers, the statistics by the custom op of `regionOps.ts`, the reduction by the core's reducers in
 * tensor form.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  type RegionConfig,
  type RegionFamilyOptions,
  resolveFamilyOptions,
  selectChannels,
} from '../../core/family/options.js';
import {
  type DiceFamilyOptions,
  type GeneralizedDiceOptions,
  type TverskyOptions,
  diceShape,
  jaccardShape,
} from '../../core/family/regionFamily.js';
import {
  type OpsCounts,
  type OpsReducer,
  generalizedDiceReducerOps,
  logCoshReducerOps,
  regionCountsOps,
  shapeReducerOps,
} from './regionOps.js';
import type { OpsLossFn } from './opsLoss.js';
import { tverskyShape } from '../../core/scores.js';
import { checkOpsInputs, opsActivate, opsTargets } from './targets.js';

/** The statistics of `(yTrue, yPred)` under `cfg`, in ops. */
export function regionCountsOf(fn: string, cfg: RegionConfig, yTrue: tf.Tensor, yPred: tf.Tensor): OpsCounts {
  const { geo, labelMap } = checkOpsInputs(fn, yTrue, yPred, cfg.layout);
  const channels = selectChannels(fn, cfg, geo.geom.channels);
  const t = opsTargets(yTrue, geo, labelMap, cfg.ignoreIndex);
  const p = opsActivate(yPred, geo, cfg.fromLogits, cfg.activation);
  return regionCountsOps(t, p, channels, cfg);
}

/** A region loss on the op path: statistics, then `reduce`. */
export function regionOpsLoss(fn: string, cfg: RegionConfig, reduce: OpsReducer): OpsLossFn {
  return (yTrue, yPred) => reduce(fn, regionCountsOf(fn, cfg, yTrue, yPred), cfg);
}

/** The Dice / F-β loss of the general path (options already accepted by the core). */
export function diceOps(options: DiceFamilyOptions = {}, fn = 'diceLoss'): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options, ['beta']);
  return regionOpsLoss(
    fn,
    cfg,
    shapeReducerOps((c) => diceShape(c, options.beta ?? 1)),
  );
}

/** The Jaccard loss of the general path. */
export function jaccardOps(options: RegionFamilyOptions = {}, fn = 'jaccardLoss'): OpsLossFn {
  return regionOpsLoss(fn, resolveFamilyOptions(fn, options), shapeReducerOps(jaccardShape));
}

/** Tversky / focal Tversky (defaults as the core's `regionTverskyLoss`: α = β = ½, γ = 1, γ on the class term, on the mean for smp). */
export function tverskyOps(options: TverskyOptions = {}, fn = 'tverskyLoss'): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options, ['alpha', 'beta', 'gamma', 'gammaOn']);
  const shape = tverskyShape(options.alpha ?? 0.5, options.beta ?? 0.5);
  const extras = {
    gamma: options.gamma ?? 1,
    gammaOn: options.gammaOn ?? (cfg.preset === 'smp' ? 'mean' : 'class'),
  } as const;
  return regionOpsLoss(
    fn,
    cfg,
    shapeReducerOps(() => shape, extras),
  );
}

/** Generalized Dice (defaults as the core: `weightType: 'square'`, `absentWeight: 'max'`). */
export function generalizedDiceOps(
  options: GeneralizedDiceOptions = {},
  fn = 'generalizedDiceLoss',
): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options as RegionFamilyOptions, ['weightType', 'absentWeight']);
  return regionOpsLoss(
    fn,
    cfg,
    generalizedDiceReducerOps(options.weightType ?? 'square', options.absentWeight ?? 'max'),
  );
}

/** Log-cosh Dice. */
export function logCoshDiceOps(options: DiceFamilyOptions = {}, fn = 'logCoshDiceLoss'): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options, ['beta']);
  return regionOpsLoss(fn, cfg, logCoshReducerOps(shapeReducerOps((c) => diceShape(c, options.beta ?? 1))));
}
