/**
 * The region scores (F-score / Dice, IoU) on the general path: every option of the loss family (logits,
 * label maps, `ignoreIndex`, squared / soft-label forms, empty-class policy, weight modes, presets) plus
 * `threshold`, which binarises the probabilities (after the activation) with a strict `>`.
 * @module
 */
import type { Metric } from '../loss.js';
import type { NdArray } from '../types.js';
import { checkFiniteNumber } from '../validate.js';
import { type RegionConfig, type RegionFamilyOptions, resolveRegionConfig } from './options.js';
import { type RegionCounts, regionClassWeights, regionCounts } from './region.js';
import { type ScoreShape, ratioScore } from '../scores.js';

/** Options of the general-path metrics. */
export interface RegionMetricOptions extends RegionFamilyOptions {
  /** F-β (fScore only). @default 1 */
  beta?: number;
  /** Binarise the probabilities as `p > threshold` before scoring. @default none (soft scores) */
  threshold?: number | null;
}

/**
 * Per (r, k): the score s = (a·tp + snr)/max(a·tp + wfp·fp + wfn·fn + sdr, eps), with an absent class scoring 1
 * under `emptyClass: 'zero'` (its loss is 0) and left out under `'skip'` (NaN in the returned array).
 */
export function regionScores(counts: RegionCounts, cfg: RegionConfig, shape: ScoreShape): Float64Array {
  const { tp, fp, fn, G } = counts;
  const s = new Float64Array(tp.length);
  for (let q = 0; q < tp.length; q++) {
    if (G[q] === 0 && cfg.emptyClass !== 'formula') {
      s[q] = cfg.emptyClass === 'zero' ? 1 : NaN;
      continue;
    }
    s[q] = ratioScore(shape, tp[q], fp[q], fn[q], cfg.smoothNr, cfg.smoothDr, cfg.eps);
  }
  return s;
}

/**
 * A region metric of the pipeline: `shapeOf` picks the score shape (src/core/scores.ts), `name` the
 * Keras-style name. sm's own option set resolves to the `'segmentation_models'` preset
 * ({@link resolveRegionConfig}); `takesBeta` says whether sm's set includes `beta` (F-score only).
 */
export function regionFamilyMetric(
  fn: string,
  name: string,
  options: RegionMetricOptions | undefined,
  shapeOf: (cfg: RegionConfig, beta: number) => ScoreShape,
  takesBeta = false,
): Metric {
  const o = options ?? {};
  const cfg = resolveRegionConfig(fn, o, { threshold: true, beta: takesBeta }, ['beta', 'threshold']);
  const beta = o.beta === undefined ? 1 : checkFiniteNumber(fn, 'beta', o.beta, 0);
  const threshold =
    o.threshold === undefined || o.threshold === null
      ? undefined
      : checkFiniteNumber(fn, 'threshold', o.threshold);
  const shape = shapeOf(cfg, beta);
  const scores = (gt: NdArray, pr: NdArray) => {
    const { counts } = regionCounts(fn, gt, pr, cfg, cfg, { threshold });
    return { counts, s: regionScores(counts, cfg, shape) };
  };
  return {
    name,
    value(gt, pr) {
      const { counts, s } = scores(gt, pr);
      const K = counts.channels.length;
      const w = regionClassWeights(fn, cfg, K);
      let num = 0;
      let den = 0;
      for (let q = 0; q < s.length; q++) {
        if (Number.isNaN(s[q]) && G0(counts, q) && cfg.emptyClass === 'skip') continue;
        num += w[q % K] * s[q];
        den += cfg.classWeightMode === 'normalized' ? w[q % K] : 1;
      }
      return cfg.reduction === 'sum' ? num : den > 0 ? num / den : NaN;
    },
    perClass(gt, pr) {
      const { counts, s } = scores(gt, pr);
      const K = counts.channels.length;
      const out: number[] = [];
      for (let k = 0; k < K; k++) {
        let sum = 0;
        let n = 0;
        for (let r = 0; r < counts.R; r++) {
          const v = s[r * K + k];
          if (Number.isNaN(v) && G0(counts, r * K + k) && cfg.emptyClass === 'skip') continue;
          sum += v;
          n++;
        }
        out.push(n > 0 ? sum / n : NaN);
      }
      return out;
    },
  };
}

function G0(counts: RegionCounts, q: number): boolean {
  return counts.G[q] === 0;
}
