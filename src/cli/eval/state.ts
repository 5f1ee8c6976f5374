/**
 * The state of an evaluation (`--state FILE`): everything `segkit merge` needs to reproduce the single-run
 * result exactly: settings, the full pairing of the dataset, the shard, exact confusion counts per image and
 * the surface metrics per image. Format `segkit.eval-state`, version 1.
 * @module
 */
import { createHash } from 'node:crypto';
import type { ConfusionState } from '../../core/evaluation/types.js';
import { DataError } from '../../io/errors.js';
import { UsageError } from '../errors.js';
import type { EvalSettings } from './options.js';
import type { JsonNumber } from './schema.js';

/** One evaluated pair, as stored in a state. */
export interface ImageRecord {
  id: string;
  gt: string;
  pred: string;
  shape: number[];
  spacing: number[];
  /** Per surface metric: one value per class (all C classes). */
  surface: Record<string, JsonNumber[]>;
}

/** The state file of one run or shard. */
export interface EvalState {
  format: 'segkit.eval-state';
  version: 1;
  segkit: string;
  settings: EvalSettings;
  dataset: {
    gt: string;
    pred: string;
    /** Number of pairs of the whole dataset (all shards). */
    pairs: number;
    /** SHA-256 of the whole pairing (keys and file names), so that merge refuses states of different datasets. */
    digest: string;
    missing: string[];
    extra: string[];
  };
  /** This state's shard (1-based index of count); a complete run is 1/1. */
  shard: { index: number; count: number };
  /** The pairs of this shard, sorted by id. */
  images: ImageRecord[];
  /** Confusion counts of this shard, per image in the order of `images`. */
  confusion: ConfusionState;
}

/** The digest of a pairing. */
export function pairingDigest(pairs: readonly { key: string; gt: string; pred: string }[]): string {
  const h = createHash('sha256');
  for (const p of pairs) h.update(`${p.key}\0${p.gt}\0${p.pred}\n`);
  return h.digest('hex');
}

/** The slice `[start, end)` of `n` sorted pairs that shard `index` of `count` evaluates (contiguous blocks). */
export function shardRange(n: number, index: number, count: number): [number, number] {
  return [Math.floor(((index - 1) * n) / count), Math.floor((index * n) / count)];
}

/**
 * Joins per-image (or per-shard) confusion states, in the given order, into one: matrices and totals added,
 * per-image rows concatenated. Linear in the number of rows. Parts whose matrix is null have been added to
 * `summed` already (the starting matrix).
 */
export function joinConfusion(
  parts: readonly ConfusionState[],
  template: ConfusionState,
  summed?: number[][],
): ConfusionState {
  const C = template.numClasses;
  const matrix = summed ?? Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const sum = {
    tp: new Array<number>(C).fill(0),
    fp: new Array<number>(C).fill(0),
    fn: new Array<number>(C).fill(0),
    tn: new Array<number>(C).fill(0),
  };
  let images = 0;
  let pixels = 0;
  let ignored = 0;
  const rows: ConfusionState['rows'] = [];
  for (const p of parts) {
    if (p.matrix) for (let g = 0; g < C; g++) for (let q = 0; q < C; q++) matrix[g][q] += p.matrix[g][q];
    for (const k of ['tp', 'fp', 'fn', 'tn'] as const) for (let c = 0; c < C; c++) sum[k][c] += p[k][c];
    images += p.images;
    pixels += p.pixels;
    ignored += p.ignored;
    for (const r of p.rows) rows.push(r);
  }
  return { ...template, images, pixels, ignored, matrix, ...sum, rows };
}

/** Parses and checks a state file. */
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
    throw new DataError(
      `segkit merge: '${file}' is not a segkit state file (format must be 'segkit.eval-state').`,
      { file },
    );
  }
  if (s.version !== 1) {
    throw new DataError(
      `segkit merge: '${file}' has state version ${JSON.stringify(s.version)}; this segkit reads version 1.`,
      {
        file,
      },
    );
  }
  const ok =
    s.settings &&
    s.dataset &&
    s.shard &&
    Array.isArray(s.images) &&
    s.confusion &&
    Array.isArray(s.confusion.rows);
  if (!ok || s.images.length !== s.confusion.rows.length) {
    throw new DataError(
      `segkit merge: '${file}' is incomplete or corrupt (settings, dataset, shard, images, confusion).`,
      {
        file,
      },
    );
  }
  return s;
}

/**
 * Merges the states of all shards of one dataset into the state of a complete run. Every shard 1..n must be
 * given exactly once, with equal settings and dataset digest.
 * @throws UsageError for a missing or repeated shard; DataError for states that do not belong together.
 */
export function mergeStates(states: readonly { state: EvalState; file: string }[]): EvalState {
  const [first] = states;
  const count = first.state.shard.count;
  const settings = JSON.stringify(first.state.settings);
  for (const { state, file } of states) {
    if (state.shard.count !== count) {
      throw new DataError(
        `segkit merge: '${file}' is shard ${state.shard.index}/${state.shard.count} but '${first.file}' is shard ${first.state.shard.index}/${count}; all states must come from one split.`,
        { file },
      );
    }
    if (JSON.stringify(state.settings) !== settings) {
      throw new DataError(
        `segkit merge: '${file}' was made with other settings than '${first.file}'; run every shard with the same options.`,
        {
          file,
        },
      );
    }
    if (state.dataset.digest !== first.state.dataset.digest) {
      throw new DataError(
        `segkit merge: '${file}' lists other files than '${first.file}'; the shards must see the same --gt and --pred folders.`,
        {
          file,
        },
      );
    }
  }
  const byIndex = new Map<number, string>();
  for (const { state, file } of states) {
    const other = byIndex.get(state.shard.index);
    if (other !== undefined)
      throw new UsageError(
        `segkit merge: '${other}' and '${file}' are both shard ${state.shard.index}/${count}.`,
      );
    byIndex.set(state.shard.index, file);
  }
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (absent.length) {
    throw new UsageError(
      `segkit merge: shard${absent.length > 1 ? 's' : ''} ${absent.map((k) => `${k}/${count}`).join(', ')} missing; give the states of all ${count} shards.`,
    );
  }
  const sorted = [...states].sort((a, b) => a.state.shard.index - b.state.shard.index).map((s) => s.state);
  return {
    ...first.state,
    shard: { index: 1, count: 1 },
    images: sorted.flatMap((s) => s.images),
    confusion: joinConfusion(
      sorted.map((s) => s.confusion),
      first.state.confusion,
    ),
  };
}
