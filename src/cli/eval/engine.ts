/**
 * The thin layer between the command line and the core's surface-distance engine: the metrics the user asked
 * for, per class, for one image.
 * @module
 */
import { selectedClasses } from '../../core/evaluation/reduce.js';
import { surfaceDistancesPerClass } from '../../core/evaluation/surface.js';
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
 * i.e. class 0 without `--include-background`). Labels must have been checked already.
 */
export function surfaceRow(
  gt: Mask,
  pred: Mask,
  spacing: number[],
  settings: EvalSettings,
): Record<string, JsonNumber[]> {
  const wanted = surfaceMetricsOf(settings);
  const out: Record<string, JsonNumber[]> = {};
  if (wanted.length === 0) return out;
  const perClass = surfaceDistancesPerClass(
    { data: gt.data, shape: gt.shape },
    { data: pred.data, shape: pred.shape },
    {
      numClasses: settings.numClasses,
      classes: selectedClasses(settings.numClasses, settings.includeBackground),
      ignoreIndex: settings.ignoreIndex,
      spacing,
      percentile: settings.percentile,
      pooling: settings.pooling,
      tolerance: settings.tolerance ?? 1,
      definition: settings.surfaceDefinition ?? 'boundary-voxels',
    },
  );
  for (const m of wanted) out[m] = perClass.map((r) => (r ? jsonNumber(r[FIELD[m]]) : 'NaN'));
  return out;
}
