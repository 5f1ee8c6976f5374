/**
 * From a complete state to the result: per-class statistics over images, pooled values, the summary, the
 * foreground mean and the per-image table.
 * @module
 */
import type { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import { nanMean, selectedClasses } from '../../core/evaluation/reduce.js';
import type { ComputeOptions, CountMetric } from '../../core/evaluation/types.js';
import { VERSION } from '../version.js';
import { COUNT_METRICS } from './options.js';
import type { MetricName } from './options.js';
import type { SparseImageCounts } from '../../core/evaluation/types.js';
import { EvalAccumulator } from './accumulate.js';
import type { ClassResult, ClassStat, EvalResult, ImageResult } from './schema.js';
import { DENSE_CONFUSION_MAX_CLASSES, EVAL_SCHEMA_VERSION, fromJsonNumber, jsonNumber } from './schema.js';
import { lesionDiceColumn, lesionsSection, panopticSection, regionsSection } from './sections.js';
import type { SectionImages } from './sections.js';
import type { EvalState, ImageRecord } from './state.js';
import { computeIntervals, sectionIntervals } from './intervals.js';
import type { CiOptions } from './intervals.js';

const isCount = (m: MetricName): m is CountMetric & MetricName =>
  (COUNT_METRICS as readonly string[]).includes(m);

/** Mean and population standard deviation of the non-NaN values. */
export function meanStd(values: readonly number[]): ClassStat {
  const m = nanMean(values);
  let std = NaN;
  if (m.counted > 0 && Number.isFinite(m.value)) {
    std = Math.sqrt(nanMean(values.map((v) => (v - m.value) ** 2)).value);
  }
  return { mean: jsonNumber(m.value), std: jsonNumber(std), n: m.counted, skipped: m.skipped };
}

/** A result without its per-image entries, and what is needed to write them one at a time. */
export interface Summary {
  /** The result, with `images` empty (the per-image entries are made by {@link imageResult}). */
  result: EvalResult;
  /** `values[m][k][i]`: metric m, reported class k, image i (state order). */
  values: Partial<Record<MetricName, Float64Array[]>>;
  /** The indices k of the foreground classes among the reported ones. */
  foreground: number[];
}

/** The dataset part of a state that a result shows. */
export type SummaryHead = Pick<EvalState, 'settings' | 'dataset' | 'content'>;

/**
 * Computes the result of an accumulated evaluation, without the per-image entries. Deterministic: equal
 * accumulations give equal results (the core's means sum in sorted order), so a merged sharded run matches the
 * single run byte for byte.
 */
export function summarizeAccumulated(
  head: SummaryHead,
  acc: EvalAccumulator,
  ci: CiOptions | null = null,
): Summary {
  const { settings } = head;
  const C = settings.numClasses;
  const cm = acc.cm;
  const classes = selectedClasses(C, settings.includeBackground);
  const base: ComputeOptions = {
    includeBackground: settings.includeBackground,
    emptyReference: { bothEmpty: fromJsonNumber(settings.bothEmpty), predNonEmpty: 0 },
    beta: settings.beta,
  };
  const values: Summary['values'] = {};
  const summary: EvalResult['summary'] = {};
  const pooled: Partial<Record<MetricName, number[]>> = {};
  for (const m of settings.metrics) {
    if (isCount(m)) {
      values[m] = cm.imageScores(m, base);
      const red = cm.compute(m, { ...base, reduction: settings.reduction });
      summary[m] = {
        value: jsonNumber(red.value as number),
        reduction: settings.reduction,
        skipped: red.skipped,
      };
      pooled[m] = cm.compute(m, { ...base, reduction: 'macro' }).perClass;
    } else {
      values[m] = acc.surface[m].map((col) => col.values());
    }
  }
  const totals = cm.stats();
  const classResults: ClassResult[] = classes.map((c, k) => {
    const metrics: ClassResult['metrics'] = {};
    const pooledOut: ClassResult['pooled'] = {};
    for (const m of settings.metrics) {
      metrics[m] = meanStd(Array.from(values[m]![k]));
      if (pooled[m]) pooledOut[m] = jsonNumber(pooled[m]![k]);
    }
    return {
      index: c,
      name: settings.labels[c],
      support: totals.tp[c] + totals.fn[c],
      predicted: totals.tp[c] + totals.fp[c],
      metrics,
      pooled: pooledOut,
    };
  });
  const foreground = classes.flatMap((c, k) => (c > 0 || C === 1 ? [k] : []));
  const foregroundMean: EvalResult['foregroundMean'] = {};
  for (const m of settings.metrics) {
    const means = foreground.map((k) => fromJsonNumber(classResults[k].metrics[m]!.mean));
    foregroundMean[m] = jsonNumber(nanMean(means).value);
    if (!isCount(m)) {
      const all = nanMean(classResults.map((r) => fromJsonNumber(r.metrics[m]!.mean)));
      summary[m] = { value: jsonNumber(all.value), reduction: 'macro-imagewise', skipped: all.skipped };
    }
  }
  const counted = cm.totalsJSON();
  const sections = { settings, images: acc.extras };
  const result: EvalResult = {
    schema: 'segkit.eval',
    version: EVAL_SCHEMA_VERSION,
    segkit: VERSION,
    settings,
    ...(ci ? { ci: { ...ci, unit: 'image' as const } } : {}),
    dataset: {
      gt: head.dataset.gt,
      pred: head.dataset.pred,
      images: acc.images,
      missing: head.dataset.missing,
      extra: head.dataset.extra,
      pixels: counted.pixels,
      ignored: counted.ignored,
      content: head.content,
    },
    summary,
    foregroundMean,
    classes: classResults,
    confusion: C <= DENSE_CONFUSION_MAX_CLASSES ? cm.matrix() : null,
    ...(C <= DENSE_CONFUSION_MAX_CLASSES ? {} : { confusionCells: cm.cells() }),
    images: [],
    regions: regionsSection(sections, cm, base),
    lesions: lesionsSection(sections),
    panoptic: panopticSection(sections),
  };
  return {
    result: ci ? withIntervals(result, values, cm, base, ci, sections) : result,
    values,
    foreground,
  };
}

/**
 * The per-image entry of image i of a summary: its record's names, shape and spacing, its metric values and
 * its score (the mean of the first metric over the foreground classes, NaN skipped).
 */
export function imageResult(s: Summary, img: ImageRecord, i: number): ImageResult {
  const { metrics } = s.result.settings;
  const out: ImageResult['metrics'] = {};
  for (const m of metrics) out[m] = s.values[m]!.map((col) => jsonNumber(col[i]));
  const first = s.values[metrics[0]]!;
  return {
    id: img.id,
    gt: img.gt,
    pred: img.pred,
    shape: img.shape,
    spacing: img.spacing,
    metrics: out,
    score: jsonNumber(nanMean(s.foreground.map((k) => first[k][i])).value),
  };
}

/** An accumulator holding a whole state (its counts merged at once, its images added in order). */
export function accumulateState(state: EvalState): EvalAccumulator {
  const acc = new EvalAccumulator(state.settings);
  acc.cm.merge(state.confusion);
  const { rows, regionRows } = state.confusion;
  state.images.forEach((img, i) =>
    acc.add(img, {
      row: rows[i] as SparseImageCounts,
      regionRow: regionRows?.[i],
      merged: true,
    }),
  );
  return acc;
}

/**
 * Computes the result of a complete evaluation state held in memory (per-image entries included).
 * Deterministic: equal states give equal results, so a merged sharded run matches the single run byte for byte.
 */
export function summarize(state: EvalState, ci: CiOptions | null = null): EvalResult {
  const s = summarizeAccumulated(state, accumulateState(state), ci);
  s.result.images = state.images.map((img, i) => imageResult(s, img, i));
  return s.result;
}

/** The result with the `ci` fields of `--ci` (see intervals.ts), in the JSON's key order. */
function withIntervals(
  result: EvalResult,
  values: Summary['values'],
  cm: ConfusionMatrix,
  base: ComputeOptions,
  ci: CiOptions,
  sections: SectionImages,
): EvalResult {
  const iv = computeIntervals(result, values, cm, base, ci);
  const lesionDice = result.lesions
    ? result.lesions.results.map((_, k) => lesionDiceColumn(sections, k))
    : null;
  sectionIntervals(result, lesionDice, ci);
  for (const m of result.settings.metrics) {
    result.classes.forEach((c, k) => (c.metrics[m]!.ci = iv.classes[k][m]));
    if (iv.summary[m]) result.summary[m]!.ci = iv.summary[m];
  }
  // foregroundMeanCi right after foregroundMean; every other key keeps its place.
  const entries = Object.entries(result).flatMap(([k, v]) =>
    k === 'foregroundMean'
      ? [[k, v] as const, ['foregroundMeanCi', iv.foreground] as const]
      : [[k, v] as const],
  );
  return Object.fromEntries(entries) as unknown as EvalResult;
}
