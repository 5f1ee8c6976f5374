/**
 * From a complete state to the result: per-class statistics over images, pooled values, the summary, the
 * foreground mean and the per-image table.
 * @module
 */
import { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import { nanMean, selectedClasses } from '../../core/evaluation/reduce.js';
import type { ComputeOptions, CountMetric } from '../../core/evaluation/types.js';
import { VERSION } from '../version.js';
import { COUNT_METRICS } from './options.js';
import type { MetricName } from './options.js';
import type { ClassResult, ClassStat, EvalResult, ImageResult } from './schema.js';
import { DENSE_CONFUSION_MAX_CLASSES, EVAL_SCHEMA_VERSION, fromJsonNumber, jsonNumber } from './schema.js';
import { lesionDiceColumn, lesionsSection, panopticSection, regionsSection } from './sections.js';
import type { EvalState } from './state.js';
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

/**
 * Computes the result of a complete evaluation state. Deterministic: equal states give equal results (the
 * core's means sum in sorted order), so a merged sharded run matches the single run byte for byte.
 */
export function summarize(state: EvalState, ci: CiOptions | null = null): EvalResult {
  const { settings } = state;
  const C = settings.numClasses;
  const cm = ConfusionMatrix.fromJSON(state.confusion);
  const classes = selectedClasses(C, settings.includeBackground);
  const base: ComputeOptions = {
    includeBackground: settings.includeBackground,
    emptyReference: { bothEmpty: fromJsonNumber(settings.bothEmpty), predNonEmpty: 0 },
    beta: settings.beta,
  };
  // values[m][i][k]: metric m, image i, reported class k.
  const values: Partial<Record<MetricName, number[][]>> = {};
  const summary: EvalResult['summary'] = {};
  const pooled: Partial<Record<MetricName, number[]>> = {};
  for (const m of settings.metrics) {
    if (isCount(m)) {
      values[m] = cm.compute(m, { ...base, reduction: 'none' }).value as number[][];
      const red = cm.compute(m, { ...base, reduction: settings.reduction });
      summary[m] = {
        value: jsonNumber(red.value as number),
        reduction: settings.reduction,
        skipped: red.skipped,
      };
      pooled[m] = cm.compute(m, { ...base, reduction: 'macro' }).perClass;
    } else {
      values[m] = state.images.map((img) => classes.map((c) => fromJsonNumber(img.surface[m]?.[c] ?? 'NaN')));
    }
  }
  const totals = cm.stats();
  const classResults: ClassResult[] = classes.map((c, k) => {
    const metrics: ClassResult['metrics'] = {};
    const pooledOut: ClassResult['pooled'] = {};
    for (const m of settings.metrics) {
      metrics[m] = meanStd(values[m]!.map((row) => row[k]));
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
  const foreground = classes.map((c, k) => [c, k]).filter(([c]) => c > 0 || C === 1);
  const foregroundMean: EvalResult['foregroundMean'] = {};
  for (const m of settings.metrics) {
    const means = foreground.map(([, k]) => fromJsonNumber(classResults[k].metrics[m]!.mean));
    foregroundMean[m] = jsonNumber(nanMean(means).value);
    if (!isCount(m)) {
      const all = nanMean(classResults.map((r) => fromJsonNumber(r.metrics[m]!.mean)));
      summary[m] = { value: jsonNumber(all.value), reduction: 'macro-imagewise', skipped: all.skipped };
    }
  }
  const first = settings.metrics[0];
  const images: ImageResult[] = state.images.map((img, i) => {
    if (state.confusion.rows[i].id !== img.id)
      throw new Error(`segkit: state rows out of order at ${img.id}.`);
    const metrics: ImageResult['metrics'] = {};
    for (const m of settings.metrics) metrics[m] = values[m]![i].map(jsonNumber);
    return {
      id: img.id,
      gt: img.gt,
      pred: img.pred,
      shape: img.shape,
      spacing: img.spacing,
      metrics,
      score: jsonNumber(nanMean(foreground.map(([, k]) => values[first]![i][k])).value),
    };
  });
  const result: EvalResult = {
    schema: 'segkit.eval',
    version: EVAL_SCHEMA_VERSION,
    segkit: VERSION,
    settings,
    ...(ci ? { ci: { ...ci, unit: 'image' as const } } : {}),
    dataset: {
      gt: state.dataset.gt,
      pred: state.dataset.pred,
      images: state.images.length,
      missing: state.dataset.missing,
      extra: state.dataset.extra,
      pixels: state.confusion.pixels,
      ignored: state.confusion.ignored,
      content: state.content,
    },
    summary,
    foregroundMean,
    classes: classResults,
    confusion: C <= DENSE_CONFUSION_MAX_CLASSES ? cm.matrix() : null,
    ...(C <= DENSE_CONFUSION_MAX_CLASSES ? {} : { confusionCells: cm.cells() }),
    images,
    regions: regionsSection(state, cm, base),
    lesions: lesionsSection(state),
    panoptic: panopticSection(state),
  };
  return ci ? withIntervals(result, values, cm, base, ci, state) : result;
}

/** The result with the `ci` fields of `--ci` (see intervals.ts), in the JSON's key order. */
function withIntervals(
  result: EvalResult,
  values: Partial<Record<MetricName, number[][]>>,
  cm: ConfusionMatrix,
  base: ComputeOptions,
  ci: CiOptions,
  state: EvalState,
): EvalResult {
  const iv = computeIntervals(result, values, cm, base, ci);
  const lesionDice = result.lesions ? result.lesions.results.map((_, k) => lesionDiceColumn(state, k)) : null;
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
