/**
 * The optional sections of a result, from a complete state: regions (`--regions`), lesion-wise metrics
 * (`--lesions`) and panoptic quality (`--panoptic`). Sums run over the images in the state's order (sorted by
 * id), so a merged sharded run gives the single run's numbers bit for bit.
 * @module
 */
import { addLesionCounts, lesionMetrics } from '../../core/evaluation/components.js';
import type { LesionCounts } from '../../core/evaluation/components.js';
import type { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import { addPanopticCounts, panopticQuality } from '../../core/evaluation/panoptic.js';
import type { PanopticCounts } from '../../core/evaluation/panoptic.js';
import { nanMean } from '../../core/evaluation/reduce.js';
import type { ComputeOptions } from '../../core/evaluation/types.js';
import { lesionSets } from './instances.js';
import type { ImageExtras } from './instances.js';
import { COUNT_METRICS } from './options.js';
import type { CountMetricName, MetricName } from './options.js';
import { fromJsonNumber, jsonNumber } from './schema.js';
import type { LesionsSection, PanopticSection, RegionResult, RegionsSection } from './schema.js';
import type { EvalState } from './state.js';
import { meanStd } from './summarize.js';

/** What the sections read of a state: its settings and, per image, the section values. */
export type SectionImages = Pick<EvalState, 'settings'> & { images: readonly ImageExtras[] };

const isCount = (m: MetricName): m is CountMetricName => (COUNT_METRICS as readonly string[]).includes(m);

/**
 * The regions section: per region and metric the mean ± std over images (count metrics from the per-image
 * region counts, surface metrics from the per-image region values), the pooled count metrics, and per metric
 * the summary over regions (count metrics reduced by `settings.reduction` over the regions, surface metrics the
 * mean of the per-region means).
 */
export function regionsSection(
  state: SectionImages,
  cm: ConfusionMatrix,
  base: ComputeOptions,
): RegionsSection | null {
  const { settings } = state;
  const regions = settings.regions;
  if (!regions) return null;
  const R = regions.length;
  const values: Partial<Record<MetricName, number[][]>> = {};
  const pooled: Partial<Record<MetricName, number[]>> = {};
  const summary: RegionsSection['summary'] = {};
  for (const m of settings.metrics) {
    if (isCount(m)) {
      values[m] = cm.computeRegions(m, { ...base, reduction: 'none' }).value as number[][];
      pooled[m] = cm.computeRegions(m, { ...base, reduction: 'macro' }).perClass;
      const red = cm.computeRegions(m, { ...base, reduction: settings.reduction });
      summary[m] = {
        value: jsonNumber(red.value as number),
        reduction: settings.reduction,
        skipped: red.skipped,
      };
    } else {
      values[m] = state.images.map((img) =>
        Array.from({ length: R }, (_, k) => fromJsonNumber(img.regionSurface?.[m]?.[k] ?? 'NaN')),
      );
    }
  }
  const totals = cm.regionStats();
  const results: RegionResult[] = regions.map((r, k) => {
    const metrics: RegionResult['metrics'] = {};
    const pooledOut: RegionResult['pooled'] = {};
    for (const m of settings.metrics) {
      metrics[m] = meanStd(values[m]!.map((row) => row[k]));
      if (pooled[m]) pooledOut[m] = jsonNumber(pooled[m]![k]);
    }
    return {
      name: r.name,
      labels: [...r.labels],
      support: totals.tp[k] + totals.fn[k],
      predicted: totals.tp[k] + totals.fp[k],
      metrics,
      pooled: pooledOut,
    };
  });
  for (const m of settings.metrics) {
    if (isCount(m)) continue;
    const all = nanMean(results.map((r) => fromJsonNumber(r.metrics[m]!.mean)));
    summary[m] = { value: jsonNumber(all.value), reduction: 'macro-imagewise', skipped: all.skipped };
  }
  const images = state.images.map((_, i) => {
    const row: Partial<Record<MetricName, ReturnType<typeof jsonNumber>[]>> = {};
    for (const m of settings.metrics) row[m] = values[m]![i].map(jsonNumber);
    return row;
  });
  return { summary, regions: results, images };
}

const ZERO: LesionCounts = { gtLesions: 0, predLesions: 0, tp: 0, fn: 0, fp: 0, tpPred: 0, lesionDiceSum: 0 };

/**
 * The lesions section: per reported class, then per region, the lesion counts summed over images, the
 * metrics of the sums ({@link lesionMetrics}), and the mean ± std over images of the per-image lesion-wise
 * Dice (BraTS 2023 ranks by the per-case value).
 */
export function lesionsSection(state: SectionImages): LesionsSection | null {
  if (!state.settings.lesions) return null;
  const results = lesionSets(state.settings).map(({ name, index }, k) => {
    let sum = ZERO;
    for (const img of state.images) sum = addLesionCounts(sum, img.lesions![k]);
    const m = lesionMetrics(sum);
    const { lesionDiceSum: _, ...counts } = sum;
    return {
      index,
      name,
      ...counts,
      sensitivity: jsonNumber(m.sensitivity),
      precision: jsonNumber(m.precision),
      f1: jsonNumber(m.f1),
      lesionDice: jsonNumber(m.lesionDice),
      lesionDiceMean: meanStd(lesionDiceColumn(state, k)),
    };
  });
  return { results };
}

/** Per image, the lesion-wise Dice of lesion row k (a reported class, then a region) of `--lesions`. */
export const lesionDiceColumn = (state: SectionImages, k: number): number[] =>
  state.images.map((img) => lesionMetrics(img.lesions![k]).lesionDice);

/**
 * The panoptic section: the panoptic counts summed over images, PQ, SQ, RQ per class (classes with
 * TP + FP + FN > 0) and their means over those classes (Kirillov et al. 2019; COCO's average).
 */
export function panopticSection(state: SectionImages): PanopticSection | null {
  if (!state.settings.panoptic) return null;
  let sum: PanopticCounts = {};
  for (const img of state.images) sum = addPanopticCounts(sum, img.panoptic!);
  const q = panopticQuality(sum);
  return {
    pq: jsonNumber(q.pq),
    sq: jsonNumber(q.sq),
    rq: jsonNumber(q.rq),
    classes: q.classes.map((c) => {
      const e = q.perClass[c];
      return {
        index: c,
        name: state.settings.labels[c],
        pq: jsonNumber(e.pq),
        sq: jsonNumber(e.sq),
        rq: jsonNumber(e.rq),
        tp: e.tp,
        fp: e.fp,
        fn: e.fn,
      };
    }),
  };
}
