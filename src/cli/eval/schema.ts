/**
 * The JSON written by `segkit eval --json` and `segkit merge --json`: schema `segkit.eval`, version 2 (version 1
 * is still read by {@link parseEvalResult}).
 *
 * Numbers that JSON cannot hold are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (NaN: a
 * value that is undefined, e.g. Dice of a class absent from both masks under the default policy, or a surface
 * distance when both masks are empty; Infinity: a surface distance when exactly one mask is empty). Means skip
 * NaN values and say how many they skipped. Keys appear in a fixed order and nothing depends on the time or
 * the machine, so that the same inputs and settings give byte-identical files (a sharded run merged with
 * `segkit merge` included).
 *
 * Versioning: a new optional key keeps the version; any change of meaning, removal or rename increments it.
 * Version 2 (segkit 0.2) adds the required keys `regions`, `lesions` and `panoptic` (null when not asked for),
 * at the top level and in `settings`; a version 1 document is read as version 2 with those keys null.
 * @module
 */
import type { CiSettings, JsonInterval } from './intervals.js';
import type { LesionCounts } from '../../core/evaluation/components.js';
import type { Region } from '../../core/evaluation/regions.js';
import { DataError } from '../../io/errors.js';
import type { EvalSettings, MetricName } from './options.js';

/** A number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** A mean over images that skipped NaN values. */
export interface ClassStat {
  /** Mean over the images where the value is not NaN ("NaN" when there is none). */
  mean: JsonNumber;
  /** Population standard deviation (ddof = 0) over the same images. */
  std: JsonNumber;
  /** Number of images counted. */
  n: number;
  /** Number of images skipped because the value is NaN. */
  skipped: number;
  /** With `--ci`: the bootstrap interval of `mean` over images (see the result's `ci`). */
  ci?: JsonInterval;
}

/** One class of the result. */
export interface ClassResult {
  /** Class index (the label value). */
  index: number;
  /** Class name (`--labels`, or the index as a string). */
  name: string;
  /** Ground-truth pixels of the class over the dataset (ignored pixels excluded). */
  support: number;
  /** Predicted pixels of the class over the dataset (at non-ignored pixels). */
  predicted: number;
  /** Per metric: the statistics over images. */
  metrics: Partial<Record<MetricName, ClassStat>>;
  /** Per count metric: the value from the dataset's summed counts (as nnU-Net's and MONAI's "aggregate"). */
  pooled: Partial<Record<MetricName, JsonNumber>>;
}

/** One image (pair of files) of the result. */
export interface ImageResult {
  /** The pairing key: relative path without extension. */
  id: string;
  /** Ground-truth file, relative to `dataset.gt`. */
  gt: string;
  /** Prediction file, relative to `dataset.pred`. */
  pred: string;
  /** Array shape: `[H, W]` (PNG) or `[D, H, W]` (NIfTI, x fastest). */
  shape: number[];
  /** Spacing used for surface metrics, in the order of `shape`. */
  spacing: number[];
  /** Per metric: one value per reported class (in the order of `classes`). */
  metrics: Partial<Record<MetricName, JsonNumber[]>>;
  /** Mean over the foreground classes of the first metric (NaN skipped): the ranking of the worst images. */
  score: JsonNumber;
}

/** A region: a named set of labels, positive where the label is in the set (the core's `Region`). */
export type RegionDefinition = Region;

/** One region of the result: as a {@link ClassResult}, with the region's labels instead of a class index. */
export interface RegionResult {
  name: string;
  labels: number[];
  /** Ground-truth pixels in the region over the dataset (ignored pixels excluded). */
  support: number;
  /** Predicted pixels in the region over the dataset (at non-ignored pixels). */
  predicted: number;
  metrics: Partial<Record<MetricName, ClassStat>>;
  pooled: Partial<Record<MetricName, JsonNumber>>;
}

/** The regions section: per region results, a summary over the regions and the per-image values. */
export interface RegionsSection {
  /** Per metric: the mean over the regions of the per-region means over images (NaN skipped). */
  summary: Partial<
    Record<MetricName, { value: JsonNumber; reduction: string; skipped: number; ci?: JsonInterval }>
  >;
  regions: RegionResult[];
  /** One entry per image (same order as `images`): per metric, one value per region. */
  images: Partial<Record<MetricName, JsonNumber[]>>[];
}

/** Lesion-wise results of one class or region (counts summed over images, metrics from the sums). */
export interface LesionResult extends Omit<LesionCounts, 'lesionDiceSum'> {
  /** Class index, or null for a region. */
  index: number | null;
  name: string;
  /** Lesion-wise sensitivity, precision, F1 and BraTS 2023 Dice of the summed counts ({@link lesionMetrics}). */
  sensitivity: JsonNumber;
  precision: JsonNumber;
  f1: JsonNumber;
  lesionDice: JsonNumber;
  /** Mean over images of the per-image lesion-wise Dice (BraTS 2023 reports it per case). */
  lesionDiceMean: ClassStat;
}

/** The lesions section. */
export interface LesionsSection {
  /** Per reported class, then per region. */
  results: LesionResult[];
}

/** Panoptic quality of one class (counts summed over images). */
export interface PanopticClassResult {
  index: number;
  name: string;
  pq: JsonNumber;
  sq: JsonNumber;
  rq: JsonNumber;
  tp: number;
  fp: number;
  fn: number;
}

/** The panoptic section: per class and the mean over the classes with TP + FP + FN > 0. */
export interface PanopticSection {
  pq: JsonNumber;
  sq: JsonNumber;
  rq: JsonNumber;
  classes: PanopticClassResult[];
}

/** The whole `--json` document. */
export interface EvalResult {
  schema: 'segkit.eval';
  version: 2;
  /** segkit version that wrote the file. */
  segkit: string;
  settings: EvalSettings;
  /** With `--ci`: how the bootstrap intervals (`ci` fields) were computed. */
  ci?: CiSettings;
  dataset: {
    /** `--gt` and `--pred` as given on the command line. */
    gt: string;
    pred: string;
    /** Number of evaluated pairs. */
    images: number;
    /** Ground-truth files without a prediction, and prediction files without a ground truth (`--allow-missing`). */
    missing: string[];
    extra: string[];
    /** Pixels counted (ignored excluded) and pixels skipped by `ignoreIndex`. */
    pixels: number;
    ignored: number;
    /**
     * Digest of the bytes of every evaluated pair (64 hex digits; see the state's `content`): equal results of
     * different data have different digests, and a merged sharded run has the single run's.
     */
    content: string;
  };
  /** Per metric: the summary value, how it was reduced and how many NaN it skipped. */
  summary: Partial<
    Record<MetricName, { value: JsonNumber; reduction: string; skipped: number; ci?: JsonInterval }>
  >;
  /** Per metric: the mean over the foreground classes (1 … C−1) of the per-class means. */
  foregroundMean: Partial<Record<MetricName, JsonNumber>>;
  /** With `--ci`: per metric, the bootstrap interval of the foreground mean. */
  foregroundMeanCi?: Partial<Record<MetricName, JsonInterval>>;
  /** The reported classes (all, or all but 0 without `--include-background`). */
  classes: ClassResult[];
  /**
   * Full C×C confusion matrix over the dataset: row = gt class, column = predicted class; null above
   * {@link DENSE_CONFUSION_MAX_CLASSES} classes (then `confusionCells` holds the non-zero cells).
   */
  confusion: number[][] | null;
  /**
   * Only when `confusion` is null (more than 1024 classes): the non-zero cells of the confusion matrix as
   * `[gt class, predicted class, pixels]`, sorted by gt class, then predicted class.
   */
  confusionCells?: [number, number, number][];
  /** One entry per pair, sorted by `id`. */
  images: ImageResult[];
  /** Region-based results (`--regions`), or null. */
  regions: RegionsSection | null;
  /** Lesion-wise results (`--lesions`), or null. */
  lesions: LesionsSection | null;
  /** Panoptic quality (`--panoptic`), or null. */
  panoptic: PanopticSection | null;
}

/** The schema version this segkit writes. */
export const EVAL_SCHEMA_VERSION = 2;

/**
 * Parses the text of a segkit JSON document and checks its `schema` and its `version` (1 up to `current`):
 * the shared first step of {@link parseEvalResult} and of the compare document's reader.
 * @throws DataError naming the file when the text is not JSON, not of that schema, or of another version.
 * @example readDocument('{"schema":"segkit.eval","version":1}', 'r.json', 'segkit.eval', 2).version // 1
 */
export function readDocument(
  text: string,
  file: string,
  schema: string,
  current: number,
): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new DataError(`'${file}' is not JSON.`, { file, cause });
  }
  if (doc === null || typeof doc !== 'object' || doc.schema !== schema) {
    throw new DataError(`'${file}' is not a ${schema} document (schema must be '${schema}').`, { file });
  }
  if (!(
    Number.isInteger(doc.version) &&
    (doc.version as number) >= 1 &&
    (doc.version as number) <= current
  )) {
    const versions = Array.from({ length: current }, (_, i) => i + 1);
    throw new DataError(
      `'${file}' has schema version ${JSON.stringify(doc.version)}; this segkit reads versions ${versions.slice(0, -1).join(', ')} and ${current}.`,
      { file },
    );
  }
  return doc;
}

/**
 * Reads a `segkit.eval` document (the text of `--json` output) of version 1 or 2, as version 2: a version 1
 * document gets `regions`, `lesions` and `panoptic` null (top level and `settings`), which is what version 1
 * meant (it had none of them); settings of either version are completed by {@link upgradeSettings}.
 * @param file - named in the error messages.
 * @throws Error (a data error naming the file) when the text is not JSON, not a `segkit.eval` document, or of
 * another version.
 * @example parseEvalResult(readFileSync('r.json', 'utf8'), 'r.json').version // 2
 */
export function parseEvalResult(text: string, file: string): EvalResult {
  const doc = readDocument(text, file, 'segkit.eval', EVAL_SCHEMA_VERSION);
  const settings = doc.settings as Record<string, unknown> | undefined;
  if (settings === null || typeof settings !== 'object' || !Array.isArray(doc.classes)) {
    throw new DataError(`'${file}' is incomplete (settings, classes).`, { file });
  }
  if (doc.version === 1) {
    return {
      ...doc,
      version: EVAL_SCHEMA_VERSION,
      settings: upgradeSettings(settings),
      regions: null,
      lesions: null,
      panoptic: null,
    } as unknown as EvalResult;
  }
  return { ...doc, settings: upgradeSettings(settings) } as unknown as EvalResult;
}

/**
 * Settings written before `regions`, `lesions` and `panoptic` existed (result version 1, state version 2), as
 * this segkit reads them: those keys null, appended in the order this segkit writes them (so that settings
 * compare equal as JSON text); lesion settings written before `dilation` and `sizeThreshold` get 0 (off), and
 * panoptic settings written before instance maps get `divisor` and `things` null (connected components).
 */
export function upgradeSettings(settings: Record<string, unknown>): EvalSettings {
  const lesions = settings.lesions as Record<string, unknown> | null | undefined;
  const panoptic = settings.panoptic as Record<string, unknown> | null | undefined;
  return {
    ...settings,
    regions: settings.regions ?? null,
    // Lesion settings written before the BraTS options (segkit 0.2): no dilation, every lesion scored.
    lesions: lesions
      ? { ...lesions, dilation: lesions.dilation ?? 0, sizeThreshold: lesions.sizeThreshold ?? 0 }
      : null,
    // Panoptic settings written before instance maps (segkit 0.2): components, so no divisor and no things.
    panoptic: panoptic
      ? { ...panoptic, divisor: panoptic.divisor ?? null, things: panoptic.things ?? null }
      : null,
  } as unknown as EvalSettings;
}

/**
 * Up to this many classes the result holds the dense confusion matrix (at most 1024² cells, about 2 MB of
 * JSON); above, its non-zero cells only (`confusionCells`), so that 65,536 classes stay small.
 */
export const DENSE_CONFUSION_MAX_CLASSES = 1024;

/** A number as JSON: NaN and ±Infinity become strings. */
export function jsonNumber(x: number): JsonNumber {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

/** The inverse of `jsonNumber`. */
export function fromJsonNumber(x: JsonNumber | string | number | null): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return NaN;
}

/**
 * JSON text with 2-space indentation in which arrays of numbers and strings stay on one line (a confusion row,
 * the values of one image), so that the file stays readable and diffable.
 * @example stringifyCompact({ a: [1, 2] }) // '{\n  "a": [1, 2]\n}'
 */
export function stringifyCompact(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object'))
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + stringifyCompact(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringifyCompact(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
