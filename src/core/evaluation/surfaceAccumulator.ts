/**
 * Per-image surface metrics kept in a mergeable, versioned state, with reductions that skip NaN (both masks
 * empty) and Infinity (one mask empty) values and say how many they skipped.
 * @module
 */
import { resolveRegions } from './regions.js';
import type { Region, RegionsInput } from './regions.js';
import { formatValue, rangeError, typeError } from '../validate.js';
import { nanMean, selectedClasses } from './reduce.js';
import type { SurfaceMetrics, SurfaceOptions, SurfaceRow, SurfaceState } from './types.js';

/** The numeric fields of {@link SurfaceMetrics}, in state order. */
export const SURFACE_FIELDS: readonly (keyof SurfaceMetrics)[] = [
  'hausdorff',
  'hd',
  'hdPredToGt',
  'hdGtToPred',
  'assd',
  'msdPredToGt',
  'msdGtToPred',
  'nsd',
  'gtBoundary',
  'predBoundary',
];

/** Result of {@link SurfaceAccumulator.reduce}. */
export interface SurfaceReduction {
  metric: keyof SurfaceMetrics;
  /** Mean over classes of the per-class means (NaN classes skipped). */
  value: number;
  /** Per selected class: mean over images and what it skipped. */
  perClass: { value: number; counted: number; skippedNaN: number; skippedInfinite: number }[];
  /** The selected class indices. */
  classes: number[];
}

function encode(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decode(fn: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  throw typeError(fn, `${name} must be a finite number, 'NaN' or 'Infinity'; got ${formatValue(v)}.`);
}

/**
 * Collects the per-class surface metrics of many images (from {@link surfaceDistancesPerClass}) so that shards
 * can be merged and reduced exactly as a single run: per-class means are summed in sorted order.
 * @example
 * const acc = new SurfaceAccumulator({ numClasses: 3, options: { percentile: 95, tolerance: 2 } });
 * acc.add('case_01', surfaceDistancesPerClass(gt, pred, { numClasses: 3, percentile: 95, tolerance: 2 }));
 * acc.reduce('hd', { includeBackground: false }).value;
 */
export class SurfaceAccumulator {
  /** Number of classes C. */
  readonly numClasses: number;
  /** The settings the rows were computed with (stored in the state, checked on merge). */
  readonly options: Required<Omit<SurfaceOptions, 'spacing'>>;
  /** With regions, each row holds one entry per region (from {@link surfaceDistancesPerRegion}); else null. */
  readonly regions: Region[] | null;
  private list: SurfaceRow[] = [];

  /**
   * @param init.numClasses - number of classes C ≥ 1.
   * @param init.options - percentile (95), pooling ('max-of-directed'), tolerance (1), distanceMetric
   * ('euclidean') and definition ('boundary-voxels') used for the rows; recorded, not applied. A state
   * written before `definition` existed reads as 'boundary-voxels', the only definition then.
   * @param init.regions - rows hold one entry per region instead of per class (every region is reduced: there
   * is no background region). @default null
   */
  constructor(init: {
    numClasses: number;
    options?: Omit<SurfaceOptions, 'spacing'>;
    regions?: RegionsInput | null;
  }) {
    const fn = 'SurfaceAccumulator';
    const C = init?.numClasses;
    if (!Number.isInteger(C) || C < 1)
      throw rangeError(fn, `numClasses must be an integer ≥ 1; got ${formatValue(C)}.`);
    this.numClasses = C;
    this.regions =
      init.regions === undefined || init.regions === null ? null : resolveRegions(fn, init.regions, C);
    const o = init.options ?? {};
    if (
      o.definition !== undefined &&
      o.definition !== 'boundary-voxels' &&
      o.definition !== 'surface-elements'
    ) {
      throw typeError(
        fn,
        `options.definition must be 'boundary-voxels' or 'surface-elements'; got ${formatValue(o.definition)}.`,
      );
    }
    this.options = {
      percentile: o.percentile ?? 95,
      pooling: o.pooling ?? 'max-of-directed',
      tolerance: o.tolerance ?? 1,
      distanceMetric: o.distanceMetric ?? 'euclidean',
      definition: o.definition ?? 'boundary-voxels',
    };
  }

  /** Number of images added. */
  get images(): number {
    return this.list.length;
  }

  /** Entries per row: the regions, or the classes. */
  private get width(): number {
    return this.regions ? this.regions.length : this.numClasses;
  }

  /**
   * Adds one image: one entry per class (null = not evaluated), or per region with `regions`.
   * @throws RangeError when `perClass` does not have C entries (one per region with `regions`).
   */
  add(id: string | null, perClass: readonly (SurfaceMetrics | null)[]): this {
    if (!Array.isArray(perClass) || perClass.length !== this.width) {
      const what = this.regions ? 'region' : 'class';
      throw rangeError(
        'SurfaceAccumulator.add',
        `perClass must have ${this.width} entries (one per ${what}); got ${formatValue(perClass)}.`,
      );
    }
    this.list.push({ id, classes: perClass.map((m) => (m ? { ...m } : null)) });
    return this;
  }

  /** The rows, in add / merge order. */
  rows(): SurfaceRow[] {
    return this.list.map((r) => ({ id: r.id, classes: r.classes.map((m) => (m ? { ...m } : null)) }));
  }

  /**
   * Appends the rows of another accumulator (or state) computed with the same numClasses and options, in
   * linear time (settings compared field by field, rows appended one by one).
   * @throws RangeError naming the setting that differs.
   * @example new SurfaceAccumulator({ numClasses: 2 }).merge(a).merge(b.toJSON()).images // a.images + b.images
   */
  merge(other: SurfaceAccumulator | SurfaceState): this {
    const o = other instanceof SurfaceAccumulator ? other : SurfaceAccumulator.fromJSON(other);
    const fn = 'SurfaceAccumulator.merge';
    if (o.numClasses !== this.numClasses) {
      throw rangeError(fn, `other.numClasses must equal ${this.numClasses}; got ${o.numClasses}.`);
    }
    if (JSON.stringify(o.regions) !== JSON.stringify(this.regions)) {
      throw rangeError(
        fn,
        `other.regions must equal ${JSON.stringify(this.regions)}; got ${JSON.stringify(o.regions)}.`,
      );
    }
    for (const k of Object.keys(this.options) as (keyof SurfaceAccumulator['options'])[]) {
      if (o.options[k] !== this.options[k]) {
        throw rangeError(
          fn,
          `other.options.${k} must equal ${formatValue(this.options[k])}; got ${formatValue(o.options[k])}.`,
        );
      }
    }
    // A state was copied by fromJSON already; another accumulator's rows are copied one by one (no argument
    // spreading, which overflows the stack from about 10^5 rows).
    const rows = other instanceof SurfaceAccumulator ? o.rows() : o.list;
    for (const r of rows) this.list.push(r);
    return this;
  }

  /** Clears the rows. */
  reset(): this {
    this.list = [];
    return this;
  }

  /**
   * Per-class mean over images of one metric, then the mean over classes (over every region with `regions`).
   * @param options.includeBackground - keep class 0 (not used with `regions`). @default true
   * @param options.nonFinite - `'skip'` drops NaN and Infinity (counted separately); `'propagate'` keeps
   * Infinity in the mean (NaN is always skipped). @default 'skip'
   */
  reduce(
    metric: keyof SurfaceMetrics,
    options: { includeBackground?: boolean; nonFinite?: 'skip' | 'propagate' } = {},
  ): SurfaceReduction {
    const fn = 'SurfaceAccumulator.reduce';
    if (!SURFACE_FIELDS.includes(metric)) {
      throw typeError(fn, `metric must be one of ${SURFACE_FIELDS.join(', ')}; got ${formatValue(metric)}.`);
    }
    const skipInf = (options.nonFinite ?? 'skip') === 'skip';
    const classes = selectedClasses(this.width, this.regions ? true : (options.includeBackground ?? true));
    const perClass = classes.map((c) => {
      const vals: number[] = [];
      let inf = 0;
      for (const r of this.list) {
        const m = r.classes[c];
        if (!m) continue;
        const v = m[metric];
        if (skipInf && (v === Infinity || v === -Infinity)) inf++;
        else vals.push(v);
      }
      const m = nanMean(vals);
      return { value: m.value, counted: m.counted, skippedNaN: m.skipped, skippedInfinite: inf };
    });
    return { metric, value: nanMean(perClass.map((p) => p.value)).value, perClass, classes };
  }

  /** The versioned state; non-finite numbers as the strings 'NaN' and 'Infinity'. */
  toJSON(): SurfaceState {
    return {
      format: 'segkit.surface',
      version: 1,
      numClasses: this.numClasses,
      ...(this.regions
        ? { regions: this.regions.map((r) => ({ name: r.name, labels: [...r.labels] })) }
        : {}),
      options: { ...this.options },
      rows: this.list.map((r) => ({
        id: r.id,
        classes: r.classes.map((m) =>
          m
            ? (Object.fromEntries(SURFACE_FIELDS.map((k) => [k, encode(m[k])])) as Record<
                keyof SurfaceMetrics,
                number | string
              >)
            : null,
        ),
      })),
    };
  }

  /**
   * Rebuilds an accumulator from {@link SurfaceAccumulator.toJSON} output.
   * @throws TypeError / RangeError naming the malformed field.
   */
  static fromJSON(state: SurfaceState): SurfaceAccumulator {
    const fn = 'SurfaceAccumulator.fromJSON';
    if (state === null || typeof state !== 'object' || state.format !== 'segkit.surface') {
      throw typeError(fn, `state.format must be 'segkit.surface'; got ${formatValue(state?.format)}.`);
    }
    if (state.version !== 1)
      throw rangeError(fn, `state.version must be 1; got ${formatValue(state.version)}.`);
    const acc = new SurfaceAccumulator({
      numClasses: state.numClasses,
      options: state.options,
      regions: state.regions ?? null,
    });
    if (!Array.isArray(state.rows))
      throw typeError(fn, `state.rows must be an array; got ${formatValue(state.rows)}.`);
    state.rows.forEach((r, i) => {
      if (!Array.isArray(r.classes) || r.classes.length !== acc.width) {
        throw rangeError(
          fn,
          `state.rows[${i}].classes must have ${acc.width} entries; got ${formatValue(r.classes)}.`,
        );
      }
      acc.list.push({
        id: r.id ?? null,
        classes: r.classes.map((m, c) =>
          m
            ? (Object.fromEntries(
                SURFACE_FIELDS.map((k) => [k, decode(fn, `state.rows[${i}].classes[${c}].${k}`, m[k])]),
              ) as unknown as SurfaceMetrics)
            : null,
        ),
      });
    });
    return acc;
  }
}
