/**
 * The state of an evaluation (`--state FILE`): everything `segkit merge` needs to reproduce the single-run
 * result exactly, and to prove that the states belong together: settings, the dataset's identity (its pairing,
 * a fingerprint of each folder's listing and a digest of the bytes of every evaluated file), the shard, exact
 * confusion counts per image and the surface metrics per image. Format `segkit.eval-state`, version 2.
 * @module
 */
import { createHash } from 'node:crypto';
import { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import type { ConfusionState } from '../../core/evaluation/types.js';
import { DataError } from '../../io/errors.js';
import { UsageError } from '../errors.js';
import { surfaceMetricsOf } from './engine.js';
import { lesionSets } from './instances.js';
import type { ImageExtras } from './instances.js';
import type { EvalSettings } from './options.js';
import { upgradeSettings } from './schema.js';
import type { JsonNumber } from './schema.js';

/**
 * The state format version this segkit writes. Version 3 adds the regions (settings, confusion `regionRows`,
 * per-image `regionSurface`), lesion counts and panoptic counts; a version 2 state (which has none) is read
 * too, as a version 3 state without them. A segkit that reads only version 2 refuses version 3 states instead of
 * dropping their regions silently.
 */
export const STATE_VERSION = 3;

/**
 * One evaluated pair, as stored in a state; with `--regions`, `--lesions`, `--panoptic` also the region surface
 * values, lesion counts and panoptic counts of the image ({@link ImageExtras}).
 */
export interface ImageRecord extends ImageExtras {
  id: string;
  gt: string;
  pred: string;
  shape: number[];
  spacing: number[];
  /** SHA-256 (hex) of the ground-truth file's bytes followed by the prediction file's bytes. */
  digest: string;
  /** Per surface metric: one value per class (all C classes). */
  surface: Record<string, JsonNumber[]>;
}

/** What identifies the dataset of a run: the same in every shard of one split. */
export interface DatasetIdentity {
  /** `--gt` and `--pred` as given (shown, not compared: shards may run on hosts that mount the data elsewhere). */
  gt: string;
  pred: string;
  /** Number of pairs of the whole dataset (all shards). */
  pairs: number;
  /** SHA-256 of the whole pairing (keys and file names). */
  digest: string;
  /** SHA-256 of the listing of `--gt` and of `--pred`: every mask file's relative path and size in bytes. */
  gtListing: string;
  predListing: string;
  missing: string[];
  extra: string[];
}

/** The state file of one run or shard. */
export interface EvalState {
  format: 'segkit.eval-state';
  version: typeof STATE_VERSION | 2;
  segkit: string;
  settings: EvalSettings;
  dataset: DatasetIdentity;
  /** This state's shard (1-based index of count); a complete run is 1/1. */
  shard: { index: number; count: number };
  /**
   * Digest of the bytes this state evaluated: the sum modulo 2^256 of SHA-256(id, image digest) over its
   * images, as 64 hex digits. A sum does not depend on how the dataset was split, so the merged state of any
   * split has the single run's value.
   */
  content: string;
  /** The pairs of this shard, sorted by id. */
  images: ImageRecord[];
  /** Confusion counts of this shard, per image in the order of `images`. */
  confusion: ConfusionState;
}

/** The digest of a pairing. */
export function pairingDigest(pairs: Iterable<{ key: string; gt: string; pred: string }>): string {
  const h = createHash('sha256');
  for (const p of pairs) h.update(`${p.key}\0${p.gt}\0${p.pred}\n`);
  return h.digest('hex');
}

/** The fingerprint of a folder's listing: relative paths and sizes. */
export function listingDigest(files: readonly { file: string; size: number }[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.file}\0${f.size}\n`);
  return h.digest('hex');
}

const MOD = 1n << 256n;

/** A running sum of image digests (see {@link EvalState.content}). */
export class ContentSum {
  private sum = 0n;
  /** Adds one image. */
  add(id: string, digest: string): this {
    const h = createHash('sha256').update(`${id}\0${digest}`).digest('hex');
    this.sum = (this.sum + BigInt(`0x${h}`)) % MOD;
    return this;
  }
  /** Adds another sum (64 hex digits). */
  addHex(hex: string): this {
    this.sum = (this.sum + BigInt(`0x${hex}`)) % MOD;
    return this;
  }
  /** The sum as 64 hex digits. */
  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

/** The slice `[start, end)` of `n` sorted pairs that shard `index` of `count` evaluates (contiguous blocks). */
export function shardRange(n: number, index: number, count: number): [number, number] {
  return [Math.floor(((index - 1) * n) / count), Math.floor((index * n) / count)];
}

/** A data error about state file `file`. */
const bad = (file: string, what: string): DataError =>
  new DataError(`segkit merge: '${file}' ${what}`, { file });

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/**
 * Parses a state file and checks every invariant a state holds on its own: format and version, the shard
 * `k/n`, the number of images the shard must have, sorted unique ids, one confusion row per image with the
 * same id, rows that add up to the totals, and the content digest of the images.
 * @throws DataError naming the file and what is wrong.
 */
export function parseState(text: string, file: string): EvalState {
  let s: EvalState;
  try {
    s = JSON.parse(text) as EvalState;
  } catch (cause) {
    throw new DataError(`segkit merge: cannot read '${file}' as JSON: ${(cause as Error).message}.`, {
      file,
      cause,
    });
  }
  if (s === null || typeof s !== 'object' || s.format !== 'segkit.eval-state') {
    throw bad(file, `is not a segkit state file (format must be 'segkit.eval-state').`);
  }
  if ((s.version as number) === 1) {
    throw bad(
      file,
      `has state version 1, which records no digest of the data and cannot be validated; evaluate the shards again with this segkit (state version ${STATE_VERSION}).`,
    );
  }
  if (s.version !== STATE_VERSION && s.version !== 2) {
    throw bad(
      file,
      `has state version ${JSON.stringify(s.version)}; this segkit reads versions 2 and ${STATE_VERSION}.`,
    );
  }
  const d = s.dataset;
  const ok =
    s.settings !== null &&
    typeof s.settings === 'object' &&
    d !== null &&
    typeof d === 'object' &&
    isCount(d.pairs) &&
    [d.digest, d.gtListing, d.predListing].every(isHex64) &&
    Array.isArray(d.missing) &&
    Array.isArray(d.extra) &&
    isHex64(s.content) &&
    Array.isArray(s.images) &&
    s.confusion !== null &&
    typeof s.confusion === 'object' &&
    s.shard !== null &&
    typeof s.shard === 'object';
  if (!ok) {
    throw bad(file, 'is incomplete or corrupt (settings, dataset, shard, content, images, confusion).');
  }
  s.settings = upgradeSettings(s.settings as unknown as Record<string, unknown>);
  const { index, count } = s.shard;
  if (
    !Number.isSafeInteger(count) ||
    count < 1 ||
    !Number.isSafeInteger(index) ||
    index < 1 ||
    index > count
  ) {
    throw bad(
      file,
      `has shard ${JSON.stringify(index)}/${JSON.stringify(count)}; a shard must be k/n with integers 1 ≤ k ≤ n.`,
    );
  }
  const [start, end] = shardRange(d.pairs, index, count);
  if (s.images.length !== end - start) {
    throw bad(
      file,
      `holds ${s.images.length} image(s) but shard ${index}/${count} of a dataset of ${d.pairs} pairs has ${end - start}.`,
    );
  }
  let cm: ConfusionMatrix;
  try {
    cm = ConfusionMatrix.fromJSON(s.confusion);
  } catch (cause) {
    throw new DataError(`segkit merge: '${file}' has corrupt confusion counts: ${(cause as Error).message}`, {
      file,
      cause,
    });
  }
  const st = s.settings;
  if (
    cm.numClasses !== st.numClasses ||
    cm.ignoreIndex !== st.ignoreIndex ||
    !cm.perImage ||
    cm.mode !== 'multiclass'
  ) {
    throw bad(
      file,
      'has confusion counts of other settings than its own (numClasses, ignoreIndex, per-image rows).',
    );
  }
  const rows = s.confusion.rows;
  if (cm.images !== s.images.length || rows.length !== s.images.length) {
    throw bad(
      file,
      `lists ${s.images.length} image(s) but its confusion counts hold ${cm.images} image(s) and ${rows.length} row(s).`,
    );
  }
  const content = new ContentSum();
  for (let i = 0; i < s.images.length; i++) {
    const img = s.images[i];
    if (img === null || typeof img !== 'object' || typeof img.id !== 'string' || !isHex64(img.digest)) {
      throw bad(file, `has a corrupt image entry at position ${i}.`);
    }
    if (i > 0 && !(s.images[i - 1].id < img.id)) {
      throw bad(
        file,
        img.id === s.images[i - 1].id
          ? `lists image '${img.id}' twice.`
          : `lists its images out of order ('${s.images[i - 1].id}' before '${img.id}').`,
      );
    }
    if (rows[i].id !== img.id) {
      throw bad(
        file,
        `has confusion row '${String(rows[i].id)}' at position ${i}, where image '${img.id}' is.`,
      );
    }
    content.add(img.id, img.digest);
  }
  checkRowsAddUp(cm, s.confusion.pixels, file);
  checkExtras(s, cm, file);
  if (content.hex() !== s.content) {
    throw bad(file, 'has image digests that do not add up to its content digest (the file was edited).');
  }
  return s;
}

/**
 * Checks that the per-image rows of a multiclass accumulator add up to its totals and pixel count (each row on
 * its own was checked by `ConfusionMatrix.fromJSON`: its class counts add up to its pixels). Sparse rows are
 * summed, so the cost is the number of stored counts, not images × classes.
 */
function checkRowsAddUp(cm: ConfusionMatrix, total: number, file: string): void {
  const C = cm.numClasses;
  const { tp, fp, fn } = cm.stats();
  const sum = { tp: new Float64Array(C), fp: new Float64Array(C), fn: new Float64Array(C) };
  let pixels = 0;
  for (const r of cm.sparseImageStats()) {
    for (let k = 0; k < r.counts.length; k += 4) {
      const c = r.counts[k];
      sum.tp[c] += r.counts[k + 1];
      sum.fp[c] += r.counts[k + 2];
      sum.fn[c] += r.counts[k + 3];
    }
    pixels += r.pixels;
  }
  for (let c = 0; c < C; c++) {
    if (sum.tp[c] !== tp[c] || sum.fp[c] !== fp[c] || sum.fn[c] !== fn[c]) {
      throw bad(file, `has per-image rows that do not add up to its totals (class ${c}).`);
    }
  }
  if (pixels !== total) {
    throw bad(file, `has per-image rows of ${pixels} pixels but totals of ${total}.`);
  }
}

/**
 * Checks the optional sections of a state against its settings: the confusion counts' regions are the
 * settings' regions and their per-image rows add up to the region totals (the blocks of the matrix); every
 * image has lesion counts (one per reported class and region) when `--lesions` was given, panoptic counts
 * with `--panoptic`, and region surface values with regions and a surface metric.
 */
function checkExtras(s: EvalState, cm: ConfusionMatrix, file: string): void {
  const { regions, lesions, panoptic } = s.settings;
  if (JSON.stringify(cm.regions) !== JSON.stringify(regions)) {
    throw bad(file, 'has confusion counts of other regions than its settings.');
  }
  if (regions) {
    const totals = cm.regionStats();
    const R = regions.length;
    const sum = { tp: new Float64Array(R), fp: new Float64Array(R), fn: new Float64Array(R) };
    for (const r of cm.regionImageStats()) {
      for (let k = 0; k < R; k++) {
        sum.tp[k] += r.tp[k];
        sum.fp[k] += r.fp[k];
        sum.fn[k] += r.fn[k];
      }
    }
    for (let k = 0; k < R; k++) {
      if (sum.tp[k] !== totals.tp[k] || sum.fp[k] !== totals.fp[k] || sum.fn[k] !== totals.fn[k]) {
        throw bad(
          file,
          `has per-image region rows that do not add up to its totals (region '${regions[k].name}').`,
        );
      }
    }
  }
  // lesionSets builds a C-entry table per class: only with --lesions (65,536 classes would need 4 GiB).
  const sets = lesions ? lesionSets(s.settings).length : 0;
  const surface = surfaceMetricsOf(s.settings).length > 0 && regions !== null;
  for (const img of s.images) {
    const ok =
      (!lesions || (Array.isArray(img.lesions) && img.lesions.length === sets)) &&
      (!panoptic || (img.panoptic !== null && typeof img.panoptic === 'object')) &&
      (!surface || (img.regionSurface !== null && typeof img.regionSurface === 'object'));
    if (!ok)
      throw bad(file, `has no lesion, panoptic or region values for image '${img.id}' its settings ask for.`);
  }
}

/** The fields of two datasets that must be equal, with what to say when they are not. */
const SAME_DATA: [keyof DatasetIdentity, string][] = [
  ['pairs', 'a dataset of another size'],
  ['digest', 'other files (another pairing of --gt and --pred)'],
  ['gtListing', 'another --gt folder (other file names or sizes)'],
  ['predListing', 'another --pred folder (other file names or sizes)'],
];

/** A state without its per-image parts: what the checks across states read. */
export type StateHead = Omit<EvalState, 'images' | 'confusion'>;

/** The head of a state (its per-image parts left out, so that they can be freed). */
export function headOf(state: EvalState): StateHead {
  const { format, version, segkit, settings, dataset, shard, content } = state;
  return { format, version, segkit, settings, dataset, shard, content };
}

/**
 * Merges the states of all shards of one dataset into the state of a complete run, held in memory (see
 * {@link foldStates} for the checks; `segkit merge` streams instead of holding every image).
 * @throws UsageError for a missing or repeated shard; DataError naming the file and what is wrong otherwise.
 */
export async function mergeStates(
  heads: readonly { state: StateHead; file: string }[],
  load: (file: string) => Promise<EvalState>,
): Promise<EvalState> {
  let cm: ConfusionMatrix | undefined;
  const images: ImageRecord[] = [];
  const head = await foldStates(
    heads,
    load,
    (state) => {
      if (cm === undefined) cm = ConfusionMatrix.fromJSON(state.confusion);
      else cm.merge(state.confusion);
      for (const img of state.images) images.push(img);
    },
    () => pairingDigest(images.map((i) => ({ key: i.id, gt: i.gt, pred: i.pred }))),
  );
  return { ...head, images, confusion: cm!.toJSON() };
}

/**
 * Folds the states of all shards of one dataset, in shard order, after checking that they belong together:
 * one split (same n), every shard 1..n exactly once, equal settings and dataset identity, no image in two
 * shards, and all pairs of the dataset present. The checks read the heads only; the states are then loaded one
 * at a time in shard order (`load`, e.g. reading and parsing the file again) and handed to `fold`, so at most
 * one whole state is in memory at a time.
 * @param pairing - the pairing digest of the images folded so far (see {@link pairingDigest}), called once at
 * the end: the images' names must be the dataset's pairing.
 * @returns the head of the merged state (shard 1/1, the summed content digest).
 * @throws UsageError for a missing or repeated shard; DataError naming the file and what is wrong otherwise.
 */
export async function foldStates(
  heads: readonly { state: StateHead; file: string }[],
  load: (file: string) => Promise<EvalState>,
  fold: (state: EvalState) => void,
  pairing: () => string,
): Promise<StateHead> {
  const states = heads;
  const [first] = states;
  const count = first.state.shard.count;
  const settings = JSON.stringify(first.state.settings);
  const byIndex = new Map<number, string>();
  for (const { state, file } of states) {
    if (state.shard.count !== count) {
      throw bad(
        file,
        `is shard ${state.shard.index}/${state.shard.count} but '${first.file}' is shard ${first.state.shard.index}/${count}; all states must come from one split.`,
      );
    }
    if (JSON.stringify(state.settings) !== settings) {
      throw bad(
        file,
        `was made with other settings than '${first.file}'; run every shard with the same options.`,
      );
    }
    for (const [key, what] of SAME_DATA) {
      if (state.dataset[key] !== first.state.dataset[key]) {
        throw bad(file, `was evaluated on ${what} than '${first.file}'; every shard must see the same data.`);
      }
    }
    if (
      JSON.stringify([state.dataset.missing, state.dataset.extra]) !==
      JSON.stringify([first.state.dataset.missing, first.state.dataset.extra])
    ) {
      throw bad(file, `lists other unpaired files than '${first.file}'; every shard must see the same data.`);
    }
    const other = byIndex.get(state.shard.index);
    if (other !== undefined) {
      throw new UsageError(
        `segkit merge: '${other}' and '${file}' are both shard ${state.shard.index}/${count}; give each shard once.`,
      );
    }
    byIndex.set(state.shard.index, file);
  }
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (absent.length) {
    throw new UsageError(
      `segkit merge: shard${absent.length > 1 ? 's' : ''} ${absent.map((k) => `${k}/${count}`).join(', ')} missing; give the states of all ${count} shards.`,
    );
  }
  const sorted = [...states].sort((a, b) => a.state.shard.index - b.state.shard.index);
  const content = new ContentSum();
  let last: { id: string; file: string } | undefined;
  for (const { file, state: checked } of sorted) {
    const state = await load(file);
    if (JSON.stringify(headOf(state)) !== JSON.stringify(checked)) {
      throw bad(file, 'changed while the states were merged; merge again.');
    }
    const head = state.images[0];
    if (last && head && !(last.id < head.id)) {
      throw bad(
        file,
        `holds image '${head.id}', which is not after the last image '${last.id}' of '${last.file}' (an image in two shards, or shards of another split).`,
      );
    }
    fold(state);
    content.addHex(state.content);
    if (state.images.length) last = { id: state.images[state.images.length - 1].id, file };
  }
  if (pairing() !== first.state.dataset.digest) {
    throw bad(
      first.file,
      'and the other states hold images whose names do not match the dataset pairing (a state was edited).',
    );
  }
  return {
    ...first.state,
    version: STATE_VERSION,
    shard: { index: 1, count: 1 },
    content: content.hex(),
  };
}
