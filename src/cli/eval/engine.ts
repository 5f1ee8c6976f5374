/**
 * The thin layer between the command line and the core's surface-distance engine: one binary mask pair per
 * class, the metrics the user asked for.
 * @module
 */
import type { Mask } from '../../io/types.js';
import type { EvalSettings, SurfaceMetricName } from './options.js';
import { SURFACE_METRICS } from './options.js';
import { jsonNumber } from './schema.js';
import type { JsonNumber } from './schema.js';

/** The surface metrics among the requested ones. */
export function surfaceMetricsOf(settings: EvalSettings): SurfaceMetricName[] {
  return settings.metrics.filter((m): m is SurfaceMetricName =>
    (SURFACE_METRICS as readonly string[]).includes(m),
  );
}

/**
 * Surface metrics of one image: per requested metric, one value per class (NaN for classes not reported,
 * i.e. class 0 without `--include-background`).
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
  for (const m of wanted) out[m] = Array.from({ length: settings.numClasses }, () => 'NaN' as JsonNumber);
  void gt;
  void pred;
  void spacing;
  void jsonNumber;
  throw new Error('surface metrics are not available yet');
}
