/**
 * Options of the loss family (issue 6) shared by the region losses (Dice, Jaccard, Tversky, generalized Dice)
 * and their presets `'segmentation_models' | 'smp' | 'monai'`, with validation (messages name the option).
 * @module
 */
import type { Layout } from '../types.js';
import {
  type RegionOptions,
  checkOptionKeys,
  resolveClassIndexes,
  resolveClassWeights,
  resolveCheckInputs,
  resolveRegionOptions,
  selectedChannels,
  type InputCheckOption,
} from '../options.js';
import {
  checkBoolean,
  checkFiniteNumber,
  checkLayout,
  formatValue,
  rangeError,
  typeError,
} from '../validate.js';
import { type Activation, checkActivation, checkIgnoreIndex } from './input.js';

/** A reference library whose defaults a preset reproduces. */
export type Preset = 'segmentation_models' | 'smp' | 'monai';

/**
 * What a class absent from gt contributes (in the image, or the batch when not `perImage`):
 * - `'formula'`: the score formula as is, smoothing decides (sm, MONAI: (0 + smoothNr)/(P + smoothDr));
 * - `'zero'`: its loss is 0, but it still counts in the mean (smp);
 * - `'skip'`: it is left out of the mean (and of the weight sum).
 */
export type EmptyClassPolicy = 'formula' | 'zero' | 'skip';

/**
 * How class weights combine the per-class terms ℓ = 1 − s:
 * - `'score'`: 1 − mean(w·s) (sm, exact parity; equals mean(w·ℓ) + 1 − mean(w));
 * - `'loss'`: mean(w·ℓ) (MONAI `weight`, smp `class_weights`);
 * - `'normalized'`: Σ w·ℓ / Σ w, a true weighted mean.
 */
export type ClassWeightMode = 'score' | 'loss' | 'normalized';

/** Options of the general region path (diceLoss, jaccardLoss, tverskyLoss, generalizedDiceLoss, ...). */
export interface RegionFamilyOptions extends InputCheckOption {
  /** Sets every default below to match a reference library's loss. @default 'segmentation_models' */
  preset?: Preset;
  /** Channel axis position. @default 'channelsLast' ('channelsFirst' with the PyTorch presets 'smp' and 'monai') */
  layout?: Layout;
  /** `pr` holds logits: softmax over channels when C > 1, sigmoid when C = 1 (or `activation`). @default false */
  fromLogits?: boolean;
  /** Explicit activation for `fromLogits` (`'sigmoid'` for multi-label). */
  activation?: Activation;
  /** Label value (or dense gt value) whose pixels contribute to no sum and no mean. */
  ignoreIndex?: number;
  /** V-Net form (Milletari 2016): Σp² and Σg² in the denominator. @default false */
  squared?: boolean;
  /** Semimetric form for soft targets (Wang et al. 2023): tp = (Σ|p| + Σ|g| − Σ|p − g|)/2. @default false */
  softLabel?: boolean;
  /** −log(max(s, eps)) instead of 1 − s per class (smp). @default false */
  logLoss?: boolean;
  /** One weight for all, or one per selected class. @default 1 */
  classWeights?: number | readonly number[] | Float64Array | Float32Array;
  /** How weights combine the per-class terms. @default 'score' (sm), 'loss' for the smp and MONAI presets */
  classWeightMode?: ClassWeightMode;
  /** Channel indexes to score (none = all, after `includeBackground`). */
  classIndexes?: number | readonly number[] | null;
  /** Score channel 0 when C > 1? @default true */
  includeBackground?: boolean;
  /** What a class absent from gt contributes. @default 'formula' ('zero' for smp) */
  emptyClass?: EmptyClassPolicy;
  /** Score each image separately, then average (MONAI batch=false). @default false (true for MONAI) */
  perImage?: boolean;
  /** Sets smoothNr and smoothDr. @default 1e-5 (sm), 0 (smp), 1e-5 (MONAI) */
  smooth?: number;
  /** Added to the numerator. */
  smoothNr?: number;
  /** Added to the denominator. */
  smoothDr?: number;
  /** Lower clamp of the denominator (smp `eps`); 0 = none. @default 0 (1e-7 for smp) */
  eps?: number;
  /** Mean or sum over the per-(image,)class terms. @default 'mean' */
  reduction?: 'mean' | 'sum';
}

/** Resolved region options (every default applied, every value validated). */
export interface RegionConfig {
  preset: Preset;
  layout: Layout;
  fromLogits: boolean;
  activation: Activation | undefined;
  ignoreIndex: number | undefined;
  squared: boolean;
  softLabel: boolean;
  logLoss: boolean;
  classWeights: number | Float64Array;
  classWeightMode: ClassWeightMode;
  classIndexes: readonly number[] | undefined;
  includeBackground: boolean;
  emptyClass: EmptyClassPolicy;
  perImage: boolean;
  smoothNr: number;
  smoothDr: number;
  eps: number;
  reduction: 'mean' | 'sum';
  /** MONAI: its L1 norms use |p| (∂|p|/∂p = sign(p), 0 at 0) where smp sums p. */
  absNorms: boolean;
  /** MONAI: weights are ignored when a single class is scored. */
  weightsNeedTwoClasses: boolean;
  /** MONAI: Jaccard is (2·tp + smoothNr)/(2·union + smoothDr). */
  jaccardScale: number;
  /** smp 0.5: Dice is Tversky(½, ½), (tp + smooth)/(tp + (fp + fn)/2 + smooth): the smoothing counts once, not twice. */
  diceAsTversky: boolean;
  /**
   * sm's own option set (no family option given): gt must have pr's shape, rank ≥ 3 (sm's Keras API takes
   * one-hot targets), checked with sm's messages. False for every call that names a family option.
   */
  sameShapeTargets: boolean;
  /** Check the data of each call (`checkInputs`, see {@link InputCheckOption}). */
  checkInputs: boolean;
}

interface PresetDefaults {
  fromLogits: boolean;
  smooth: number;
  eps: number;
  perImage: boolean;
  emptyClass: EmptyClassPolicy;
  classWeightMode: ClassWeightMode;
  softLabel: boolean;
  absNorms: boolean;
  weightsNeedTwoClasses: boolean;
  jaccardScale: number;
  diceAsTversky: boolean;
}

/** The defaults each preset sets (README: compatibility table). */
export const PRESETS: Readonly<Record<Preset, Readonly<PresetDefaults>>> = {
  segmentation_models: {
    fromLogits: false,
    smooth: 1e-5,
    eps: 0,
    perImage: false,
    emptyClass: 'formula',
    classWeightMode: 'score',
    softLabel: false,
    absNorms: false,
    weightsNeedTwoClasses: false,
    jaccardScale: 1,
    diceAsTversky: false,
  },
  smp: {
    fromLogits: true,
    smooth: 0,
    eps: 1e-7,
    perImage: false,
    emptyClass: 'zero',
    classWeightMode: 'normalized',
    // smp 0.5 computes tp from L1 norms (identical values on hard labels; torch's subgradient at |p − g| = 0).
    softLabel: true,
    absNorms: false,
    weightsNeedTwoClasses: false,
    jaccardScale: 1,
    diceAsTversky: true,
  },
  monai: {
    fromLogits: false,
    smooth: 1e-5,
    eps: 0,
    perImage: true,
    emptyClass: 'formula',
    classWeightMode: 'loss',
    softLabel: false,
    absNorms: true,
    weightsNeedTwoClasses: true,
    jaccardScale: 2,
    diceAsTversky: false,
  },
};

/**
 * The layout: explicit, else channels-last for sm (Keras) and channels-first for the PyTorch presets
 * (`'smp'`, `'monai'`), whose tensors are `[N, C, ...spatial]`.
 */
export function presetLayout(fn: string, layout: unknown, preset: Preset): Layout {
  if (layout === undefined) return preset === 'segmentation_models' ? 'channelsLast' : 'channelsFirst';
  return checkLayout(fn, layout);
}

/** Checks the preset name. */
export function checkPreset(fn: string, v: unknown): Preset {
  if (v === undefined) return 'segmentation_models';
  if (v !== 'segmentation_models' && v !== 'smp' && v !== 'monai') {
    throw typeError(fn, `preset must be 'segmentation_models', 'smp' or 'monai'; got ${formatValue(v)}.`);
  }
  return v;
}

/** Checks a string option against its allowed values. */
export function checkEnum<T extends string>(
  fn: string,
  arg: string,
  v: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) {
    throw typeError(fn, `${arg} must be ${allowed.map((a) => `'${a}'`).join(', ')}; got ${formatValue(v)}.`);
  }
  return v as T;
}

/** Every option key of the region family (each loss adds its own `extraKeys`). */
export const REGION_FAMILY_KEYS = [
  'preset',
  'layout',
  'fromLogits',
  'activation',
  'ignoreIndex',
  'squared',
  'softLabel',
  'logLoss',
  'classWeights',
  'classWeightMode',
  'classIndexes',
  'includeBackground',
  'emptyClass',
  'perImage',
  'smooth',
  'smoothNr',
  'smoothDr',
  'eps',
  'reduction',
] as const;

/** The options only the general path knows: their presence sends sm's factories (diceLoss, ...) to it. */
export const FAMILY_ONLY_KEYS: readonly string[] = REGION_FAMILY_KEYS.filter(
  (k) => !['layout', 'classWeights', 'classIndexes', 'perImage', 'smooth'].includes(k),
);

/** True when `options` sets an option only the general path knows (then sm's factories dispatch to it). */
export function usesFamilyOptions(options: unknown): boolean {
  if (options === null || typeof options !== 'object') return false;
  const o = options as Record<string, unknown>;
  return FAMILY_ONLY_KEYS.some((k) => o[k] !== undefined);
}

/**
 * Resolves the loss-family region options of `fn` (validation included); `extraKeys` are the loss's own
 * options. (The sm path has its own `resolveRegionOptions` in core/options.ts.)
 */
export function resolveFamilyOptions(
  fn: string,
  options: RegionFamilyOptions = {},
  extraKeys: readonly string[] = [],
): RegionConfig {
  const o = checkOptionKeys(fn, options, [...REGION_FAMILY_KEYS, ...extraKeys]) as RegionFamilyOptions;
  const preset = checkPreset(fn, o.preset);
  const d = PRESETS[preset];
  const smooth = o.smooth === undefined ? d.smooth : checkFiniteNumber(fn, 'smooth', o.smooth, 0);
  return {
    preset,
    layout: presetLayout(fn, o.layout, preset),
    fromLogits: checkBoolean(fn, 'fromLogits', o.fromLogits, d.fromLogits),
    activation: checkActivation(fn, o.activation),
    ignoreIndex: checkIgnoreIndex(fn, o.ignoreIndex),
    squared: checkBoolean(fn, 'squared', o.squared, false),
    softLabel: checkBoolean(fn, 'softLabel', o.softLabel, d.softLabel),
    logLoss: checkBoolean(fn, 'logLoss', o.logLoss, false),
    classWeights: resolveClassWeights(fn, o.classWeights),
    classWeightMode: checkEnum(
      fn,
      'classWeightMode',
      o.classWeightMode,
      ['score', 'loss', 'normalized'],
      d.classWeightMode,
    ),
    classIndexes: resolveClassIndexes(fn, o.classIndexes) ?? undefined,
    includeBackground: checkBoolean(fn, 'includeBackground', o.includeBackground, true),
    emptyClass: checkEnum(fn, 'emptyClass', o.emptyClass, ['formula', 'zero', 'skip'], d.emptyClass),
    perImage: checkBoolean(fn, 'perImage', o.perImage, d.perImage),
    smoothNr: o.smoothNr === undefined ? smooth : checkFiniteNumber(fn, 'smoothNr', o.smoothNr, 0),
    smoothDr: o.smoothDr === undefined ? smooth : checkFiniteNumber(fn, 'smoothDr', o.smoothDr, 0),
    eps: o.eps === undefined ? d.eps : checkFiniteNumber(fn, 'eps', o.eps, 0),
    reduction: checkEnum(fn, 'reduction', o.reduction, ['mean', 'sum'], 'mean'),
    absNorms: d.absNorms,
    weightsNeedTwoClasses: d.weightsNeedTwoClasses,
    jaccardScale: d.jaccardScale,
    diceAsTversky: d.diceAsTversky,
    sameShapeTargets: false,
    checkInputs: resolveCheckInputs(fn, o),
  };
}

/**
 * The one option resolver of the region pipeline's public factories: a call that names a family option
 * (`preset`, `fromLogits`, `ignoreIndex`, …) is resolved by {@link resolveFamilyOptions}; sm's own option set
 * (`beta`, `classWeights`, `classIndexes`, `smooth`, `perImage`, `threshold`, `layout`) is validated with sm's
 * messages and becomes the `'segmentation_models'` preset's config (the same data, {@link PRESETS}), with sm's
 * input checks (`sameShapeTargets`).
 * @param sm - which of sm's keys this factory takes (`threshold`: metrics; `beta`: F-score and Dice).
 */
export function resolveRegionConfig(
  fn: string,
  options: (RegionFamilyOptions & RegionOptions) | undefined,
  sm: { threshold: boolean; beta: boolean },
  extraKeys: readonly string[] = [],
): RegionConfig {
  if (usesFamilyOptions(options)) return resolveFamilyOptions(fn, options, extraKeys);
  const o = resolveRegionOptions(fn, options, sm.threshold, sm.beta, FAMILY_ONLY_KEYS);
  const cfg = resolveFamilyOptions(fn, {
    preset: 'segmentation_models',
    layout: o.layout,
    classWeights: o.classWeights,
    classIndexes: o.classIndexes,
    smooth: o.smooth,
    perImage: o.perImage,
    checkInputs: o.checkInputs,
  });
  return { ...cfg, sameShapeTargets: true };
}

/**
 * The channels scored: `classIndexes` if given, else all channels, minus channel 0 when `includeBackground` is
 * false and C > 1 (with one channel, that channel is the foreground).
 */
export function selectChannels(
  fn: string,
  cfg: RegionConfig | { classIndexes: readonly number[] | undefined; includeBackground: boolean },
  C: number,
): number[] {
  if (cfg.classIndexes) {
    const ks = selectedChannels(fn, [...cfg.classIndexes], C);
    return cfg.includeBackground || C === 1 ? ks : ks.filter((k) => k !== 0);
  }
  const all = Array.from({ length: C }, (_, k) => k);
  return cfg.includeBackground || C === 1 ? all : all.slice(1);
}

/** One weight per selected class, validated against the number of selected classes. */
export function expandWeights(fn: string, w: number | ArrayLike<number>, K: number): Float64Array {
  if (typeof w === 'number') return new Float64Array(K).fill(w);
  if (w.length !== K) {
    throw rangeError(fn, `classWeights must have ${K} entries, one per selected class; got ${w.length}.`);
  }
  return Float64Array.from(w as ArrayLike<number>);
}
