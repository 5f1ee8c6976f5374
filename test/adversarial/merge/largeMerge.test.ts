import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../../src/core/evaluation/confusionMatrix.js';
import { SurfaceAccumulator } from '../../../src/core/evaluation/surfaceAccumulator.js';
import type { ConfusionState, ImageCounts, SurfaceMetrics } from '../../../src/core/evaluation/types.js';

// The size: `push(...rows)` threw "Maximum call stack size exceeded" from about 300,000 rows.
const HALF = 500_000;
const ids = Array.from({ length: 2 * HALF }, (_, i) => `img_${i}`);

/**
 * The per-image row of image i: one pixel of 2 classes, gt = i mod 2, pred = (i >> 1) mod 2 (what
 * `update` counts for that pixel, checked below on a prefix).
 */
function row(i: number): ImageCounts {
  const g = i % 2;
  const p = (i >> 1) % 2;
  const hit = (c: number, a: number, b: number) => Number(a === c && b === c);
  return {
    id: ids[i],
    tp: [hit(0, g, p), hit(1, g, p)],
    fp: [Number(p === 0 && g !== 0), Number(p === 1 && g !== 1)],
    fn: [Number(g === 0 && p !== 0), Number(g === 1 && p !== 1)],
    tn: [Number(g !== 0 && p !== 0), Number(g !== 1 && p !== 1)],
  };
}

/** The state a run over images [from, to) has: its rows, and totals that are their sums. */
function state(from: number, to: number): ConfusionState {
  const matrix = [
    [0, 0],
    [0, 0],
  ];
  const rows: ImageCounts[] = [];
  for (let i = from; i < to; i++) {
    matrix[i % 2][(i >> 1) % 2]++;
    rows.push(row(i));
  }
  const n = to - from;
  const tp = [matrix[0][0], matrix[1][1]];
  const fp = [matrix[1][0], matrix[0][1]];
  const fn = [matrix[0][1], matrix[1][0]];
  return {
    format: 'segkit.confusion',
    version: 1,
    mode: 'multiclass',
    numClasses: 2,
    ignoreIndex: null,
    threshold: null,
    perImage: true,
    images: n,
    pixels: n,
    ignored: 0,
    matrix,
    tp,
    fp,
    fn,
    tn: [0, 1].map((c) => n - tp[c] - fp[c] - fn[c]),
    rows,
  };
}

describe('ConfusionMatrix.merge and SurfaceAccumulator.merge of 500,000 per-image rows each', () => {
  it('the rows and totals of these states are what update() counts (on the first 4,096 images)', () => {
    const k = 4096;
    const gt = Uint8Array.from({ length: k }, (_, i) => i % 2);
    const pred = Uint8Array.from({ length: k }, (_, i) => (i >> 1) % 2);
    const counted = new ConfusionMatrix({ numClasses: 2, perImage: true }).update(
      { data: gt, shape: [k, 1] },
      { data: pred, shape: [k, 1] },
      { ids: ids.slice(0, k) },
    );
    // The generator writes the dense version-1 form; the accumulator writes the sparse version 2.
    const dense = state(0, k);
    expect(counted.imageStats()).toEqual(dense.rows);
    expect(counted.stats()).toEqual({ tp: dense.tp, fp: dense.fp, fn: dense.fn, tn: dense.tn });
    expect(counted.matrix()).toEqual(dense.matrix);
    expect(counted.toJSON()).toEqual(ConfusionMatrix.fromJSON(dense).toJSON());
  });

  it('ConfusionMatrix.merge(state) and merge(accumulator) of two halves equal the single run', () => {
    const single = ConfusionMatrix.fromJSON(state(0, 2 * HALF));
    const a = state(0, HALF);
    const b = state(HALF, 2 * HALF);
    const fromStates = new ConfusionMatrix({ numClasses: 2, perImage: true }).merge(a).merge(b);
    const fromObjects = ConfusionMatrix.fromJSON(a).merge(ConfusionMatrix.fromJSON(b));
    for (const merged of [fromStates, fromObjects]) {
      expect(merged.images).toBe(2 * HALF);
      expect(merged.stats()).toEqual(single.stats());
      const got = merged.imageStats();
      const want = single.imageStats();
      expect(got.length).toBe(want.length);
      let differing = 0;
      for (let i = 0; i < got.length; i++) {
        const [x, y] = [got[i], want[i]];
        if (
          x.id !== y.id ||
          x.tp.join() !== y.tp.join() ||
          x.fp.join() !== y.fp.join() ||
          x.fn.join() !== y.fn.join() ||
          x.tn.join() !== y.tn.join()
        )
          differing++;
      }
      expect(differing).toBe(0);
    }
    expect(fromStates.compute('dice', { reduction: 'macro-imagewise' })).toEqual(
      single.compute('dice', { reduction: 'macro-imagewise' }),
    );
  }, 600_000);

  it('SurfaceAccumulator.merge(state) and merge(accumulator) of two halves equal the single run', () => {
    const m = (v: number): SurfaceMetrics => ({
      hausdorff: v,
      hd: v,
      hdPredToGt: v,
      hdGtToPred: v,
      assd: v / 2,
      msdPredToGt: v / 2,
      msdGtToPred: v / 2,
      nsd: 1 / (1 + v),
      gtBoundary: 4,
      predBoundary: 4,
    });
    const metrics = [0, 1, 2, 3, 4].map(m);
    const fill = (acc: SurfaceAccumulator, from: number, to: number): SurfaceAccumulator => {
      for (let i = from; i < to; i++) acc.add(ids[i], [null, i % 7 === 0 ? null : metrics[i % 5]]);
      return acc;
    };
    const make = () => new SurfaceAccumulator({ numClasses: 2 });
    const single = fill(make(), 0, 2 * HALF);
    const a = fill(make(), 0, HALF);
    const b = fill(make(), HALF, 2 * HALF);
    const fromState = make().merge(a.toJSON()).merge(b.toJSON());
    const fromObject = make().merge(a).merge(b);
    for (const merged of [fromState, fromObject]) {
      expect(merged.images).toBe(2 * HALF);
      expect(merged.reduce('hd')).toEqual(single.reduce('hd'));
      expect(merged.reduce('nsd')).toEqual(single.reduce('nsd'));
    }
    expect(fromState.rows()[HALF]).toEqual({ id: `img_${HALF}`, classes: [null, metrics[HALF % 5]] });
  }, 600_000);

  it('merge compares settings without a state round trip: a threshold given explicitly is another setting', () => {
    const binary = (threshold?: number) => new ConfusionMatrix({ numClasses: 1, mode: 'binary', threshold });
    expect(() => binary(0.5).merge(binary())).toThrow(
      /ConfusionMatrix.merge: other.threshold must equal 0.5; got null\./,
    );
    expect(() => binary(0.5).merge(binary(0.5).toJSON())).not.toThrow();
    const self = new ConfusionMatrix({ numClasses: 2, perImage: true }).update(
      { data: [0, 1], shape: [2, 1] },
      { data: [0, 0], shape: [2, 1] },
    );
    expect(
      self
        .merge(self)
        .imageStats()
        .map((r) => r.fn),
    ).toEqual([
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 1],
    ]);
    expect(self.stats().fn).toEqual([0, 2]);
  });
});
