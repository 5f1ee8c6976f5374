/** Hand cases (expected values written as arithmetic), empty-mask conventions, bad input and the export list. */
import { describe, expect, it } from 'vitest';
import * as evaluation from '../../src/core/evaluation/index.js';
import {
  ConfusionMatrix,
  SurfaceAccumulator,
  diceFromCounts,
  iouFromCounts,
  mccFromCounts,
  metricFromCounts,
  reduceCounts,
  surfaceDistances,
  surfaceDistancesPerClass,
} from '../../src/core/evaluation/index.js';
import { bincount } from '../../src/core/kernels/bincount.js';

const img = (data: number[], shape: number[]) => ({ data: Uint8Array.from(data), shape });

describe('count metrics', () => {
  it('diceFromCounts(tp, fp, fn) is 2tp / (2tp + fp + fn)', () => {
    expect(diceFromCounts(3, 1, 2)).toBe((2 * 3) / (2 * 3 + 1 + 2));
    expect(iouFromCounts(3, 1, 2)).toBe(3 / (3 + 1 + 2));
    expect(metricFromCounts('fbeta', 3, 1, 2, 0, { beta: 2 })).toBe((5 * 3) / (5 * 3 + 4 * 2 + 1));
    expect(mccFromCounts(3, 1, 2, 10)).toBeCloseTo((3 * 10 - 1 * 2) / Math.sqrt(4 * 5 * 11 * 12), 15);
    expect(metricFromCounts('balancedAccuracy', 3, 1, 2, 9)).toBe((3 / 5 + 9 / 10) / 2);
    expect(metricFromCounts('npv', 3, 1, 2, 10)).toBe(10 / 12);
    expect(metricFromCounts('fpr', 3, 1, 2, 9)).toBe(1 / 10);
    expect(metricFromCounts('fnr', 3, 1, 2, 9)).toBe(2 / 5);
  });

  it('0/0 gives zeroDivision (NaN by default) and the Metrics Reloaded policy settles an empty reference', () => {
    expect(diceFromCounts(0, 0, 0)).toBeNaN();
    expect(diceFromCounts(0, 0, 0, { zeroDivision: 1 })).toBe(1);
    expect(diceFromCounts(0, 0, 0, { emptyReference: { bothEmpty: 1 } })).toBe(1);
    expect(metricFromCounts('recall', 0, 4, 0, 5, { emptyReference: 'metrics-reloaded' })).toBe(0);
    expect(metricFromCounts('recall', 0, 0, 0, 5, { emptyReference: 'metrics-reloaded' })).toBeNaN();
    expect(metricFromCounts('specificity', 0, 0, 0, 5, { emptyReference: 'metrics-reloaded' })).toBe(1);
  });

  it('reductions skip NaN values and report how many they skipped', () => {
    const totals = { tp: [5, 0, 2], fp: [1, 0, 0], fn: [0, 0, 2], tn: [4, 10, 6] };
    const r = reduceCounts(totals, null, 'dice', { reduction: 'macro' });
    expect(r.skipped).toBe(1);
    expect(r.value).toBe((10 / 11 + 4 / 6) / 2);
    expect(reduceCounts(totals, null, 'dice', { reduction: 'weighted' }).value).toBe(
      (5 * (10 / 11) + 4 * (4 / 6)) / 9,
    );
    expect(reduceCounts(totals, null, 'dice', { reduction: 'micro', includeBackground: false }).value).toBe(
      4 / 6,
    );
  });
});

describe('ConfusionMatrix', () => {
  it('counts a 3-class label map with an ignore index, per image', () => {
    const cm = new ConfusionMatrix({ numClasses: 3, ignoreIndex: 255, perImage: true });
    cm.update(img([0, 1, 2, 255, 1, 1, 2, 0], [2, 4]), img([0, 1, 1, 2, 1, 0, 2, 0], [2, 4]), {
      ids: ['a', 'b'],
    });
    expect(cm.matrix()).toEqual([
      [2, 0, 0],
      [1, 2, 0],
      [0, 1, 1],
    ]);
    expect(cm.toJSON()).toMatchObject({ images: 2, pixels: 7, ignored: 1 });
    expect(cm.imageStats()[0]).toEqual({
      id: 'a',
      tp: [1, 1, 0],
      fp: [0, 1, 0],
      fn: [0, 0, 1],
      tn: [2, 1, 2],
    });
    expect(cm.compute('iou', { reduction: 'micro' }).value).toBe(5 / (5 + 2 + 2));
  });

  it('takes class scores with argmax (channelsFirst and channelsLast agree)', () => {
    const gt = img([0, 1, 1], [1, 3]);
    const first = { data: new Float32Array([0.9, 0.2, 0.4, 0.1, 0.8, 0.6]), shape: [1, 2, 3] };
    const last = { data: new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6]), shape: [1, 3, 2] };
    const a = new ConfusionMatrix({ numClasses: 2 }).update(gt, first);
    const b = new ConfusionMatrix({ numClasses: 2 }).update(gt, last, { layout: 'channelsLast' });
    expect(a.matrix()).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(b.matrix()).toEqual(a.matrix());
  });

  it('fromJSON(toJSON()) round-trips and reset clears', () => {
    const cm = new ConfusionMatrix({ numClasses: 2, mode: 'multilabel', perImage: true });
    cm.update(
      { data: new Float32Array([1, 0, 1, 0]), shape: [1, 2, 2] },
      { data: new Float32Array([1, 0, 0.4, 0.9]), shape: [1, 2, 2] },
    ).update(img([1, 1, 0, 0], [1, 2, 2]), img([1, 0, 0, 1], [1, 2, 2]));
    expect(ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm))).toJSON()).toEqual(cm.toJSON());
    expect(cm.reset().toJSON()).toMatchObject({ images: 0, tp: [0, 0], rows: [] });
  });
});

describe('bad input names the argument', () => {
  const cm = () => new ConfusionMatrix({ numClasses: 3, ignoreIndex: 255 });
  it('shapes that differ', () => {
    expect(() => cm().update(img([0, 1], [1, 2]), img([0, 1, 2], [1, 3]))).toThrow(
      /ConfusionMatrix.update: pred must be a label map of gt's shape \[1,2\] or class scores of shape \[1,3,2\]; got \[1,3\]/,
    );
    expect(() => surfaceDistances(img([0, 1], [2]), img([0, 1, 1], [3]))).toThrow(
      /surfaceDistances: gt and pred must have the same shape; got \[2\] and \[3\]/,
    );
  });
  it('a label ≥ numClasses: the value and the first index', () => {
    expect(() => cm().update(img([0, 1, 7, 9], [1, 2, 2]), img([0, 1, 1, 1], [1, 2, 2]))).toThrow(
      /ConfusionMatrix.update: gt labels must be in \[0, 2\] \(or ignoreIndex 255\); got 7 at index 2 \(position \[0,1,0\]\)\./,
    );
    expect(() => cm().update(img([0, 1], [1, 2]), img([0, 3], [1, 2]))).toThrow(
      /pred labels must be in \[0, 2\]; got 3 at index 1/,
    );
    expect(() => surfaceDistancesPerClass(img([0, 4], [2]), img([0, 1], [2]), { numClasses: 3 })).toThrow(
      /surfaceDistancesPerClass: gt labels must be in \[0, 2\]; got 4 at index 1/,
    );
  });
  it('non-integer labels', () => {
    expect(() => cm().update({ data: [0, 1.5], shape: [1, 2] }, img([0, 1], [1, 2]))).toThrow(
      /ConfusionMatrix.update: gt labels must be integers; got 1.5 at index 1/,
    );
  });
  it('spacing of the wrong length or not positive', () => {
    const m = img([0, 1, 1, 0], [2, 2]);
    expect(() => surfaceDistances(m, m, { spacing: [1, 1, 1] })).toThrow(
      /surfaceDistances: spacing must be a positive number or 2 positive numbers \(one per spatial axis\); got \[1, 1, 1\]/,
    );
    expect(() => surfaceDistances(m, m, { spacing: [1, 0] })).toThrow(
      /surfaceDistances: spacing must hold finite numbers > 0; got \[1, 0\]/,
    );
  });
  it('merging states of different class counts or modes', () => {
    expect(() => cm().merge(new ConfusionMatrix({ numClasses: 4, ignoreIndex: 255 }))).toThrow(
      /ConfusionMatrix.merge: other.numClasses must equal 3; got 4\./,
    );
    expect(() =>
      new ConfusionMatrix({ numClasses: 3, mode: 'multilabel' }).merge(
        new ConfusionMatrix({ numClasses: 3 }),
      ),
    ).toThrow(/ConfusionMatrix.merge: other.mode must equal 'multilabel'; got 'multiclass'\./);
    expect(() =>
      new SurfaceAccumulator({ numClasses: 2 }).merge(new SurfaceAccumulator({ numClasses: 3 })),
    ).toThrow(/SurfaceAccumulator.merge: other.numClasses must equal 2; got 3/);
  });
  it('options out of range', () => {
    expect(() => new ConfusionMatrix({ numClasses: 3, ignoreIndex: 1 })).toThrow(
      /ignoreIndex must be an integer outside \[0, 2\]; got 1/,
    );
    expect(() => cm().compute('dice', { reduction: 'macro-imagewise' })).toThrow(/needs per-image counts/);
    expect(() => cm().compute('dice' as never, { reduction: 'mean' as never })).toThrow(
      /reduction must be one of/,
    );
    expect(() => surfaceDistances(img([1], [1]), img([1], [1]), { percentile: 101 })).toThrow(
      /percentile must be in \[0, 100\]; got 101/,
    );
  });
});

describe('surface metrics of empty masks', () => {
  const empty = img([0, 0, 0, 0], [2, 2]);
  const full = img([1, 1, 0, 0], [2, 2]);
  it('both empty: distances NaN, nsd NaN', () => {
    const m = surfaceDistances(empty, empty);
    expect([m.hausdorff, m.hd, m.assd, m.msdPredToGt, m.nsd]).toEqual([NaN, NaN, NaN, NaN, NaN]);
  });
  it('one empty: distances Infinity, nsd 0', () => {
    for (const m of [surfaceDistances(empty, full), surfaceDistances(full, empty)]) {
      expect([m.hausdorff, m.hd, m.assd, m.msdPredToGt, m.msdGtToPred, m.nsd]).toEqual([
        Infinity,
        Infinity,
        Infinity,
        Infinity,
        Infinity,
        0,
      ]);
    }
  });
  it('reductions skip them with a count', () => {
    const acc = new SurfaceAccumulator({ numClasses: 1 });
    acc
      .add('a', [surfaceDistances(full, full)])
      .add('b', [surfaceDistances(empty, full)])
      .add('c', [surfaceDistances(empty, empty)]);
    expect(acc.reduce('hd').perClass[0]).toEqual({ value: 0, counted: 1, skippedNaN: 1, skippedInfinite: 1 });
    expect(acc.reduce('hd', { nonFinite: 'propagate' }).value).toBe(Infinity);
    expect(SurfaceAccumulator.fromJSON(JSON.parse(JSON.stringify(acc.toJSON()))).rows()).toEqual(acc.rows());
  });
});

describe('shared counting kernel', () => {
  it('confusionCount: aligned, unaligned and failing fast-path calls agree with the plain loop', () => {
    const n = 50003;
    const gt = new Uint8Array(n + 3);
    const pred = new Uint8Array(n + 3);
    for (let i = 0; i < gt.length; i++) {
      gt[i] = (i >> 6) % 13 === 12 ? 255 : (i >> 6) % 5;
      pred[i] = (i >> 5) % 5;
    }
    const plain = (g: Uint8Array, p: Uint8Array) =>
      new ConfusionMatrix({ numClasses: 5, ignoreIndex: 255 })
        .update(
          { data: Int32Array.from(g), shape: [1, g.length] },
          { data: Int32Array.from(p), shape: [1, p.length] },
        )
        .matrix();
    const fast = (g: Uint8Array, p: Uint8Array) =>
      new ConfusionMatrix({ numClasses: 5, ignoreIndex: 255 })
        .update({ data: g, shape: [1, g.length] }, { data: p, shape: [1, p.length] })
        .matrix();
    const bad = pred.slice();
    bad[40001] = 7;
    expect(() => fast(gt, bad)).toThrow(/pred labels must be in \[0, 4\]; got 7 at index 40001/);
    expect(fast(gt, pred)).toEqual(plain(gt, pred));
    expect(fast(gt.subarray(1, n + 1), pred.subarray(1, n + 1))).toEqual(
      plain(gt.subarray(1, n + 1), pred.subarray(1, n + 1)),
    );
    expect(fast(gt.subarray(1, n + 1), pred.subarray(2, n + 2))).toEqual(
      plain(gt.subarray(1, n + 1), pred.subarray(2, n + 2)),
    );
  });

  it('bincount: uint8 fast path equals the plain loop, and reports the first invalid index', () => {
    const n = 10000;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 255 : i % 5));
    const fast = new Float64Array(5);
    const slow = new Float64Array(5);
    expect(bincount(labels, 0, n, 5, 255, fast)).toBe(-1);
    const odd = new Float64Array(5);
    expect(bincount(labels.subarray(3), 0, n - 3, 5, 255, odd)).toBe(-1);
    expect(odd.reduce((a, b) => a + b, 0)).toBe(
      Array.from(labels.subarray(3)).filter((v) => v !== 255).length,
    );
    expect(bincount(Array.from(labels), 0, n, 5, 255, slow)).toBe(-1);
    expect(fast).toEqual(slow);
    labels[7001] = 9;
    expect(bincount(labels, 0, n, 5, 255, new Float64Array(5))).toBe(7001);
  });
});

it('exports exactly the documented evaluation API', () => {
  expect(Object.keys(evaluation).sort()).toEqual(
    [
      'COUNT_METRICS',
      'ConfusionMatrix',
      'SURFACE_FIELDS',
      'SurfaceAccumulator',
      'accuracyFromCounts',
      'balancedAccuracyFromCounts',
      'boundary',
      'diceFromCounts',
      'distanceTransform',
      'fbetaFromCounts',
      'iouFromCounts',
      'mccFromCounts',
      'metricFromCounts',
      'nanMean',
      'percentile',
      'precisionFromCounts',
      'recallFromCounts',
      'reduceCounts',
      'specificityFromCounts',
      'surfaceDistances',
      'surfaceDistanceLists',
      'surfaceDistancesPerClass',
      'surfaceDistancesPerRegion',
      'resolveRegions',
      'regionCountsFromMatrix',
      'bootstrapMeans',
      'bcaLevels',
      'wilcoxonSignedRank',
      'holm',
      'normalCdf',
      'normalSf',
      'normalPpf',
      'connectedComponents',
      'lesionCounts',
      'lesionMetrics',
      'addLesionCounts',
      'panopticCounts',
      'panopticQuality',
      'addPanopticCounts',
      'splitPanopticLabels',
    ].sort(),
  );
});
