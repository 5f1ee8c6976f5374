/**
 * Validation of the options of `segkit eval`, `merge` and `weights`: raw strings from commander in, typed
 * settings out, a `UsageError` naming the option otherwise.
 * @module
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolveRegions } from '../../core/evaluation/regions.js';
import type { RegionsInput } from '../../core/evaluation/regions.js';
import { COUNT_METRICS as CORE_COUNT_METRICS } from '../../core/evaluation/fromCounts.js';
import type { CountMetric } from '../../core/evaluation/types.js';
import { UsageError } from '../errors.js';
import { parseCiOptions } from './intervals.js';
import type { CiOptions, RawCiOptions } from './intervals.js';
import type { RegionDefinition } from './schema.js';

/**
 * Count metrics (from confusion counts) the command line offers: the core's, without the synonyms `f1` (= dice)
 * and `sensitivity` (= recall).
 */
export const COUNT_METRICS = CORE_COUNT_METRICS.filter((m) => m !== 'f1' && m !== 'sensitivity');
/** Surface metrics the command line offers: `hd` (Hausdorff), `hd95` (the percentile HD), `assd`, `nsd`. */
export const SURFACE_METRICS = ['hd', 'hd95', 'assd', 'nsd'] as const;
/** The metrics computed when `--metrics` is not given. */
export const DEFAULT_METRICS = ['dice', 'iou', 'precision', 'recall'] as const;
/** Reductions of the count metrics. */
export const REDUCTIONS = [
  'macro-imagewise',
  'micro-imagewise',
  'weighted-imagewise',
  'macro',
  'micro',
  'weighted',
] as const;
/** Pooling conventions of the percentile Hausdorff distance. */
export const POOLINGS = ['max-of-directed', 'pooled'] as const;

/** A count metric name of the command line. */
export type CountMetricName = Exclude<CountMetric, 'f1' | 'sensitivity'>;
/** A surface metric name of the command line. */
export type SurfaceMetricName = (typeof SURFACE_METRICS)[number];
/** Any metric name of `--metrics`. */
export type MetricName = CountMetricName | SurfaceMetricName;
/** A `--reduction` value. */
export type ReductionName = (typeof REDUCTIONS)[number];
/** A `--pooling` value. */
export type PoolingName = (typeof POOLINGS)[number];

/**
 * Surface definitions of the surface metrics: boundary voxels (MONAI's default) or surface elements on the
 * voxel corners, weighted by their length / area (Nikolov et al. 2021, google-deepmind/surface-distance).
 */
export const SURFACE_DEFINITIONS = ['boundary-voxels', 'surface-elements'] as const;

/** A `--surface` value. */
export type SurfaceDefinitionName = (typeof SURFACE_DEFINITIONS)[number];

/**
 * The settings that decide the numbers of an evaluation. Stored in shard states and in the JSON output; two
 * states merge only when their settings are equal.
 */
export interface EvalSettings {
  numClasses: number;
  /** One name per class. */
  labels: string[];
  /** A gt label whose pixels are skipped, or null. */
  ignoreIndex: number | null;
  metrics: MetricName[];
  includeBackground: boolean;
  reduction: ReductionName;
  /** Value of overlap metrics when a class is absent from gt and prediction alike ('NaN' = skipped in means). */
  bothEmpty: number | 'NaN';
  /** F-β weight (only for `fbeta`). */
  beta: number;
  percentile: number;
  pooling: PoolingName;
  /** NSD tolerance in spacing units, or null when NSD is not computed. */
  tolerance: number | null;
  /** What the surface metrics measure from, or null when no surface metric is computed. */
  surfaceDefinition: SurfaceDefinitionName | null;
  /** Spacing for PNG masks in array-axis order ([dy, dx]), or null for 1 per axis. */
  spacing: number[] | null;
  /** `--regions`: the regions evaluated besides the classes, or null. */
  regions: RegionDefinition[] | null;
  /** `--lesions`: lesion-wise detection settings, or null. */
  lesions: LesionSettings | null;
  /** `--panoptic`: panoptic-quality settings, or null. */
  panoptic: PanopticSettings | null;
}

/** Settings of the lesion-wise metrics. */
export interface LesionSettings {
  /** Connectivity of the components: 4 or 8 in 2-D, 6, 18 or 26 in 3-D; null = 8 in 2-D, 26 in 3-D. */
  connectivity: number | null;
  /** A lesion is detected by a component with IoU above this (0 = any overlap). */
  iouThreshold: number;
  /**
   * `--lesion-dilation`: BraTS 2023 ground-truth dilation in steps (0 = none): lesions are grouped and matched
   * through the dilated ground truth (see the core's `lesionCounts`).
   */
  dilation: number;
  /** `--lesion-thresh`: ground-truth lesions of at most this many voxels are not scored (0 = all). */
  sizeThreshold: number;
}

/** Settings of panoptic quality. */
export interface PanopticSettings {
  /**
   * Where instances come from: `'components'` = each connected component of a class is one instance;
   * `'divisor'` = the masks are panoptic label maps, `value = class · divisor + instance` (`--panoptic-divisor`).
   */
  instances: 'components' | 'divisor';
  /** Connectivity of the components (null = 8 in 2-D, 26 in 3-D; null with `'divisor'`). */
  connectivity: number | null;
  /**
   * `--panoptic-divisor`: the label divisor of the panoptic maps (Cityscapes: 1000); a value below it is a class
   * without instance id. Null with `'components'`.
   */
  divisor: number | null;
  /**
   * `--panoptic-things`: the thing classes; ground-truth pixels of a thing class without instance id are a crowd
   * (group) region (Kirillov et al. 2019). Null: no crowd regions.
   */
  things: number[] | null;
}

/** Options of `eval` as commander hands them over (strings, booleans). */
export interface RawEvalOptions extends RawCiOptions {
  gt?: string;
  pred?: string;
  numClasses?: string;
  labels?: string;
  ignoreIndex?: string;
  metrics?: string;
  tolerance?: string;
  spacing?: string;
  percentile?: string;
  pooling?: string;
  surface?: string;
  reduction?: string;
  includeBackground?: boolean;
  bothEmpty?: string;
  beta?: string;
  palette?: string;
  json?: string;
  csv?: string;
  report?: string;
  summaryCsv?: string;
  workers?: string;
  shard?: string;
  state?: string;
  allowMissing?: boolean;
  /** `--regions '{"WT":[1,2,3]}'` or a JSON file. */
  regions?: string;
  lesions?: boolean;
  panoptic?: boolean;
  /** `--panoptic-divisor N`: the masks are panoptic maps `class · N + instance`. */
  panopticDivisor?: string;
  /** `--panoptic-things LIST`: thing classes (crowd regions where they have no instance id). */
  panopticThings?: string;
  connectivity?: string;
  lesionIou?: string;
  /** `--lesion-dilation N` (BraTS 2023). */
  lesionDilation?: string;
  /** `--lesion-thresh N` (BraTS 2023). */
  lesionThresh?: string;
  /** `--quiet` (handled by the command: it changes the output, not the evaluation). */
  quiet?: boolean;
}

/** Output files (or `-` for stdout) of `eval` and `merge`. */
export interface Outputs {
  json?: string;
  csv?: string;
  report?: string;
  /** `--summary-csv`: one row per class and metric with its mean, std and interval. */
  summaryCsv?: string;
}

/** Everything `eval` needs, validated. */
export interface EvalOptions {
  gt: string;
  pred: string;
  settings: EvalSettings;
  palette?: string;
  outputs: Outputs;
  workers: number;
  shard: { index: number; count: number } | null;
  state?: string;
  allowMissing: boolean;
  /** `--ci` and its companions: bootstrap intervals, or null. */
  ci: CiOptions | null;
}

const bad = (option: string, expectation: string, got: unknown): UsageError =>
  new UsageError(`${option} must be ${expectation}; got ${JSON.stringify(got)}.`);

/** An integer option in [min, max]. */
export function parseInteger(option: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(
      option,
      max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`,
      v,
    );
  }
  return n;
}

/** A finite number option in [min, max] (`exclusiveMin` for > min). */
export function parseNumber(
  option: string,
  v: string,
  min: number,
  max = Infinity,
  exclusiveMin = false,
): number {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < min || (exclusiveMin && n === min) || n > max) {
    const range = max === Infinity ? `${exclusiveMin ? '>' : '≥'} ${min}` : `in [${min}, ${max}]`;
    throw bad(option, `a number ${range}`, v);
  }
  return n;
}

function parseChoice<T extends string>(option: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw bad(option, `one of ${choices.join(', ')}`, v);
  return v as T;
}

/** Required string option. */
function required(option: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new UsageError(`${option} is required.`);
  return v;
}

/** `--num-classes`: an integer in [1, 65536]. */
export function parseNumClasses(v: string | undefined): number {
  return parseInteger('--num-classes', required('--num-classes', v), 1, 65536);
}

/** `--ignore-index`: an integer outside [0, N). */
export function parseIgnoreIndex(v: string | undefined, numClasses: number): number | null {
  if (v === undefined) return null;
  const n = parseInteger('--ignore-index', v, -(2 ** 31), 2 ** 32 - 1);
  if (n >= 0 && n < numClasses) throw bad('--ignore-index', `outside the classes [0, ${numClasses - 1}]`, v);
  return n;
}

/** `--workers`: 0 (decode in the main thread) to 64; default: the number of cores. */
export function parseWorkers(v: string | undefined): number {
  return v === undefined ? Math.max(1, availableParallelism()) : parseInteger('--workers', v, 0, 64);
}

/** `--spacing`: one positive number, or `x,y` / `x,y,z`; returned in array-axis order (reversed). */
export function parseSpacing(v: string | undefined): number[] | null {
  if (v === undefined) return null;
  const parts = v.split(',');
  if (
    parts.length > 3 ||
    parts.some((p) => !(Number(p) > 0) || !Number.isFinite(Number(p)) || p.trim() === '')
  ) {
    throw bad('--spacing', 'one positive number or 2–3 comma-separated positive numbers (x,y[,z])', v);
  }
  return parts.map(Number).reverse();
}

/** `--shard k/n` with 1 ≤ k ≤ n. */
export function parseShard(v: string | undefined): { index: number; count: number } | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1) || index > count || count > 1e6) {
    throw bad('--shard', 'k/n with integers 1 ≤ k ≤ n (e.g. 2/3)', v);
  }
  return { index, count };
}

/** Output file options: at most one of them may be `-` (stdout). */
export function parseOutputs(raw: {
  json?: string;
  csv?: string;
  report?: string;
  summaryCsv?: string;
}): Outputs {
  const outputs: Outputs = {};
  for (const key of ['json', 'csv', 'report', 'summaryCsv'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (v === '')
      throw bad(key === 'summaryCsv' ? '--summary-csv' : `--${key}`, 'a file name (or - for stdout)', v);
    outputs[key] = v;
  }
  const dashes = Object.values(outputs).filter((v) => v === '-').length;
  if (dashes > 1)
    throw new UsageError('only one of --json, --csv, --summary-csv and --report may be - (stdout).');
  if (outputs.report === '-')
    throw bad('--report', 'a file name (the HTML report is not written to stdout)', '-');
  const files = Object.values(outputs).filter((v) => v !== '-');
  if (new Set(files).size !== files.length)
    throw new UsageError('--json, --csv, --summary-csv and --report must name different files.');
  return outputs;
}

/** Validates the options of `eval`. */
export function parseEvalOptions(raw: RawEvalOptions): EvalOptions {
  const gt = required('--gt', raw.gt);
  const pred = required('--pred', raw.pred);
  const numClasses = parseNumClasses(raw.numClasses);
  const metrics = parseMetrics(raw.metrics);
  const wantsNsd = metrics.includes('nsd');
  const wantsSurface = metrics.some((m) => (SURFACE_METRICS as readonly string[]).includes(m));
  if (raw.surface !== undefined && !wantsSurface) {
    throw new UsageError(`--surface is only used with the surface metrics (${SURFACE_METRICS.join(', ')}).`);
  }
  if (raw.tolerance !== undefined && !wantsNsd)
    throw new UsageError('--tolerance is only used with --metrics nsd.');
  // Like --tolerance: an option that would change no number is refused, not silently ignored.
  if (raw.beta !== undefined && !metrics.includes('fbeta'))
    throw new UsageError('--beta is only used with --metrics fbeta (dice is F1 whatever --beta says).');
  for (const [flag, v] of [
    ['--percentile', raw.percentile],
    ['--pooling', raw.pooling],
  ] as const) {
    if (v !== undefined && !metrics.includes('hd95'))
      throw new UsageError(`${flag} is only used with --metrics hd95 (the percentile Hausdorff distance).`);
  }
  if (wantsNsd && raw.tolerance === undefined) {
    throw new UsageError(
      '--tolerance is required with --metrics nsd (the NSD tolerance τ, in spacing units, e.g. 1).',
    );
  }
  const shard = parseShard(raw.shard);
  if (shard && !raw.state)
    throw new UsageError('--shard needs --state FILE (where the shard writes its counts for merge).');
  const outputs = parseOutputs(raw);
  if (shard && Object.keys(outputs).length > 0) {
    throw new UsageError(
      '--json, --csv and --report of a sharded run are written by segkit merge, from all the states.',
    );
  }
  const ci = parseCiOptions(raw);
  if (shard && ci)
    throw new UsageError('--ci of a sharded run is given to segkit merge, which computes the intervals.');
  if (raw.state !== undefined && Object.values(outputs).includes(raw.state)) {
    throw new UsageError('--state must name a different file from --json, --csv and --report.');
  }
  const settings: EvalSettings = {
    numClasses,
    labels: parseLabels(raw.labels, numClasses),
    ignoreIndex: parseIgnoreIndex(raw.ignoreIndex, numClasses),
    metrics,
    includeBackground: raw.includeBackground ?? false,
    reduction:
      raw.reduction === undefined ? 'macro-imagewise' : parseChoice('--reduction', raw.reduction, REDUCTIONS),
    bothEmpty: parseBothEmpty(raw.bothEmpty),
    beta: raw.beta === undefined ? 1 : parseNumber('--beta', raw.beta, 0, Infinity, true),
    percentile: raw.percentile === undefined ? 95 : parseNumber('--percentile', raw.percentile, 0, 100),
    pooling: raw.pooling === undefined ? 'max-of-directed' : parseChoice('--pooling', raw.pooling, POOLINGS),
    tolerance: wantsNsd ? parseNumber('--tolerance', raw.tolerance as string, 0) : null,
    surfaceDefinition: wantsSurface
      ? raw.surface === undefined
        ? 'boundary-voxels'
        : parseChoice('--surface', raw.surface, SURFACE_DEFINITIONS)
      : null,
    spacing: parseSpacing(raw.spacing),
    regions: parseRegions(raw.regions, numClasses),
    lesions: null,
    panoptic: null,
  };
  if (raw.connectivity !== undefined && !raw.lesions && !raw.panoptic) {
    throw new UsageError('--connectivity is only used with --lesions or --panoptic.');
  }
  if (raw.connectivity !== undefined && !raw.lesions && raw.panopticDivisor !== undefined) {
    throw new UsageError(
      '--connectivity is not used with --panoptic-divisor (the maps give the instances); it is for --lesions and component instances.',
    );
  }
  for (const [option, v] of [
    ['--lesion-iou', raw.lesionIou],
    ['--lesion-dilation', raw.lesionDilation],
    ['--lesion-thresh', raw.lesionThresh],
  ] as const) {
    if (v !== undefined && !raw.lesions) throw new UsageError(`${option} is only used with --lesions.`);
  }
  const connectivity = raw.connectivity === undefined ? null : parseConnectivity(raw.connectivity);
  if (raw.lesions) {
    settings.lesions = {
      connectivity,
      iouThreshold: raw.lesionIou === undefined ? 0 : parseNumber('--lesion-iou', raw.lesionIou, 0, 1),
      dilation:
        raw.lesionDilation === undefined ? 0 : parseInteger('--lesion-dilation', raw.lesionDilation, 0, 100),
      sizeThreshold:
        raw.lesionThresh === undefined ? 0 : parseInteger('--lesion-thresh', raw.lesionThresh, 0),
    };
    if (settings.lesions.iouThreshold === 1) throw bad('--lesion-iou', 'a number in [0, 1)', raw.lesionIou);
    if (settings.lesions.dilation > 0 && settings.lesions.iouThreshold > 0) {
      throw new UsageError(
        '--lesion-iou and --lesion-dilation exclude each other (a dilated lesion is detected by any overlap, as in BraTS 2023).',
      );
    }
  }
  settings.panoptic = parsePanoptic(raw, numClasses, connectivity);
  if (numClasses === 1 && !settings.includeBackground) {
    throw new UsageError(
      '--num-classes 1 leaves no foreground class; add --include-background or use --num-classes ≥ 2.',
    );
  }
  return {
    gt,
    pred,
    settings,
    palette: raw.palette,
    outputs,
    workers: parseWorkers(raw.workers),
    shard,
    state: raw.state,
    allowMissing: raw.allowMissing ?? false,
    ci,
  };
}

/**
 * `--regions`: a JSON object `{"WT":[1,2,3],"TC":[2,3],"ET":[3]}` (text starting with `{` or `[`), or the name
 * of a JSON file holding one; validated by the core's {@link resolveRegions} (labels in [0, N), unique names).
 */
export function parseRegions(v: string | undefined, numClasses: number): RegionDefinition[] | null {
  if (v === undefined) return null;
  let text = v;
  if (!/^\s*[[{]/.test(v)) {
    try {
      text = readFileSync(v, 'utf8');
    } catch {
      throw new UsageError(`--regions '${v}' is neither a JSON object nor a readable file.`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('--regions', 'a JSON object of label lists such as {"WT":[1,2,3],"TC":[2,3],"ET":[3]}', v);
  }
  try {
    return resolveRegions('--regions', parsed as RegionsInput, numClasses);
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^--regions: regions/, '--regions'));
  }
}

/**
 * `--panoptic` and its instance source: connected components (the default), or panoptic label maps with
 * `--panoptic-divisor N` (`value = class · N + instance`), with `--panoptic-things` naming the thing classes
 * whose pixels without instance id are crowd regions.
 */
export function parsePanoptic(
  raw: Pick<RawEvalOptions, 'panoptic' | 'panopticDivisor' | 'panopticThings'>,
  numClasses: number,
  connectivity: number | null,
): PanopticSettings | null {
  if (!raw.panoptic) {
    if (raw.panopticDivisor !== undefined)
      throw new UsageError('--panoptic-divisor is only used with --panoptic.');
    if (raw.panopticThings !== undefined)
      throw new UsageError('--panoptic-things is only used with --panoptic.');
    return null;
  }
  if (raw.panopticDivisor === undefined) {
    if (raw.panopticThings !== undefined) {
      throw new UsageError(
        '--panoptic-things is only used with --panoptic-divisor (connected components always have an instance id).',
      );
    }
    return { instances: 'components', connectivity, divisor: null, things: null };
  }
  const divisor = parseInteger('--panoptic-divisor', raw.panopticDivisor, 2, 2 ** 31);
  let things: number[] | null = null;
  if (raw.panopticThings !== undefined) {
    const parts = raw.panopticThings.split(',');
    if (parts.some((p) => !/^\s*\d+\s*$/.test(p) || Number(p) < 1 || Number(p) >= numClasses)) {
      throw bad('--panoptic-things', `comma-separated classes in [1, ${numClasses - 1}]`, raw.panopticThings);
    }
    things = [...new Set(parts.map(Number))].sort((a, b) => a - b);
  }
  return { instances: 'divisor', connectivity: null, divisor, things };
}

/** `--connectivity`: 4 or 8 (2-D), 6, 18 or 26 (3-D). */
export function parseConnectivity(v: string): number {
  if (!['4', '8', '6', '18', '26'].includes(v.trim())) {
    throw bad('--connectivity', 'one of 4, 8 (2-D), 6, 18, 26 (3-D)', v);
  }
  return Number(v);
}

/** `--metrics`: comma-separated names, kept in the order given (repeats dropped). */
export function parseMetrics(v: string | undefined): MetricName[] {
  if (v === undefined) return [...DEFAULT_METRICS];
  const all: readonly string[] = [...COUNT_METRICS, ...SURFACE_METRICS];
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!all.includes(n)) throw bad('--metrics', `a comma-separated list of ${all.join(', ')}`, v);
  }
  return [...new Set(names)] as MetricName[];
}

/** `--labels`: comma-separated class names, one per class; default `0`, `1`, … */
export function parseLabels(v: string | undefined, numClasses: number): string[] {
  if (v === undefined) return Array.from({ length: numClasses }, (_, i) => String(i));
  const names = v.split(',').map((s) => s.trim());
  if (names.length !== numClasses || names.some((s) => s === '')) {
    throw bad('--labels', `${numClasses} non-empty comma-separated names (one per class)`, v);
  }
  return names;
}

/** `--beta` of `weights`: a number in [0, 1). */
function parseBetaBelowOne(v: string): number {
  const b = v.trim() === '' ? NaN : Number(v);
  // One message for every refused value: 1.5 was told "[0, 1]", which 1 is not in either.
  if (!(b >= 0 && b < 1)) throw bad('--beta', 'a number in [0, 1)', v);
  return b;
}

function parseBothEmpty(v: string | undefined): number | 'NaN' {
  if (v === undefined || v.toLowerCase() === 'nan') return 'NaN';
  return parseNumber('--both-empty', v, 0, 1);
}

/** Options of `weights`, validated. */
export interface WeightsOptions {
  masks: string;
  numClasses: number;
  method: 'inverse' | 'inverseSqrt' | 'median' | 'effective';
  /** β of the effective number of samples, in [0, 1); undefined = the core's default. */
  beta: number | undefined;
  ignoreIndex: number | null;
  palette?: string;
  workers: number;
  output?: string;
}

/** Validates the options of `weights`. */
export function parseWeightsOptions(raw: {
  masks?: string;
  numClasses?: string;
  method?: string;
  beta?: string;
  ignoreIndex?: string;
  palette?: string;
  workers?: string;
  output?: string;
}): WeightsOptions {
  const masks = required('--masks', raw.masks);
  const numClasses = parseNumClasses(raw.numClasses);
  const method = parseChoice('--method', raw.method ?? 'inverse', [
    'inverse',
    'inverseSqrt',
    'median',
    'effective',
  ] as const);
  if (raw.beta !== undefined && method !== 'effective')
    throw new UsageError('--beta is only used with --method effective.');
  return {
    masks,
    numClasses,
    method,
    beta: raw.beta === undefined ? undefined : parseBetaBelowOne(raw.beta),
    ignoreIndex: parseIgnoreIndex(raw.ignoreIndex, numClasses),
    palette: raw.palette,
    workers: parseWorkers(raw.workers),
    output: raw.output,
  };
}
