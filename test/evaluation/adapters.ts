/**
 * Maps reference-vector cases (test/vectors/smp and monai) onto segkit's evaluation API. Each adapter
 * returns either `{ declined: reason }` (a reference behaviour segkit does not reproduce, with why) or the
 * values to compare. The mapping of options is written out here so that it reads as documentation.
 */
import {
  ConfusionMatrix,
  surfaceDistances,
  type ComputeOptions,
  type CountMetric,
  type Reduction,
  type SurfaceOptions,
} from '../../src/core/evaluation/index.js';
import type { VectorCase } from '../helpers/vectors.js';

export type Outcome =
  | { declined: string }
  | { checks: { what: string; actual: number[]; expected: number[] }[] }
  | { error: RegExp; run: () => unknown };

/** Flattens nested expected values; "nan"/"inf" strings become numbers. */
export function flat(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(flat);
  if (v === 'nan') return [NaN];
  if (v === 'inf') return [Infinity];
  if (v === '-inf') return [-Infinity];
  return [Number(v)];
}

const SMP_METRIC: Record<string, CountMetric> = {
  iou_score: 'iou',
  f1_score: 'f1',
  fbeta_score: 'fbeta',
  accuracy: 'accuracy',
  balanced_accuracy: 'balancedAccuracy',
  precision: 'precision',
  recall: 'recall',
  sensitivity: 'sensitivity',
  specificity: 'specificity',
};

/** smp get_stats → a filled ConfusionMatrix (perImage), or a decline / expected error. */
function smpStats(c: VectorCase): ConfusionMatrix | Outcome {
  const o = (c.options.get_stats ?? {}) as Record<string, unknown>;
  const mode = o.mode as 'binary' | 'multiclass' | 'multilabel';
  const tags = c.tags ?? [];
  const build = (): ConfusionMatrix => {
    const numClasses =
      mode === 'multiclass' ? (o.num_classes as number) : mode === 'binary' ? 1 : c.gt.shape[1];
    const cm = new ConfusionMatrix({
      numClasses,
      mode,
      ignoreIndex: (o.ignore_index as number | undefined) ?? null,
      threshold: o.threshold as number | undefined,
      perImage: true,
    });
    // segkit reads integer typed arrays as labels / 0-1 masks; the vectors' int32 tensors are integers.
    const asTyped = (t: VectorCase['gt']) =>
      t.dtype === 'int32' ? { data: Int32Array.from(t.data), shape: t.shape } : t;
    cm.update(asTyped(c.gt), asTyped(c.pr));
    return cm;
  };
  if (
    mode === 'multiclass' &&
    o.num_classes === 1 &&
    o.ignore_index !== undefined &&
    c.gt.data.includes(o.ignore_index as number)
  ) {
    return {
      declined:
        'smp multiclass with num_classes=1: torch.histc(min=0, max=0) falls back to the data range, so ignored ' +
        'pixels (set to -1) are counted as class 0 (tp) and tn goes negative; segkit skips ignored pixels',
    };
  }
  if (c.expected.error) {
    if (tags.includes('expect-error:float-output-without-threshold')) {
      return {
        declined:
          'smp rejects float outputs without a threshold; segkit thresholds scores at its default 0.5',
      };
    }
    if (tags.includes('expect-error:float-multiclass-output')) {
      return {
        declined:
          'smp rejects float label maps; segkit accepts any array whose values are integers (MONAI passes float label maps)',
      };
    }
    if (tags.includes('expect-error:float-target')) {
      return { declined: 'smp rejects float targets; segkit accepts 0/1 values in any numeric array' };
    }
    if (tags.includes('expect-error:list-threshold')) {
      return { error: /ConfusionMatrix: threshold must be a finite number; got \[0\.5\]/, run: build };
    }
    if (tags.includes('expect-error:ignore_index-inside-class-range')) {
      return {
        error: /ConfusionMatrix: ignoreIndex must be an integer outside \[0, 2\]; got 1\./,
        run: build,
      };
    }
    if (tags.includes('expect-error:ignore_index-not-multiclass')) {
      return { error: /ConfusionMatrix: ignoreIndex is only supported in mode 'multiclass'/, run: build };
    }
    return { declined: `unmapped error case ${c.expected.error}` };
  }
  return build();
}

/** smp: get_stats, then `<metric>(tp, fp, fn, tn, **options)`. */
export function smpCase(file: string, c: VectorCase): Outcome {
  const cm = smpStats(c);
  if (!(cm instanceof ConfusionMatrix)) return cm;
  const checks: { what: string; actual: number[]; expected: number[] }[] = [];
  const stats = cm.imageStats();
  const exp = (file === 'get_stats' ? c.expected.value : c.expected.stats) as Record<string, unknown>;
  for (const k of ['tp', 'fp', 'fn', 'tn'] as const) {
    checks.push({ what: k, actual: stats.flatMap((r) => r[k]), expected: flat(exp[k]) });
  }
  if (file === 'get_stats') return { checks };
  const mo = (c.options[file] ?? {}) as Record<string, unknown>;
  const reduction = (mo.reduction ?? 'none') as Reduction;
  const C = cm.numClasses;
  const weights = mo.class_weights as number[] | undefined;
  if (
    weights &&
    C > 1 &&
    (reduction === 'macro' || reduction.endsWith('-imagewise')) &&
    reduction !== 'micro-imagewise'
  ) {
    return {
      declined:
        `smp 'macro', 'macro-imagewise' and 'weighted-imagewise' with class_weights compute mean_c(w_c/Σw · s_c), ` +
        `i.e. divide the weighted mean by C again; segkit's macro means are plain means and its weighted ` +
        `reductions are Σ w_c·s_c / Σ w_c`,
    };
  }
  const zd = mo.zero_division;
  const options: ComputeOptions = {
    reduction,
    // smp: zero_division default 1.0; 'warn' acts as 0.
    // smp's micro reduction skips _handle_zero_division: 0/0 stays NaN there.
    zeroDivision: reduction === 'micro' ? NaN : zd === undefined ? 1 : zd === 'warn' ? 0 : (zd as number),
    beta: mo.beta as number | undefined,
    classWeights: reduction.startsWith('weighted') ? weights : undefined,
  };
  const r = cm.compute(SMP_METRIC[file], options);
  checks.push({ what: 'value', actual: flat(r.value), expected: flat(c.expected.value) });
  return { checks };
}

/** MONAI's do_metric_reduction over the (B, C) per-item values: NaN → 0 in sums, means over not-NaN. */
export function monaiReduce(f: number[][], reduction: string): { value: number[]; notNans: number[] } {
  const B = f.length;
  const C = B ? f[0].length : 0;
  const nn = f.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : 1)));
  const z = f.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v)));
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const col = (m: number[][], c: number) => m.map((r) => r[c]);
  const mean = (s: number, n: number) => (n > 0 ? s / n : 0);
  switch (reduction) {
    case 'none':
      return { value: f.flat(), notNans: nn.flat() };
    case 'mean': {
      const perB = z.map((r, b) => mean(sum(r), sum(nn[b])));
      const nB = nn.map((r) => (sum(r) > 0 ? 1 : 0));
      return { value: [mean(sum(perB), sum(nB))], notNans: [sum(nB)] };
    }
    case 'sum':
      return { value: [sum(z.flat())], notNans: [sum(nn.flat())] };
    case 'mean_batch':
      return {
        value: Array.from({ length: C }, (_, c) => mean(sum(col(z, c)), sum(col(nn, c)))),
        notNans: Array.from({ length: C }, (_, c) => sum(col(nn, c))),
      };
    case 'sum_batch':
      return {
        value: Array.from({ length: C }, (_, c) => sum(col(z, c))),
        notNans: Array.from({ length: C }, (_, c) => sum(col(nn, c))),
      };
    case 'mean_channel':
      return { value: z.map((r, b) => mean(sum(r), sum(nn[b]))), notNans: nn.map(sum) };
    case 'sum_channel':
      return { value: z.map(sum), notNans: nn.map(sum) };
  }
  throw new Error(`unknown MONAI reduction ${reduction}`);
}

/** Splits an NCHW (or labels N,1,...) tensor into per-(b, c) spatial masks. */
function channels(t: VectorCase['gt']): { data: Float64Array; shape: number[] }[][] {
  const [B, C, ...spatial] = t.shape;
  const P = spatial.reduce((a, b) => a * b, 1);
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: C }, (_, c) => ({
      data: t.data.subarray((b * C + c) * P, (b * C + c + 1) * P),
      shape: spatial,
    })),
  );
}

function monaiChecks(c: VectorCase, perItem: number[][], reduction: string) {
  const checks = [{ what: 'per_item', actual: perItem.flat(), expected: flat(c.expected.per_item) }];
  const r = monaiReduce(perItem, reduction);
  checks.push({ what: 'value', actual: r.value, expected: flat(c.expected.value) });
  if (c.expected.not_nans !== undefined) {
    checks.push({ what: 'not_nans', actual: r.notNans, expected: flat(c.expected.not_nans) });
  }
  return checks;
}

/** MONAI DiceMetric / MeanIoU: per-item values from a per-image ConfusionMatrix. */
export function monaiOverlapCase(file: 'DiceMetric' | 'MeanIoU', c: VectorCase): Outcome {
  const o = c.options;
  const includeBackground = (o.include_background as boolean | undefined) ?? true;
  const ignoreEmpty = (o.ignore_empty as boolean | undefined) ?? true;
  let cm: ConfusionMatrix;
  if (c.gt.layout === 'labels') {
    // label maps (N, 1, ...) with num_classes: one-hot per class = multiclass counts.
    const shape = [c.gt.shape[0], ...c.gt.shape.slice(2)];
    cm = new ConfusionMatrix({ numClasses: o.num_classes as number, perImage: true });
    cm.update({ data: c.gt.data, shape }, { data: c.pr.data, shape });
  } else {
    // one-hot / multi-label masks: each channel binary; MONAI binarises y_pred by .bool() (nonzero = 1).
    cm = new ConfusionMatrix({
      numClasses: c.gt.shape[1],
      mode: 'multilabel',
      threshold: Number.MIN_VALUE,
      perImage: true,
    });
    cm.update(c.gt, c.pr);
  }
  const r = cm.compute(file === 'DiceMetric' ? 'dice' : 'iou', {
    reduction: 'none',
    includeBackground,
    // ignore_empty=True: empty gt → NaN; False: both empty → 1, gt empty only → 0.
    emptyReference: ignoreEmpty ? { bothEmpty: NaN, predNonEmpty: NaN } : { bothEmpty: 1, predNonEmpty: 0 },
  });
  return { checks: monaiChecks(c, r.value as number[][], (o.reduction as string) ?? 'mean') };
}

/** MONAI's spacing call argument for batch item b. */
function spacingFor(c: VectorCase, b: number): number | number[] | undefined {
  const s = c.call_kwargs?.spacing as number | number[] | number[][] | undefined;
  if (s === undefined || typeof s === 'number') return s;
  return Array.isArray(s[0]) ? (s as number[][])[b] : (s as number[]);
}

/** MONAI HausdorffDistanceMetric / SurfaceDistanceMetric / SurfaceDiceMetric. */
export function monaiSurfaceCase(
  file: 'HausdorffDistanceMetric' | 'SurfaceDistanceMetric' | 'SurfaceDiceMetric',
  c: VectorCase,
): Outcome {
  const o = c.options;
  // use_subvoxels=True: MONAI's port of DeepMind's surface elements (corner grid, areas from the same table).
  const definition: SurfaceOptions['definition'] = o.use_subvoxels ? 'surface-elements' : 'boundary-voxels';
  // MONAI's distance metrics default to include_background=False.
  const includeBackground = (o.include_background as boolean | undefined) ?? false;
  const metric = ((o.distance_metric as string) ?? 'euclidean') as SurfaceOptions['distanceMetric'];
  const anisotropic = (s: unknown): boolean => {
    const flatS = Array.isArray(s) ? (s as unknown[]).flat(2) : [];
    return flatS.some((v) => v !== flatS[0]);
  };
  if (o.use_subvoxels && metric !== 'euclidean' && anisotropic(c.call_kwargs?.spacing)) {
    return {
      declined:
        "use_subvoxels with a chamfer distance_metric and anisotropic spacing: MONAI's distances " +
        '(scipy distance_transform_cdt) ignore spacing while its surface-element areas use it; segkit applies ' +
        'spacing to both (the same number whenever the spacing is isotropic)',
    };
  }
  const G = channels(c.gt);
  const P = channels(c.pr);
  const C = c.gt.shape[1];
  const first = includeBackground || C === 1 ? 0 : 1;
  let quantileOfInfinities = false;
  const perItem = G.map((row, b) =>
    row.slice(first).map((gt, k) => {
      const ch = k + first;
      // MONAI's chamfer metrics (scipy distance_transform_cdt) ignore `spacing`: unit spacing maps them.
      const spacing = metric === 'euclidean' ? spacingFor(c, b) : undefined;
      if (file === 'HausdorffDistanceMetric') {
        // MONAI: `if not percentile` → max, so percentile 0 (like None) is the Hausdorff distance.
        const p = o.percentile as number | undefined;
        const pct = p === undefined || p === 0 ? 100 : p;
        const empty = (m: { data: Float64Array }) => !m.data.some((v) => v !== 0);
        if (p !== undefined && p !== 0 && empty(gt) !== empty(P[b][ch])) quantileOfInfinities = true;
        const m = surfaceDistances(gt, P[b][ch], { spacing, percentile: pct, distanceMetric: metric });
        return o.directed ? m.hdPredToGt : m.hd;
      }
      if (file === 'SurfaceDistanceMetric') {
        const m = surfaceDistances(gt, P[b][ch], { spacing, distanceMetric: metric });
        return o.symmetric ? m.assd : m.msdPredToGt;
      }
      const tol = (o.class_thresholds as number[])[k];
      return surfaceDistances(gt, P[b][ch], { spacing, tolerance: tol, distanceMetric: metric, definition })
        .nsd;
    }),
  );
  if (quantileOfInfinities) {
    return {
      declined:
        'MONAI takes torch.quantile of the all-Infinity distances of a pair with one empty mask, whose linear ' +
        'interpolation gives inf − inf = NaN; segkit returns Infinity (as MONAI does for the maximum)',
    };
  }
  return { checks: monaiChecks(c, perItem, (o.reduction as string) ?? 'mean') };
}
