/**
 * Regions (named label sets, nnU-Net's region-based evaluation) in the core: ConfusionMatrix counts per region,
 * surfaceDistancesPerRegion and SurfaceAccumulator with regions. Expected values are written as arithmetic on
 * hand-counted pixels, or come from a second path (binarised masks through the per-class code).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/core/evaluation/confusionMatrix.js';
import { regionCountsFromMatrix, resolveRegions } from '../../src/core/evaluation/regions.js';
import { surfaceDistances, surfaceDistancesPerRegion } from '../../src/core/evaluation/surface.js';
import { SurfaceAccumulator } from '../../src/core/evaluation/surfaceAccumulator.js';

const BRATS = { WT: [1, 2, 3], TC: [2, 3], ET: [3] };

// 4×4, labels 0 background, 1 edema, 2 necrosis, 3 enhancing tumour.
// prettier-ignore
const GT = [
  0, 1, 1, 0,
  1, 2, 3, 0,
  1, 3, 3, 0,
  0, 0, 0, 0,
];
// prettier-ignore
const PRED = [
  0, 1, 1, 1,
  1, 3, 3, 0,
  0, 2, 3, 0,
  0, 0, 0, 0,
];
const EMPTY = new Array(16).fill(0);
const ONE_ET = EMPTY.map((_, i) => (i === 5 ? 3 : 0));

const img = (data: number[], n = 1) => ({ data: Uint8Array.from(data), shape: [n, 4, 4] });

function brats(): ConfusionMatrix {
  return new ConfusionMatrix({ numClasses: 4, perImage: true, regions: BRATS })
    .update(img(GT), img(PRED), { ids: ['a'] })
    .update(img(EMPTY), img(ONE_ET), { ids: ['b'] })
    .update(img(EMPTY), img(EMPTY), { ids: ['c'] });
}

/** tp, fp, fn, tn of a region counted pixel by pixel from the binarised masks (the definition). */
function binarised(gt: readonly number[], pred: readonly number[], labels: readonly number[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = labels.includes(gt[i]);
    const p = labels.includes(pred[i]);
    if (g && p) tp++;
    else if (p) fp++;
    else if (g) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

describe('ConfusionMatrix with regions', () => {
  it('counts the BraTS regions of a hand-made image (WT 7/1/1, TC 4/0/0, ET 2/1/1)', () => {
    const rows = brats().regionImageStats();
    expect(rows[0]).toEqual({ id: 'a', tp: [7, 4, 2], fp: [1, 0, 1], fn: [1, 0, 1], tn: [7, 12, 12] });
    expect(rows[1]).toEqual({ id: 'b', tp: [0, 0, 0], fp: [1, 1, 1], fn: [0, 0, 0], tn: [15, 15, 15] });
    expect(rows[2]).toEqual({ id: 'c', tp: [0, 0, 0], fp: [0, 0, 0], fn: [0, 0, 0], tn: [16, 16, 16] });
  });

  it("per-region Dice is nnU-Net's 2tp/(2tp+fp+fn), NaN when tp+fp+fn = 0", () => {
    const r = brats().computeRegions('dice', { reduction: 'none', emptyReference: 'metrics-reloaded' });
    expect(r.value).toEqual([
      [(2 * 7) / (2 * 7 + 1 + 1), 1, (2 * 2) / (2 * 2 + 1 + 1)],
      [0, 0, 0],
      [NaN, NaN, NaN],
    ]);
    expect(r.classes).toEqual([0, 1, 2]);
    const mean = brats().computeRegions('dice', {
      reduction: 'macro-imagewise',
      emptyReference: 'metrics-reloaded',
    });
    expect(mean.perClass).toEqual([(14 / 16 + 0) / 2, (1 + 0) / 2, (4 / 6 + 0) / 2]);
    expect(mean.skipped).toBe(3); // image c: every region absent from both masks
    expect(mean.value).toBeCloseTo((14 / 16 + 1 + 4 / 6) / 6, 15);
  });

  it('dataset region counts are the sums of the confusion block (and of the per-image rows)', () => {
    const cm = brats();
    expect(cm.regionStats()).toEqual({ tp: [7, 4, 2], fp: [2, 1, 2], fn: [1, 0, 1], tn: [38, 43, 43] });
    const m = cm.matrix();
    // WT tp = the 3×3 block of labels 1..3.
    let block = 0;
    for (const g of [1, 2, 3]) for (const p of [1, 2, 3]) block += m[g][p];
    expect(cm.regionStats().tp[0]).toBe(block);
  });

  it('a region {k} has the counts and every metric of class k (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2 * 36, maxLength: 2 * 36 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2 * 36, maxLength: 2 * 36 }),
        (g, p) => {
          const regions = [0, 1, 2, 3, 4].map((k) => ({ name: `r${k}`, labels: [k] }));
          const cm = new ConfusionMatrix({ numClasses: 5, perImage: true, regions }).update(
            { data: Uint8Array.from(g), shape: [2, 6, 6] },
            { data: Uint8Array.from(p), shape: [2, 6, 6] },
          );
          expect(cm.regionStats()).toEqual(cm.stats());
          expect(cm.regionImageStats()).toEqual(cm.imageStats());
          for (const metric of ['dice', 'iou', 'precision', 'recall', 'specificity', 'mcc'] as const) {
            for (const reduction of ['macro', 'macro-imagewise', 'micro', 'none'] as const) {
              const o = { reduction, emptyReference: 'metrics-reloaded' as const };
              expect(cm.computeRegions(metric, o)).toEqual(
                cm.compute(metric, { ...o, includeBackground: true }),
              );
            }
          }
        },
      ),
      { seed: 14, numRuns: 60 },
    );
  });

  it('region counts equal the counts of the binarised masks, per image (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        (g, p, labels) => {
          const cm = new ConfusionMatrix({ numClasses: 4, perImage: true, regions: { R: labels } });
          cm.update(img(g), img(p));
          const b = binarised(g, p, labels);
          expect(cm.regionImageStats()[0]).toEqual({
            id: null,
            tp: [b.tp],
            fp: [b.fp],
            fn: [b.fn],
            tn: [b.tn],
          });
          expect(cm.regionStats()).toEqual({ tp: [b.tp], fp: [b.fp], fn: [b.fn], tn: [b.tn] });
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });

  it('ignored ground-truth pixels leave every region', () => {
    const cm = new ConfusionMatrix({ numClasses: 4, ignoreIndex: 255, perImage: true, regions: BRATS });
    cm.update(
      { data: Uint8Array.of(255, 3, 0, 0), shape: [1, 4] },
      { data: Uint8Array.of(3, 3, 0, 0), shape: [1, 4] },
    );
    expect(cm.regionImageStats()[0]).toEqual({
      id: null,
      tp: [1, 1, 1],
      fp: [0, 0, 0],
      fn: [0, 0, 0],
      tn: [2, 2, 2],
    });
  });

  it('merging shards gives the single run, through JSON; other regions are refused', () => {
    const a = new ConfusionMatrix({ numClasses: 4, perImage: true, regions: BRATS }).update(
      img(GT),
      img(PRED),
      {
        ids: ['a'],
      },
    );
    const b = new ConfusionMatrix({ numClasses: 4, perImage: true, regions: BRATS })
      .update(img(EMPTY), img(ONE_ET), { ids: ['b'] })
      .update(img(EMPTY), img(EMPTY), { ids: ['c'] });
    const merged = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(JSON.parse(JSON.stringify(b.toJSON())));
    expect(merged.toJSON()).toEqual(brats().toJSON());
    expect(merged.toJSON().regions).toEqual([
      { name: 'WT', labels: [1, 2, 3] },
      { name: 'TC', labels: [2, 3] },
      { name: 'ET', labels: [3] },
    ]);
    const other = new ConfusionMatrix({ numClasses: 4, perImage: true, regions: { WT: [1, 2, 3] } });
    expect(() => other.merge(a)).toThrow(/ConfusionMatrix.merge: other.regions must equal \[\{"name":"WT"/);
    const none = new ConfusionMatrix({ numClasses: 4, perImage: true });
    expect(() => none.merge(a)).toThrow(/other.regions must equal null/);
  });

  it('fromJSON refuses region rows that do not match the rows', () => {
    const st = brats().toJSON();
    expect(() => ConfusionMatrix.fromJSON({ ...st, regionRows: st.regionRows!.slice(1) })).toThrow(
      /ConfusionMatrix.fromJSON: state.regionRows must be an array of 3 rows/,
    );
    const bad = structuredClone(st);
    bad.regionRows![0].tp = [1, 2];
    expect(() => ConfusionMatrix.fromJSON(bad)).toThrow(
      /state.regionRows\[0\].tp must be 3 integers ≥ 0; got \[1, 2\]/,
    );
  });

  it('refuses malformed regions with clear errors', () => {
    const make = (regions: unknown, mode?: 'binary') =>
      new ConfusionMatrix({ numClasses: mode ? 1 : 4, mode, regions: regions as never });
    expect(() => make({ WT: [1, 4] })).toThrow(
      new RangeError('ConfusionMatrix: regions.WT labels must be integers in [0, 3]; got 4.'),
    );
    expect(() => make({ WT: [] })).toThrow(/regions.WT must be a non-empty array of labels; got \[\]/);
    expect(() => make({})).toThrow(/regions must hold at least one region/);
    expect(() =>
      make([
        { name: 'a', labels: [1] },
        { name: 'a', labels: [2] },
      ]),
    ).toThrow(/regions names must be unique; got 'a' twice/);
    expect(() => make('WT')).toThrow(TypeError);
    expect(() => make({ R: [0] }, 'binary')).toThrow(/regions are only supported in mode 'multiclass'/);
    expect(() => new ConfusionMatrix({ numClasses: 4 }).regionStats()).toThrow(
      /ConfusionMatrix.regionStats: the accumulator must be built with regions/,
    );
  });

  it('resolveRegions sorts and de-duplicates labels and keeps the order of the regions', () => {
    expect(resolveRegions('f', { WT: [3, 1, 2, 1], ET: [3] }, 4)).toEqual([
      { name: 'WT', labels: [1, 2, 3] },
      { name: 'ET', labels: [3] },
    ]);
    expect(
      regionCountsFromMatrix(
        Float64Array.of(5, 1, 0, 2, 3, 1, 0, 1, 4),
        3,
        [{ name: 'fg', labels: [1, 2] }],
        17,
      ),
    ).toEqual({ tp: [3 + 1 + 1 + 4], fp: [1], fn: [2], tn: [5] });
  });
});

describe('surfaceDistancesPerRegion', () => {
  const bin = (labels: readonly number[], set: readonly number[]) =>
    Uint8Array.from(labels, (v) => (set.includes(v) ? 1 : 0));

  it('equals surfaceDistances of the binarised masks, in 2-D and 3-D (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([6, 7], [3, 4, 5]),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(...(['boundary-voxels', 'surface-elements'] as const)),
        (shape, seed, definition) => {
          const n = shape.reduce((a, b) => a * b, 1);
          let s = seed;
          const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % 4);
          const g = Array.from({ length: n }, rnd);
          const p = Array.from({ length: n }, rnd);
          const opts = { spacing: shape.map((_, i) => 1 + i / 2), percentile: 90, tolerance: 1, definition };
          const per = surfaceDistancesPerRegion(
            { data: Uint8Array.from(g), shape },
            { data: Uint8Array.from(p), shape },
            { ...opts, numClasses: 4, regions: BRATS },
          );
          Object.values(BRATS).forEach((labels, r) => {
            expect(per[r]).toEqual(
              surfaceDistances({ data: bin(g, labels), shape }, { data: bin(p, labels), shape }, opts),
            );
          });
        },
      ),
      { seed: 16, numRuns: 40 },
    );
  });

  it('follows the empty-mask rules per region (NaN both empty, Infinity one empty)', () => {
    const per = surfaceDistancesPerRegion(
      { data: Uint8Array.from(EMPTY), shape: [4, 4] },
      { data: Uint8Array.from(ONE_ET.map((v, i) => (i === 0 ? 1 : v))), shape: [4, 4] },
      { numClasses: 4, regions: { ED: [1], TC: [2, 3], N: [2] } },
    );
    expect(per.map((m) => m.hausdorff)).toEqual([Infinity, Infinity, NaN]);
    expect(per.map((m) => m.nsd)).toEqual([0, 0, NaN]);
  });

  it('refuses a label outside [0, C) and a malformed region', () => {
    const a = { data: Uint8Array.of(0, 5), shape: [2] };
    expect(() => surfaceDistancesPerRegion(a, a, { numClasses: 4, regions: BRATS })).toThrow(
      /surfaceDistancesPerRegion: gt labels must be in \[0, 3\]; got 5 at index 1/,
    );
    const b = { data: Uint8Array.of(0, 1), shape: [2] };
    expect(() => surfaceDistancesPerRegion(b, b, { numClasses: 4, regions: { X: [9] } })).toThrow(
      /surfaceDistancesPerRegion: regions.X labels must be integers in \[0, 3\]; got 9/,
    );
  });
});

describe('SurfaceAccumulator with regions', () => {
  const pair = (g: number[], p: number[]) =>
    surfaceDistancesPerRegion(
      { data: Uint8Array.from(g), shape: [4, 4] },
      { data: Uint8Array.from(p), shape: [4, 4] },
      { numClasses: 4, regions: BRATS },
    );

  it('keeps one entry per region, reduces every region and survives JSON and merge', () => {
    const acc = new SurfaceAccumulator({ numClasses: 4, regions: BRATS });
    acc.add('a', pair(GT, PRED));
    const other = new SurfaceAccumulator({ numClasses: 4, regions: BRATS }).add('c', pair(GT, GT));
    acc.merge(JSON.parse(JSON.stringify(other.toJSON())));
    const back = SurfaceAccumulator.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())));
    const red = back.reduce('hausdorff', { includeBackground: false });
    expect(red.classes).toEqual([0, 1, 2]);
    const a = pair(GT, PRED);
    expect(red.perClass.map((p) => p.value)).toEqual(a.map((m) => (m.hausdorff + 0) / 2));
    expect(back.toJSON().regions).toEqual(resolveRegions('t', BRATS, 4));
    expect(() => acc.add('x', [null, null, null, null])).toThrow(
      /SurfaceAccumulator.add: perClass must have 3 entries \(one per region\)/,
    );
    expect(() => new SurfaceAccumulator({ numClasses: 4 }).merge(acc)).toThrow(
      /SurfaceAccumulator.merge: other.regions must equal null/,
    );
  });
});
