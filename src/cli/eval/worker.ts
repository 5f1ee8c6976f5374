/**
 * The work done per file, in a worker thread (piscina) or in the main thread: decode, check, count, measure.
 * Built as its own file (`dist/eval-worker.js` of the CLI package) so that piscina can start it.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import type { ConfusionState } from '../../core/evaluation/types.js';
import { ClassCounter } from '../../core/weights/classCounter.js';
import type { ClassCounterState } from '../../core/weights/classCounter.js';
import { checkLabels } from '../../io/checkLabels.js';
import { readError, readMaskSync } from '../../io/readMask.js';
import { decodeMaskPair } from '../../io/readPair.js';
import type { Palette } from '../../io/types.js';
import { surfaceRow } from './engine.js';
import { measureExtras, splitPanopticPair } from './instances.js';
import type { ImageExtras } from './instances.js';
import type { EvalSettings } from './options.js';
import type { JsonNumber } from './schema.js';

/** Evaluate one pair of files. */
export interface EvalTask {
  kind: 'eval';
  /** Pairing key. */
  id: string;
  /** Paths to read (also shown in messages). */
  gtPath: string;
  predPath: string;
  settings: EvalSettings;
  palette?: Palette;
}

/** Count the classes of one file (for class weights). */
export interface CountTask {
  kind: 'count';
  path: string;
  numClasses: number;
  ignoreIndex: number | null;
  palette?: Palette;
}

/** Any task. */
export type Task = EvalTask | CountTask;

/** The measurements of one pair. */
export interface EvalTaskResult extends ImageExtras {
  id: string;
  shape: number[];
  /** Spacing used (array-axis order). */
  spacing: number[];
  /** Confusion state of this image alone (per-image counts kept). */
  confusion: ConfusionState;
  /** Per surface metric: one value per class (NaN for classes not evaluated). */
  surface: Record<string, JsonNumber[]>;
  /** SHA-256 (hex) of the ground-truth file's bytes followed by the prediction file's bytes. */
  digest: string;
  /** Notes for stderr (e.g. differing header spacings). */
  warnings: string[];
}

/** The class counts of one file (a one-image ClassCounter state). */
export type CountTaskResult = ClassCounterState;

/** The result type of a task type. */
export type TaskResult<T extends Task> = T extends EvalTask ? EvalTaskResult : CountTaskResult;

/** Runs one task (the piscina entry point is the default export). */
export function handleTask(task: Task): EvalTaskResult | CountTaskResult {
  return task.kind === 'eval' ? evaluatePair(task) : countMask(task);
}

/** The piscina entry point: {@link handleTask}. */
export default handleTask;

/** Decodes a pair, checks sizes and labels, and measures it. */
export function evaluatePair(task: EvalTask): EvalTaskResult {
  const { settings } = task;
  // The bytes are read once: hashed (the dataset's identity in the state) and decoded, both headers first
  // (sizes compared, spacing settled: --spacing, else the NIfTI headers), then the pixels.
  const hash = createHash('sha256');
  const read = (path: string): Uint8Array => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      throw readError(path, cause);
    }
    hash.update(bytes);
    return bytes;
  };
  const gtBytes = read(task.gtPath);
  const predBytes = read(task.predPath);
  const digest = hash.digest('hex');
  const decoded = decodeMaskPair(gtBytes, task.gtPath, predBytes, task.predPath, {
    palette: task.palette,
    spacing: settings.spacing ?? undefined,
  });
  const { spacing, warnings } = decoded;
  // --panoptic-divisor: every metric measures the classes of the panoptic maps; their instances go to PQ.
  const { gt, pred, instances } =
    settings.panoptic?.instances === 'divisor'
      ? splitPanopticPair(decoded.gt, decoded.pred, { gt: task.gtPath, pred: task.predPath }, settings)
      : { ...decoded, instances: undefined };
  const cm = new ConfusionMatrix({
    numClasses: settings.numClasses,
    ignoreIndex: settings.ignoreIndex,
    perImage: true,
    regions: settings.regions,
  });
  const batchShape = [1, ...gt.shape];
  try {
    cm.update(
      { data: gt.data, shape: batchShape },
      { data: pred.data, shape: batchShape },
      { ids: [task.id] },
    );
  } catch (err) {
    // The core checks the labels while it counts; only when it fails do we look again, to name the file and
    // the position in the file's own axes.
    checkLabels(
      gt.data,
      gt.shape,
      settings.numClasses,
      settings.ignoreIndex ?? undefined,
      task.gtPath,
      '--num-classes',
    );
    checkLabels(pred.data, pred.shape, settings.numClasses, undefined, task.predPath, '--num-classes');
    throw err;
  }
  // Under an ignored gt pixel the core does not read pred; a label out of range there is still an error.
  if (settings.ignoreIndex !== null) {
    checkLabels(pred.data, pred.shape, settings.numClasses, undefined, task.predPath, '--num-classes');
  }
  const surface = surfaceRow(gt, pred, spacing, settings);
  const extras = measureExtras(gt, pred, spacing, settings, instances);
  return {
    id: task.id,
    shape: gt.shape,
    spacing,
    confusion: cm.toJSON(),
    surface,
    digest,
    warnings,
    ...extras,
  };
}

/** Decodes one mask and counts its pixels per class. */
export function countMask(task: CountTask): CountTaskResult {
  const mask = readMaskSync(task.path, { palette: task.palette, spacing: 'ignore' });
  checkLabels(
    mask.data,
    mask.shape,
    task.numClasses,
    task.ignoreIndex ?? undefined,
    task.path,
    '--num-classes',
  );
  const counter = new ClassCounter(
    task.numClasses,
    task.ignoreIndex === null ? undefined : { ignoreIndex: task.ignoreIndex },
  );
  return counter.addLabels({ data: mask.data, shape: [1, ...mask.shape] }).toJSON();
}
