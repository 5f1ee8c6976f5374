/**
 * What `--regions`, `--lesions` and `--panoptic` measure on one image, in the worker: region surface metrics,
 * lesion-wise counts per reported class and per region, and panoptic counts with one instance per connected
 * component of a class. Everything returned adds over images (counts) or is per image (surface values), so
 * shards merge exactly.
 * @module
 */
import { connectedComponents, lesionCounts } from '../../core/evaluation/components.js';
import type { Connectivity, LesionCounts } from '../../core/evaluation/components.js';
import { panopticCounts, splitPanopticLabels } from '../../core/evaluation/panoptic.js';
import type { PanopticCounts } from '../../core/evaluation/panoptic.js';
import { selectedClasses } from '../../core/evaluation/reduce.js';
import { regionMask, regionTables } from '../../core/evaluation/regions.js';
import { firstInvalidLabel } from '../../io/checkLabels.js';
import { DataError } from '../../io/errors.js';
import { formatIndex } from '../../io/nifti.js';
import type { Mask } from '../../io/types.js';
import { surfaceRow } from './engine.js';
import type { EvalSettings } from './options.js';
import type { JsonNumber } from './schema.js';

/** The per-image measurements of the optional sections (absent keys: not asked for). */
export interface ImageExtras {
  /** Per surface metric, one value per region (`--regions` with a surface metric). */
  regionSurface?: Record<string, JsonNumber[]>;
  /** Lesion counts per reported class, then per region (`--lesions`). */
  lesions?: LesionCounts[];
  /** Panoptic counts per class (`--panoptic`). */
  panoptic?: PanopticCounts;
}

/** Instance ids of a pair read from panoptic label maps (`--panoptic-divisor`). */
export interface PanopticInstances {
  gt: Int32Array;
  pred: Int32Array;
}

/**
 * `--panoptic-divisor N`: splits each decoded panoptic map of a pair into its class map (what every metric
 * measures) and its instance ids (`value = class · N + instance`; a value below N is a class without instance).
 * @throws DataError naming the file when a value is negative or decodes to a class outside [0, N) that is not
 * the ignore index.
 */
export function splitPanopticPair(
  gt: Mask,
  pred: Mask,
  files: { gt: string; pred: string },
  settings: EvalSettings,
): { gt: Mask; pred: Mask; instances: PanopticInstances } {
  const divisor = settings.panoptic!.divisor!;
  const split = (mask: Mask, file: string, ignore: number | null) => {
    let parts;
    try {
      parts = splitPanopticLabels(mask.data, divisor);
    } catch (cause) {
      throw new DataError(`'${file}': --panoptic-divisor: ${(cause as Error).message}`, { file, cause });
    }
    const i = firstInvalidLabel(parts.classes, settings.numClasses, ignore ?? undefined);
    if (i >= 0) {
      throw new DataError(
        `'${file}' has value ${mask.data[i]} at ${formatIndex(i, mask.shape)}, class ${parts.classes[i]} with --panoptic-divisor ${divisor}; classes must be in [0, ${settings.numClasses - 1}] (--num-classes ${settings.numClasses}).`,
        { file },
      );
    }
    return { mask: { ...mask, data: parts.classes }, ids: parts.instances };
  };
  const g = split(gt, files.gt, settings.ignoreIndex);
  const p = split(pred, files.pred, null);
  return { gt: g.mask, pred: p.mask, instances: { gt: g.ids, pred: p.ids } };
}

/** The label sets the lesion-wise metrics are computed for: the reported classes, then the regions. */
export function lesionSets(
  settings: EvalSettings,
): { name: string; index: number | null; table: Uint8Array }[] {
  const C = settings.numClasses;
  const classes = selectedClasses(C, settings.includeBackground).map((c) => {
    const table = new Uint8Array(C);
    table[c] = 1;
    return { name: settings.labels[c], index: c as number | null, table };
  });
  const regions = settings.regions ?? [];
  const tables = regionTables(regions, C);
  return [...classes, ...regions.map((r, k) => ({ name: r.name, index: null, table: tables[k] }))];
}

/**
 * Measures the optional sections of one image. Ground-truth pixels at `ignoreIndex` are background for the
 * lesion masks (and the prediction there is cleared, so that a component is not counted on unlabelled
 * pixels), and void for panoptic quality (Kirillov et al. 2019: left out of the IoU; a predicted segment more
 * than half void is no false positive).
 */
export function measureExtras(
  gt: Mask,
  pred: Mask,
  spacing: number[],
  settings: EvalSettings,
  instances?: PanopticInstances,
): ImageExtras {
  const out: ImageExtras = {};
  if (settings.regions) {
    const row = surfaceRow(gt, pred, spacing, settings, true);
    if (Object.keys(row).length) out.regionSurface = row;
  }
  const shape = gt.shape;
  const ig = settings.ignoreIndex;
  if (settings.lesions) {
    const { connectivity, iouThreshold, dilation, sizeThreshold } = settings.lesions;
    const n = gt.data.length;
    out.lesions = lesionSets(settings).map(({ table }) => {
      const g = regionMask(gt.data, table);
      const p = regionMask(pred.data, table);
      if (ig !== null) for (let i = 0; i < n; i++) if (gt.data[i] === ig) p[i] = 0;
      return lesionCounts(
        { data: g, shape },
        { data: p, shape },
        {
          connectivity: (connectivity ?? undefined) as Connectivity | undefined,
          iouThreshold,
          dilation,
          sizeThreshold,
        },
      );
    });
  }
  if (settings.panoptic) {
    const connectivity = (settings.panoptic.connectivity ?? undefined) as Connectivity | undefined;
    const ids = instances ?? {
      gt: componentInstances(gt, settings.numClasses, connectivity),
      pred: componentInstances(pred, settings.numClasses, connectivity),
    };
    out.panoptic = panopticCounts(
      { instances: { data: ids.gt, shape }, classes: gt },
      { instances: { data: ids.pred, shape }, classes: pred },
      { voidLabel: ig, ignoreClasses: [0], thingClasses: settings.panoptic.things ?? [] },
    );
  }
  return out;
}

/**
 * Instance ids of a label map where every connected component of every class c ≥ 1 is one instance: the
 * component's number within its class (a segment is a (class, instance) pair, so numbers may repeat across
 * classes). Labels outside [1, C) (background, an ignore index) get 0.
 */
export function componentInstances(mask: Mask, numClasses: number, connectivity?: Connectivity): Int32Array {
  const n = mask.data.length;
  const ids = new Int32Array(n);
  const present = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = mask.data[i];
    if (v >= 1 && v < numClasses) present.add(v);
  }
  const bin = new Uint8Array(n);
  for (const c of present) {
    for (let i = 0; i < n; i++) bin[i] = mask.data[i] === c ? 1 : 0;
    const { labels } = connectedComponents({ data: bin, shape: mask.shape }, { connectivity });
    for (let i = 0; i < n; i++) if (bin[i]) ids[i] = labels[i];
  }
  return ids;
}
