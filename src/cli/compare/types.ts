/**
 * Types of `segkit compare`: its validated options and its JSON document (schema `segkit.compare`, version 2,
 * described in docs/cli-json-schema.md; version 1 is read by {@link parseCompareResult}).
 * @module
 */
import type { CiOptions } from '../eval/intervals.js';
import type { EvalSettings } from '../eval/options.js';
import type { Comparison, CompareStatsSettings } from './stats.js';

/** Where a model's evaluation comes from. */
export interface ModelSource {
  kind: 'state' | 'pred';
  /** The state file or the prediction folder, as given. */
  path: string;
}

/** The options of `segkit compare`, validated. */
export interface CompareOptions {
  /** `--gt` (needed with `--pred`). */
  gt?: string;
  /** `--pred` folders, in the order given. */
  preds: string[];
  /** `--state` files, in the order given (they come before the folders). */
  states: string[];
  /** The paired bootstrap: `--ci` (default 0.95), `--bootstrap`, `--seed`, `--ci-method`. */
  ci: CiOptions;
  /** `--alpha`: the level at which a difference is called significant (Holm-adjusted). @default 0.05 */
  alpha: number;
  json?: string;
  report?: string;
}

/** The `--json` document of `segkit compare`. */
export interface CompareResult {
  schema: 'segkit.compare';
  version: 2;
  segkit: string;
  /** The evaluation settings, equal for every model. */
  settings: EvalSettings;
  /** The bootstrap and the test. */
  statistics: CompareStatsSettings;
  /** Number of images (the same ids for every model). */
  images: number;
  /** The reported classes. */
  classes: { index: number; name: string }[];
  /** The models: A (the baseline), B, C, … */
  models: {
    name: string;
    source: 'state' | 'pred';
    /** The state file or prediction folder given. */
    path: string;
    /** The evaluation's `--pred` and `--gt`. */
    pred: string;
    gt: string;
    /** Digest of the evaluated bytes (see `dataset.content` of segkit.eval). */
    content: string;
  }[];
  /** One per model after the first: that model (B) against the baseline (A). */
  comparisons: Comparison[];
}
