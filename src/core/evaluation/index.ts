// Re-exports of src/core/evaluation: one line per public file.
export type * from './types.js';
export { ConfusionMatrix } from './confusionMatrix.js';
export {
  COUNT_METRICS,
  metricFromCounts,
  iouFromCounts,
  diceFromCounts,
  fbetaFromCounts,
  precisionFromCounts,
  recallFromCounts,
  specificityFromCounts,
  accuracyFromCounts,
  balancedAccuracyFromCounts,
  mccFromCounts,
} from './fromCounts.js';
export { reduceCounts, nanMean, type ImageRows } from './reduce.js';
export {
  distanceTransform,
  boundary,
  percentile,
  surfaceDistances,
  surfaceDistanceLists,
  surfaceDistancesPerClass,
  surfaceDistancesPerRegion,
  type SurfaceDistanceLists,
} from './surface.js';
export { resolveRegions, regionCountsFromMatrix, type Region, type RegionsInput } from './regions.js';
export { SurfaceAccumulator, SURFACE_FIELDS, type SurfaceReduction } from './surfaceAccumulator.js';
export {
  bootstrapMeans,
  bcaLevels,
  type BootstrapOptions,
  type BootstrapMethod,
  type MeanInterval,
  type MeanGroup,
} from './stats/bootstrap.js';
export { wilcoxonSignedRank, holm, type WilcoxonResult } from './stats/wilcoxon.js';
export { normalCdf, normalSf, normalPpf } from './stats/normal.js';
export {
  connectedComponents,
  lesionCounts,
  lesionMetrics,
  addLesionCounts,
  type Connectivity,
  type Components,
  type LesionOptions,
  type LesionCounts,
  type LesionMetrics,
} from './components.js';
export {
  panopticCounts,
  panopticQuality,
  addPanopticCounts,
  splitPanopticLabels,
  type PanopticSplit,
  type PanopticLabels,
  type PanopticOptions,
  type PanopticCounts,
  type PanopticQuality,
  type PanopticResult,
} from './panoptic.js';
