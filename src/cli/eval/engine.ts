/**
 * The thin layer between the command line and the core's surface-distance engine: the metrics the user asked
 * for, per class, for one image.
 * @module
 */
import { selectedClasses } from '../../core/evaluation/reduce.js';
import { surfaceDistancesPerClass, surfaceDistancesPerRegion } from '../../core/evaluation/surface.js';
import type { SurfaceMetrics } from '../../core/evaluation/types.js';
import type { Mask } from '../../io/types.js';
import { SURFACE_METRICS } from './options.js';
import type { EvalSettings, SurfaceMetricName } from './options.js';
import { jsonNumber } from './schema.js';
import type { JsonNumber } from './schema.js';

/** The field of the core's `SurfaceMetrics` behind each command-line metric name. */
const FIELD: Record<SurfaceMetricName, keyof SurfaceMetrics> = {
  hd: 'hausdorff',
  hd95: 'hd',
  assd: 'assd',
  nsd: 'nsd',
};

/** The surface metrics among the requested ones. */
export function surfaceMetricsOf(settings: EvalSettings): SurfaceMetricName[] {
  return settings.metrics.filter((m): m is SurfaceMetricName =>
    (SURFACE_METRICS as readonly string[]).includes(m),
  );
}

/**
 * Surface metrics of one image: per requested metric, one value per class ("NaN" for classes not reported,
 * i.e. class 0 without `--include-background`), or with `regions: true` one value per region of `--regions`
 * (each the metric of the two binarised masks: label in the region's set). Labels must have been checked
 * already.
 */
export function surfaceRow(
  gt: Mask,
  pred: Mask,
  spacing: number[],
  settings: EvalSettings,
  regions = false,
): Record<string, JsonNumber[]> {
  const wanted = surfaceMetricsOf(settings);
  const out: Record<string, JsonNumber[]> = {};
  if (wanted.length === 0 || (regions && !settings.regions)) return out;
  const g = { data: gt.data, shape: gt.shape };
  const p = { data: pred.data, shape: pred.shape };
  const options = {
    numClasses: settings.numClasses,
    ignoreIndex: settings.ignoreIndex,
    spacing,
    percentile: settings.percentile,
    pooling: settings.pooling,
    tolerance: settings.tolerance ?? 1,
    definition: settings.surfaceDefinition ?? 'boundary-voxels',
  };
  const perSet =
    regions && settings.regions
      ? surfaceDistancesPerRegion(g, p, { ...options, regions: settings.regions })
      : surfaceDistancesPerClass(g, p, {
          ...options,
          classes: selectedClasses(settings.numClasses, settings.includeBackground),
        });
  for (const m of wanted) out[m] = perSet.map((r) => (r ? jsonNumber(r[FIELD[m]]) : 'NaN'));
  return out;
}
