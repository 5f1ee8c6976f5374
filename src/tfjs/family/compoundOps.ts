/**
 * The compound losses (MONAI `DiceCELoss`, `DiceFocalLoss`, `GeneralizedDiceFocalLoss`) on the op path:
 * λ₁·region + λ₂·(CE or focal), each term in TF.js ops; the options split between the terms as the core's
 * `compound.ts` splits them (the core factory has validated them first).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type DiceCEOptions,
  type DiceFocalOptions,
  type GeneralizedDiceFocalOptions,
  DICE_CE_KEYS,
  DICE_FOCAL_KEYS,
  GDF_KEYS,
  focalPartConfig,
  pick,
} from '../../core/family/compound.js';
import {
  type RegionConfig,
  type RegionFamilyOptions,
  resolveFamilyOptions,
} from '../../core/family/options.js';
import { resolveClassWeights } from '../../core/options.js';
import { crossEntropyOps, focalOps } from './elementwiseOps.js';
import type { OpsLossFn } from './opsLoss.js';
import { diceOps, generalizedDiceOps, jaccardOps } from './regionLosses.js';

/** Σ λ·term over the terms whose λ ≠ 0 (as the core's `weightedSum`). */
function weightedSumOps(parts: [number, OpsLossFn][]): OpsLossFn {
  const live = parts.filter(([l]) => l !== 0);
  return (yTrue, yPred) =>
    live.reduce<tf.Tensor>(
      (acc, [l, f]) => tf.add(acc, tf.mul(f(yTrue, yPred), l)),
      tf.scalar(0),
    ) as tf.Scalar;
}

/** The region term of Dice + CE / focal: Dice (F-β) or, with `jaccard`, Jaccard (which takes no β). */
function regionTerm(fn: string, options: DiceCEOptions | DiceFocalOptions, keys: string[]): OpsLossFn {
  const regionOpts = pick(
    options,
    keys.filter((k) => k !== 'beta' || options.jaccard),
  );
  return options.jaccard ? jaccardOps(regionOpts, fn) : diceOps(regionOpts, fn);
}

/** The focal term, configured as the core configures it. */
function focalTerm(
  fn: string,
  cfg: RegionConfig,
  o: DiceFocalOptions | GeneralizedDiceFocalOptions,
  weights: number | Float64Array,
): OpsLossFn {
  return focalOps(fn, focalPartConfig(fn, cfg, o, weights));
}

/** λ_dice·Dice + λ_ce·CE on the op path. */
export function diceCEOps(options: DiceCEOptions = {}, fn = 'diceCELoss'): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options, DICE_CE_KEYS);
  const ce = crossEntropyOps(fn, {
    layout: cfg.layout,
    weights: options.ceWeights === undefined ? undefined : resolveClassWeights(fn, options.ceWeights),
    labelSmoothing: options.labelSmoothing ?? 0,
    ignoreIndex: cfg.ignoreIndex,
    reduction: cfg.reduction,
  });
  return weightedSumOps([
    [options.lambdaDice ?? 1, regionTerm(fn, options, DICE_CE_KEYS)],
    [options.lambdaCE ?? 1, ce],
  ]);
}

/** λ_dice·Dice + λ_focal·focal on the op path (class weights on both terms). */
export function diceFocalOps(options: DiceFocalOptions = {}, fn = 'diceFocalLoss'): OpsLossFn {
  const cfg = resolveFamilyOptions(fn, options, DICE_FOCAL_KEYS);
  return weightedSumOps([
    [options.lambdaDice ?? 1, regionTerm(fn, options, DICE_FOCAL_KEYS)],
    [options.lambdaFocal ?? 1, focalTerm(fn, cfg, options, cfg.classWeights)],
  ]);
}

/** λ_gdl·generalized Dice + λ_focal·focal on the op path. */
export function generalizedDiceFocalOps(
  options: GeneralizedDiceFocalOptions = {},
  fn = 'generalizedDiceFocalLoss',
): OpsLossFn {
  const cfg = resolveFamilyOptions(
    fn,
    pick(options, ['weightType', 'absentWeight']) as RegionFamilyOptions,
    GDF_KEYS,
  );
  const weights = options.focalWeights === undefined ? 1 : resolveClassWeights(fn, options.focalWeights);
  return weightedSumOps([
    [options.lambdaGdl ?? 1, generalizedDiceOps(pick(options, GDF_KEYS), fn)],
    [options.lambdaFocal ?? 1, focalTerm(fn, cfg, options, weights)],
  ]);
}
