/**
 * Maps reference (MONAI, smp) calls onto segkit options: the executable form of the README's compatibility
 * table. Each adapter returns the segkit loss for a vector case, or a reason string when the case is declined.
 */
import type { NdArray } from '../../src/core/types.js';
import type { Loss } from '../../src/core/loss.js';
import type { VectorCase, VectorTensor } from '../helpers/vectors.js';
import {
  diceCELoss,
  diceFocalLoss,
  diceLoss,
  generalizedDiceFocalLoss,
  generalizedDiceLoss,
  jaccardLoss,
  lovaszLoss,
  maskedDiceLoss,
  mccLoss,
  softBCEWithLogitsLoss,
  softCrossEntropyLoss,
  tverskyLoss,
} from '../../src/core/losses/index.js';
import type { RegionLoss } from '../../src/core/family/regionLoss.js';
import type { RegionFamilyOptions } from '../../src/core/family/options.js';
import type { DiceCEOptions, DiceFocalOptions } from '../../src/core/family/compound.js';
import { focalLoss, type FocalFamilyOptions } from '../../src/core/losses/focalLoss.js';

export type Adapted =
  | {
      loss: Loss &
        Partial<Pick<RegionLoss, 'terms'>> & { elements?: (gt: NdArray, pr: NdArray) => Float64Array };
      gt: NdArray;
      pr: NdArray;
      none?: 'terms' | 'elements';
      /** Compare the gradient only where this is true (elements outside Lovász tie groups). */
      gradWhere?: boolean[];
    }
  | { declined: string }
  | { broadcast: () => number[] };

// The public factories (the family options send diceLoss / jaccardLoss to the general path).
const regionDiceLoss = (o: Parameters<typeof diceLoss>[0]) => diceLoss(o) as RegionLoss;
const regionJaccardLoss = (o: Parameters<typeof jaccardLoss>[0]) => jaccardLoss(o) as RegionLoss;
const regionTverskyLoss = (o: Parameters<typeof tverskyLoss>[0]) => tverskyLoss(o) as RegionLoss;
const regionGeneralizedDiceLoss = (o: Parameters<typeof generalizedDiceLoss>[0]) =>
  generalizedDiceLoss(o) as RegionLoss;

export function tensor(t: VectorTensor): NdArray {
  return { data: t.data, shape: t.shape };
}

/** A nested JSON list (a torch tensor option such as `pos_weight`) as `{ data, shape }`. */
export function nested(x: unknown): NdArray {
  const shape: number[] = [];
  for (let v: unknown = x; Array.isArray(v); v = v[0]) shape.push(v.length);
  const data = (Array.isArray(x) ? (x as unknown[]).flat(Infinity) : [x]) as number[];
  return { data, shape: shape.length > 0 ? shape : [1] };
}

type O = Record<string, unknown>;

/** MONAI's region options (DiceLoss, GeneralizedDiceLoss, TverskyLoss and the Dice part of compounds). */
export function monaiRegionOptions(o: O, C: number): RegionFamilyOptions {
  const out: RegionFamilyOptions = { preset: 'monai', layout: 'channelsFirst' };
  if (o.include_background === false) out.includeBackground = false;
  if (o.sigmoid) {
    out.fromLogits = true;
    out.activation = 'sigmoid';
  } else if (o.softmax && C > 1) {
    out.fromLogits = true;
    out.activation = 'softmax';
  }
  if (o.squared_pred) out.squared = true;
  if (o.soft_label) out.softLabel = true;
  if (o.batch) out.perImage = false;
  if (o.smooth_nr !== undefined) out.smoothNr = o.smooth_nr as number;
  if (o.smooth_dr !== undefined) out.smoothDr = o.smooth_dr as number;
  if (o.reduction === 'sum') out.reduction = 'sum';
  if (o.weight !== undefined && o.weight !== null) out.classWeights = o.weight as number | number[];
  return out;
}

/** MONAI FocalLoss options. */
export function monaiFocalOptions(o: O): FocalFamilyOptions {
  const out: FocalFamilyOptions = { preset: 'monai', layout: 'channelsFirst' };
  if (o.include_background === false) out.includeBackground = false;
  if (o.use_softmax) out.activation = 'softmax';
  if (o.gamma !== undefined) out.gamma = o.gamma as number;
  if (o.alpha !== undefined && o.alpha !== null) out.alpha = o.alpha as number;
  if (o.weight !== undefined && o.weight !== null) out.classWeights = o.weight as number | number[];
  if (o.reduction === 'sum') out.reduction = 'sum';
  return out;
}

function channels(c: VectorCase): number {
  return c.pr.shape[1];
}

export function adaptMonai(name: string, c: VectorCase): Adapted {
  const o = c.options;
  const C = channels(c);
  const none = o.reduction === 'none' ? ('terms' as const) : undefined;
  const gt = tensor(c.gt);
  const pr = tensor(c.pr);
  const ro = monaiRegionOptions(o, C);
  switch (name) {
    case 'DiceLoss':
      return { loss: o.jaccard ? regionJaccardLoss(ro) : regionDiceLoss(ro), gt, pr, none };
    case 'GeneralizedDiceLoss': {
      const { classWeights: _w, ...rest } = ro;
      return {
        loss: regionGeneralizedDiceLoss({ ...rest, weightType: (o.w_type as 'square') ?? 'square' }),
        gt,
        pr,
        none,
      };
    }
    case 'TverskyLoss':
      return {
        loss: regionTverskyLoss({
          ...ro,
          alpha: (o.alpha as number) ?? 0.5,
          beta: (o.beta as number) ?? 0.5,
        }),
        gt,
        pr,
        none,
      };
    case 'DiceCELoss': {
      const w = o.weight as number[] | undefined;
      const { classWeights: _w, ...rest } = ro;
      const opts: DiceCEOptions = { ...rest, jaccard: Boolean(o.jaccard) };
      if (w) {
        opts.ceWeights = w;
        opts.classWeights = o.include_background === false && C > 1 ? w.slice(1) : w;
      }
      if (o.lambda_dice !== undefined) opts.lambdaDice = o.lambda_dice as number;
      if (o.lambda_ce !== undefined) opts.lambdaCE = o.lambda_ce as number;
      if (o.label_smoothing !== undefined) opts.labelSmoothing = o.label_smoothing as number;
      return { loss: diceCELoss(opts), gt, pr };
    }
    case 'DiceFocalLoss': {
      const opts: DiceFocalOptions = { ...ro, jaccard: Boolean(o.jaccard) };
      if (none) {
        // MONAI adds the [N, C, 1, …] Dice terms to the per-element focal terms: rebuilt from segkit's parts.
        const fo = monaiFocalOptions({ ...o, use_softmax: false, reduction: 'mean' });
        const dice = o.jaccard ? regionJaccardLoss(ro) : regionDiceLoss(ro);
        const focal = focalLoss(fo);
        const ld = (o.lambda_dice as number) ?? 1;
        const lf = (o.lambda_focal as number) ?? 1;
        return {
          broadcast: () => {
            const terms = dice.terms(gt, pr);
            const el = focal.elements(gt, pr);
            const N = pr.shape[0];
            const K = terms[0].length;
            const pixels = el.length / (N * K);
            const out: number[] = [];
            for (let n = 0; n < N; n++)
              for (let k = 0; k < K; k++)
                for (let s = 0; s < pixels; s++)
                  out.push(ld * terms[terms.length === 1 ? 0 : n][k] + lf * el[(n * K + k) * pixels + s]);
            return out;
          },
        };
      }
      if (o.lambda_dice !== undefined) opts.lambdaDice = o.lambda_dice as number;
      if (o.lambda_focal !== undefined) opts.lambdaFocal = o.lambda_focal as number;
      if (o.gamma !== undefined) opts.gamma = o.gamma as number;
      if (o.alpha !== undefined) opts.alpha = o.alpha as number;
      return { loss: diceFocalLoss(opts), gt, pr };
    }
    case 'FocalLoss': {
      return { loss: focalLoss(monaiFocalOptions(o)), gt, pr, none: none ? 'elements' : undefined };
    }
    case 'MaskedDiceLoss': {
      const mask = tensor(c.extra_inputs!.mask);
      const masked = maskedDiceLoss({ ...ro, jaccard: Boolean(o.jaccard) });
      const loss = Object.assign(masked.withMask(mask), {
        terms: (g: NdArray, p: NdArray) => masked.terms(g, p, mask),
      });
      return { loss, gt, pr, none };
    }
    case 'GeneralizedDiceFocalLoss': {
      const { classWeights: _w, ...rest } = ro;
      const gdlOpts = { ...rest, weightType: (o.w_type as 'square') ?? 'square' };
      const ld = (o.lambda_gdl as number) ?? 1;
      const lf = (o.lambda_focal as number) ?? 1;
      if (none) {
        // MONAI adds the (B, 1, 1, …) GDL terms to the per-element focal terms: rebuilt from segkit's parts.
        const gdl = regionGeneralizedDiceLoss(gdlOpts);
        const focal = focalLoss(
          monaiFocalOptions({ ...o, use_softmax: false, alpha: undefined, reduction: 'mean' }),
        );
        return {
          broadcast: () => {
            const terms = gdl.terms(gt, pr);
            const el = focal.elements(gt, pr);
            const N = pr.shape[0];
            const per = el.length / N;
            const out: number[] = [];
            for (let n = 0; n < N; n++)
              for (let s = 0; s < per; s++)
                out.push(ld * terms[terms.length === 1 ? 0 : n][0] + lf * el[n * per + s]);
            return out;
          },
        };
      }
      const loss = generalizedDiceFocalLoss({
        ...gdlOpts,
        lambdaGdl: ld,
        lambdaFocal: lf,
        gamma: (o.gamma as number) ?? 2,
        ...(o.weight !== undefined && o.weight !== null
          ? { focalWeights: o.weight as number | number[] }
          : {}),
      });
      return { loss, gt, pr };
    }
  }
  return { declined: `no adapter for monai/${name}` };
}

export function adaptSmp(name: string, c: VectorCase): Adapted {
  const o = c.options;
  const mode = o.mode as string;
  const gt = tensor(c.gt);
  const pr = tensor(c.pr);
  const C = channels(c);
  const ro: RegionFamilyOptions = { preset: 'smp', layout: 'channelsFirst' };
  if (o.from_logits === false) ro.fromLogits = false;
  else ro.activation = mode === 'multiclass' ? 'softmax' : 'sigmoid';
  if (o.ignore_index !== undefined && o.ignore_index !== null) ro.ignoreIndex = o.ignore_index as number;
  if (o.eps !== undefined) ro.eps = o.eps as number;
  if (o.smooth !== undefined) ro.smooth = o.smooth as number;
  if (o.log_loss) ro.logLoss = true;
  const classes = o.classes as number[] | undefined;
  if (classes) ro.classIndexes = classes;
  if (o.class_weights) {
    const w = o.class_weights as number[];
    ro.classWeights = classes ? classes.map((k) => w[k]) : w;
  }
  void C;
  switch (name) {
    case 'DiceLoss':
      return { loss: regionDiceLoss(ro), gt, pr };
    case 'JaccardLoss':
      return { loss: regionJaccardLoss(ro), gt, pr };
    case 'FocalLoss': {
      if (mode === 'multiclass' && o.from_logits === false) {
        return {
          declined:
            'multiclass mode with probabilities: smp feeds log(p) to its sigmoid focal loss (σ(log p) = p/(1 + p)), a bug',
        };
      }
      // smp 0.5: reduction 'none' in multiclass / multilabel mode returns the mean of the per-class means (a scalar);
      // 'batchwise_mean' in binary mode sums the flattened terms. Other combinations give smp-specific shapes.
      const binaryNone = o.reduction === 'none' && mode === 'binary';
      if (binaryNone && o.ignore_index !== undefined) {
        return {
          declined: "reduction 'none' in binary mode with ignore_index (smp drops the ignored entries)",
        };
      }
      if (o.reduction === 'batchwise_mean' && mode !== 'binary') {
        return {
          declined:
            "reduction 'batchwise_mean' outside binary mode (a per-pixel vector, then a mean) is not offered",
        };
      }
      if (o.from_logits === false && c.tags?.includes('pr-hard')) {
        return {
          declined:
            'probabilities of exactly 0 or 1: torch clamps log at −100 where segkit clips p to [1e-7, 1 − 1e-7]',
        };
      }
      const fo: FocalFamilyOptions = {
        preset: 'smp',
        layout: 'channelsFirst',
        activation: 'sigmoid',
        gamma: (o.gamma as number) ?? 2,
        alpha: (o.alpha as number) ?? null,
      };
      if (o.from_logits === false) fo.fromLogits = false;
      if (o.normalized) fo.normalized = true;
      if (o.reduced_threshold !== undefined) fo.reducedThreshold = o.reduced_threshold as number;
      if (o.eps !== undefined) fo.eps = o.eps as number;
      if (ro.ignoreIndex !== undefined) fo.ignoreIndex = ro.ignoreIndex;
      if (o.class_weights) fo.classWeights = o.class_weights as number[];
      if (o.reduction === 'sum' || o.reduction === 'batchwise_mean') fo.reduction = 'sum';
      return { loss: focalLoss(fo), gt, pr, none: binaryNone ? 'elements' : undefined };
    }
    case 'TverskyLoss':
      return {
        loss: regionTverskyLoss({
          ...ro,
          alpha: (o.alpha as number) ?? 0.5,
          beta: (o.beta as number) ?? 0.5,
          gamma: (o.gamma as number) ?? 1,
        }),
        gt,
        pr,
      };
    case 'MCCLoss':
      return { loss: mccLoss(o.eps === undefined ? {} : { eps: o.eps as number }), gt, pr };
    case 'SoftCrossEntropyLoss': {
      if (o.smooth_factor === undefined) {
        return {
          declined: "smp's default smooth_factor=None raises TypeError; segkit's default smoothFactor is 0",
        };
      }
      const red = o.reduction === 'none' ? undefined : ((o.reduction as 'sum') ?? 'mean');
      const loss = softCrossEntropyLoss({
        smoothFactor: o.smooth_factor as number,
        ...(o.ignore_index !== undefined ? { ignoreIndex: o.ignore_index as number | null } : {}),
        ...(o.dim === -1 ? { layout: 'channelsLast' as const } : {}),
        ...(red ? { reduction: red } : {}),
      });
      return { loss, gt, pr, none: red ? undefined : 'elements' };
    }
    case 'SoftBCEWithLogitsLoss': {
      if (c.gt.torch_dtype === 'int64' && o.smooth_factor === undefined) {
        return {
          declined:
            'int64 target without smooth_factor: torch raises a dtype error (Double result into a Long tensor); segkit has no integer dtype rule',
        };
      }
      const red = o.reduction === 'none' ? undefined : ((o.reduction as 'sum') ?? 'mean');
      const loss = softBCEWithLogitsLoss({
        ...(o.smooth_factor !== undefined ? { smoothFactor: o.smooth_factor as number } : {}),
        ...(o.ignore_index !== undefined ? { ignoreIndex: o.ignore_index as number | null } : {}),
        ...(o.pos_weight !== undefined ? { posWeight: nested(o.pos_weight) } : {}),
        ...(red ? { reduction: red } : {}),
      });
      return { loss, gt, pr, none: red ? undefined : 'elements' };
    }
    case 'LovaszLoss':
      return {
        gradWhere:
          mode !== 'multiclass' && c.tags?.includes('lovasz-tied-errors') ? outsideHingeTies(c) : undefined,
        loss: lovaszLoss({
          mode: mode as 'binary',
          perImage: Boolean(o.per_image),
          ...(o.ignore_index !== undefined ? { ignoreIndex: o.ignore_index as number | null } : {}),
        }),
        gt,
        pr,
      };
  }
  return { declined: `no adapter for smp/${name}` };
}

/**
 * Lovász hinge cases with tied errors (binary, multilabel): true for the elements whose gradient does not depend
 * on the order torch.sort gives equal errors, i.e. ignored elements and those whose error e = 1 − x·(2g − 1)
 * > 0 is unique within its sorted list (the image with `per_image`, else the batch; every channel together).
 */
export function outsideHingeTies(c: VectorCase): boolean[] {
  const x = c.pr.data;
  const g = c.gt.data;
  const N = c.pr.shape[0];
  const lists = c.options.per_image ? N : 1;
  const span = x.length / lists;
  const ignore = c.options.ignore_index as number | undefined;
  const out = new Array<boolean>(x.length).fill(true);
  for (let l = 0; l < lists; l++) {
    const count = new Map<number, number>();
    const err = (i: number) => 1 - x[i] * (2 * g[i] - 1);
    for (let i = l * span; i < (l + 1) * span; i++) {
      if (g[i] === ignore) continue;
      count.set(err(i), (count.get(err(i)) ?? 0) + 1);
    }
    for (let i = l * span; i < (l + 1) * span; i++) {
      if (g[i] !== ignore && err(i) > 0 && count.get(err(i))! > 1) out[i] = false;
    }
  }
  return out;
}
