/**
 * Compound losses, MONAI-style: λ₁·(Dice or generalized Dice) + λ₂·(cross-entropy or focal). The second term
 * always reads `pr` as logits (as MONAI and PyTorch's CrossEntropyLoss do); the region term follows
 * `fromLogits` / `activation`.
 * @module
 */
import { type Loss, weightedSum } from '../loss.js';
import { resolveClassWeights } from '../options.js';
import { checkFiniteNumber, checkNumberInRange } from '../validate.js';
import type { Activation } from './input.js';
import { checkActivation } from './input.js';
import { crossEntropyAccumulate, crossEntropyTerms } from './crossEntropy.js';
import { lossFromTerms } from './termsLoss.js';
import { type FocalConfig, focalTerms } from './focal.js';
import { type RegionFamilyOptions, resolveFamilyOptions } from './options.js';
import {
  type GeneralizedDiceOptions,
  regionDiceLoss,
  regionGeneralizedDiceLoss,
  regionJaccardLoss,
} from './regionFamily.js';

/** Options shared by the compounds. */
interface CompoundCommon {
  /** Weight of the region term. @default 1 */
  lambdaDice?: number;
  /** Use the Jaccard loss as region term (Dice + CE / focal only). @default false */
  jaccard?: boolean;
}

/** Options of `diceCELoss`. */
export interface DiceCEOptions extends RegionFamilyOptions, CompoundCommon {
  /** F-β of the Dice term. @default 1 */
  beta?: number;
  /** Weight of the cross-entropy term. @default 1 */
  lambdaCE?: number;
  /** CE class weights, one per channel (all C, background included), or the positive weight for one channel. @default 1 */
  ceWeights?: number | readonly number[];
  /** CE label smoothing ε ∈ [0, 1]. @default 0 */
  labelSmoothing?: number;
}

/** Options of `diceFocalLoss`. */
export interface DiceFocalOptions extends RegionFamilyOptions, CompoundCommon {
  /** F-β of the Dice term. @default 1 */
  beta?: number;
  /** Weight of the focal term. @default 1 */
  lambdaFocal?: number;
  /** Focal γ. @default 2 */
  gamma?: number;
  /** Focal α (number, one per channel, or null). @default null */
  alpha?: number | readonly number[] | null;
  /** Form of the focal term. @default 'sigmoid' (MONAI), or `activation` when that is 'softmax' */
  focalActivation?: Activation;
}

/** Options of `generalizedDiceFocalLoss`. */
export interface GeneralizedDiceFocalOptions extends GeneralizedDiceOptions {
  lambdaGdl?: number;
  lambdaFocal?: number;
  gamma?: number;
  alpha?: number | readonly number[] | null;
  focalActivation?: Activation;
  /** Focal class weights per selected class. @default 1 */
  focalWeights?: number | readonly number[];
}

/** `o` without the keys `drop`. */
export function pick<T extends object>(o: T, drop: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!drop.includes(k)) out[k] = v;
  return out as T;
}

function lambda(fn: string, arg: string, v: unknown): number {
  return v === undefined ? 1 : checkFiniteNumber(fn, arg, v, 0);
}

/** Option keys of `diceCELoss` beyond the region family's. */
export const DICE_CE_KEYS = ['lambdaDice', 'lambdaCE', 'ceWeights', 'labelSmoothing', 'jaccard', 'beta'];
/** Option keys of `diceFocalLoss` beyond the region family's. */
export const DICE_FOCAL_KEYS = [
  'lambdaDice',
  'lambdaFocal',
  'gamma',
  'alpha',
  'focalActivation',
  'jaccard',
  'beta',
];

/** λ_dice·Dice + λ_ce·CE (MONAI `DiceCELoss`). */
export function createDiceCELoss(options: DiceCEOptions = {}, fn = 'diceCELoss'): Loss {
  const cfg = resolveFamilyOptions(fn, options, DICE_CE_KEYS);
  const lambdaDice = lambda(fn, 'lambdaDice', options.lambdaDice);
  const lambdaCE = lambda(fn, 'lambdaCE', options.lambdaCE);
  const eps =
    options.labelSmoothing === undefined
      ? 0
      : checkNumberInRange(fn, 'labelSmoothing', options.labelSmoothing, 0, 1);
  const ceWeights = options.ceWeights === undefined ? undefined : resolveClassWeights(fn, options.ceWeights);
  const regionOpts = pick(
    options,
    DICE_CE_KEYS.filter((k) => k !== 'beta' || options.jaccard),
  );
  const region = options.jaccard ? regionJaccardLoss(regionOpts, fn) : regionDiceLoss(regionOpts, fn);
  const ceCfg = {
    layout: cfg.layout,
    weights: ceWeights,
    labelSmoothing: eps,
    ignoreIndex: cfg.ignoreIndex,
    reduction: cfg.reduction,
    checkInputs: cfg.checkInputs,
  };
  const ce = lossFromTerms(
    'cross_entropy',
    (gt, pr, withGrad, out) => crossEntropyTerms(fn, gt, pr, ceCfg, withGrad, undefined, out),
    (gt, pr, out, l) => crossEntropyAccumulate(fn, gt, pr, ceCfg, out, l),
  );
  return weightedSum(`${region.name}_plus_ce_loss`, [
    [lambdaDice, region],
    [lambdaCE, ce],
  ]);
}

/** The focal term's configuration in a compound: logits, the region options' channels, MONAI's sigmoid default. */
export function focalPartConfig(
  fn: string,
  cfg: ReturnType<typeof resolveFamilyOptions>,
  o: { gamma?: number; alpha?: number | readonly number[] | null; focalActivation?: Activation },
  weights: number | Float64Array,
): FocalConfig {
  const activation =
    checkActivation(fn, o.focalActivation) ?? (cfg.preset === 'monai' ? 'sigmoid' : cfg.activation);
  let alpha: number | Float64Array | null = null;
  if (o.alpha !== undefined && o.alpha !== null) {
    alpha =
      typeof o.alpha === 'number'
        ? checkNumberInRange(fn, 'alpha', o.alpha, 0, 1)
        : Float64Array.from(o.alpha);
  }
  return {
    preset: cfg.preset,
    layout: cfg.layout,
    fromLogits: true,
    activation,
    gamma: o.gamma === undefined ? 2 : checkFiniteNumber(fn, 'gamma', o.gamma, 0),
    alpha,
    classWeights: weights,
    classIndexes: cfg.classIndexes,
    includeBackground: cfg.includeBackground,
    ignoreIndex: cfg.ignoreIndex,
    reduction: cfg.reduction,
    normalized: false,
    reducedThreshold: undefined,
    eps: 1e-6,
    checkInputs: cfg.checkInputs,
  };
}

function focalPart(
  fn: string,
  cfg: ReturnType<typeof resolveFamilyOptions>,
  o: { gamma?: number; alpha?: number | readonly number[] | null; focalActivation?: Activation },
  weights: number | Float64Array,
): Loss {
  const fc = focalPartConfig(fn, cfg, o, weights);
  return lossFromTerms('focal_loss', (gt, pr, withGrad, out) =>
    focalTerms(fn, gt, pr, fc, withGrad, false, out),
  );
}

/** λ_dice·Dice + λ_focal·focal (MONAI `DiceFocalLoss`); class weights apply to both terms. */
export function createDiceFocalLoss(options: DiceFocalOptions = {}, fn = 'diceFocalLoss'): Loss {
  const cfg = resolveFamilyOptions(fn, options, DICE_FOCAL_KEYS);
  const lambdaDice = lambda(fn, 'lambdaDice', options.lambdaDice);
  const lambdaFocal = lambda(fn, 'lambdaFocal', options.lambdaFocal);
  const regionOpts = pick(
    options,
    DICE_FOCAL_KEYS.filter((k) => k !== 'beta' || options.jaccard),
  );
  const region = options.jaccard ? regionJaccardLoss(regionOpts, fn) : regionDiceLoss(regionOpts, fn);
  return weightedSum(`${region.name}_plus_focal_loss`, [
    [lambdaDice, region],
    [lambdaFocal, focalPart(fn, cfg, options, cfg.classWeights)],
  ]);
}

/** Option keys of `generalizedDiceFocalLoss` beyond the generalized Dice's. */
export const GDF_KEYS = ['lambdaGdl', 'lambdaFocal', 'gamma', 'alpha', 'focalActivation', 'focalWeights'];

/** λ_gdl·generalized Dice + λ_focal·focal (MONAI `GeneralizedDiceFocalLoss`). */
export function createGeneralizedDiceFocalLoss(
  options: GeneralizedDiceFocalOptions = {},
  fn = 'generalizedDiceFocalLoss',
): Loss {
  const cfg = resolveFamilyOptions(
    fn,
    pick(options, ['weightType', 'absentWeight']) as RegionFamilyOptions,
    GDF_KEYS,
  );
  const region = regionGeneralizedDiceLoss(pick(options, GDF_KEYS), fn);
  const weights = options.focalWeights === undefined ? 1 : resolveClassWeights(fn, options.focalWeights);
  return weightedSum('generalized_dice_focal_loss', [
    [lambda(fn, 'lambdaGdl', options.lambdaGdl), region],
    [lambda(fn, 'lambdaFocal', options.lambdaFocal), focalPart(fn, cfg, options, weights)],
  ]);
}
