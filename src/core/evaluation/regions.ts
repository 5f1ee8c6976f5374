/**
 * Regions: named sets of labels evaluated as one foreground (nnU-Net's region-based evaluation, e.g. the BraTS
 * regions whole tumour = {1, 2, 3}, tumour core = {2, 3}, enhancing tumour = {3}). An element is positive for a
 * region where its label is in the region's set. Their counts are sums over blocks of the confusion matrix.
 * @module
 */
import { formatValue, rangeError, typeError } from '../validate.js';
import type { ClassCounts } from './types.js';

/** A region: a name and the labels it unites. */
export interface Region {
  name: string;
  /** Labels in [0, C), sorted ascending, unique (as {@link resolveRegions} returns them). */
  labels: number[];
}

/**
 * Regions as users write them: `{ WT: [1, 2, 3], TC: [2, 3], ET: [3] }` (in key order) or a list of
 * `{ name, labels }`.
 */
export type RegionsInput = Readonly<Record<string, readonly number[]>> | readonly Region[];

/**
 * Validates regions and returns them as a list of `{ name, labels }` with sorted, unique labels, in the order
 * given.
 * @param fn - the calling function, named in the errors.
 * @param regions - see {@link RegionsInput}; at least one region.
 * @param numClasses - labels must lie in [0, numClasses).
 * @throws TypeError for a malformed value, RangeError for an empty or repeated name, an empty region or a
 * label outside [0, numClasses).
 * @example resolveRegions('f', { WT: [3, 1, 2], ET: [3] }, 4) // [{ name: 'WT', labels: [1, 2, 3] }, { name: 'ET', labels: [3] }]
 */
export function resolveRegions(fn: string, regions: RegionsInput, numClasses: number): Region[] {
  if (regions === null || typeof regions !== 'object') {
    throw typeError(
      fn,
      `regions must be an object { name: [labels] } or a list of { name, labels }; got ${formatValue(regions)}.`,
    );
  }
  const entries: [unknown, unknown][] = Array.isArray(regions)
    ? (regions as readonly Region[]).map((r) => [r?.name, r?.labels])
    : Object.entries(regions);
  if (entries.length === 0)
    throw rangeError(fn, `regions must hold at least one region; got ${formatValue(regions)}.`);
  const seen = new Set<string>();
  return entries.map(([name, labels]) => {
    if (typeof name !== 'string' || name === '') {
      throw typeError(fn, `regions names must be non-empty strings; got ${formatValue(name)}.`);
    }
    if (seen.has(name)) throw rangeError(fn, `regions names must be unique; got '${name}' twice.`);
    seen.add(name);
    if (!Array.isArray(labels) || labels.length === 0) {
      throw rangeError(
        fn,
        `regions.${name} must be a non-empty array of labels; got ${formatValue(labels)}.`,
      );
    }
    for (const l of labels as unknown[]) {
      if (!Number.isInteger(l) || (l as number) < 0 || (l as number) >= numClasses) {
        throw rangeError(
          fn,
          `regions.${name} labels must be integers in [0, ${numClasses - 1}]; got ${formatValue(l)}.`,
        );
      }
    }
    return { name, labels: [...new Set(labels as number[])].sort((a, b) => a - b) };
  });
}

/** Membership tables: `table[r][label]` is 1 when the label belongs to region r. */
export function regionTables(regions: readonly Region[], numClasses: number): Uint8Array[] {
  return regions.map((r) => {
    const t = new Uint8Array(numClasses);
    for (const l of r.labels) t[l] = 1;
    return t;
  });
}

/**
 * Region counts from a C×C confusion matrix (row = gt, column = pred, flat row-major) over `total` counted
 * elements: tp = Σ_{g ∈ R, p ∈ R} m[g][p] (the block of the region), fn = Σ_{g ∈ R} row sum − tp,
 * fp = Σ_{p ∈ R} column sum − tp, tn = total − tp − fp − fn. A region of one label {k} gives class k's counts.
 * @example regionCountsFromMatrix(Float64Array.of(5, 1, 0, 2, 3, 1, 0, 1, 4), 3, [{ name: 'fg', labels: [1, 2] }], 17)
 * // { tp: [9], fp: [1], fn: [2], tn: [5] }
 */
export function regionCountsFromMatrix(
  m: ArrayLike<number>,
  C: number,
  regions: readonly Region[],
  total: number,
): ClassCounts {
  const pairs: number[] = [];
  for (let k = 0; k < C * C; k++) if (m[k] !== 0) pairs.push(k, m[k]);
  return regionCountsFromCells(pairs, C, regions, total);
}

/**
 * {@link regionCountsFromMatrix} from the non-zero cells only, as flat `key, count` pairs with key = g·C + p
 * (the sparse form `ConfusionMatrix` keeps for many classes): the same sums, in time linear in the cells.
 * @example regionCountsFromCells([0, 5, 1, 1, 3, 2, 4, 3, 5, 1, 7, 1, 8, 4], 3, [{ name: 'fg', labels: [1, 2] }], 17)
 * // { tp: [9], fp: [1], fn: [2], tn: [5] }
 */
export function regionCountsFromCells(
  pairs: ArrayLike<number>,
  C: number,
  regions: readonly Region[],
  total: number,
): ClassCounts {
  const out: ClassCounts = { tp: [], fp: [], fn: [], tn: [] };
  for (const t of regionTables(regions, C)) {
    let tp = 0;
    let gtPos = 0;
    let predPos = 0;
    for (let j = 0; j < pairs.length; j += 2) {
      const g = Math.floor(pairs[j] / C);
      const p = pairs[j] - g * C;
      const v = pairs[j + 1];
      if (t[g]) gtPos += v;
      if (t[p]) predPos += v;
      if (t[g] && t[p]) tp += v;
    }
    out.tp.push(tp);
    out.fp.push(predPos - tp);
    out.fn.push(gtPos - tp);
    out.tn.push(total - gtPos - predPos + tp);
  }
  return out;
}

/**
 * The binary mask of a region: 1 where the label is in the region's set (a label outside [0, C), e.g. an
 * ignore index, is outside every region).
 * @param table - the region's membership table ({@link regionTables}).
 * @param out - written and returned. @default a new Uint8Array
 */
export function regionMask(
  labels: ArrayLike<number>,
  table: Uint8Array,
  out: Uint8Array = new Uint8Array(labels.length),
): Uint8Array {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    out[i] = v >= 0 && v < table.length ? table[v] : 0;
  }
  return out;
}
