import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../../src/core/evaluation/confusionMatrix.js';
import { SurfaceAccumulator } from '../../../src/core/evaluation/surfaceAccumulator.js';
import type { SurfaceMetrics } from '../../../src/core/evaluation/types.js';

// The size: `push(...rows)` threw "Maximum call stack size exceeded" from about 300,000 rows. These
// tests take seconds on an idle machine (a minute or more on a loaded one), hence their long timeouts.
const HALF = 500_000;

/** 2·HALF one-pixel images of 3 classes from a seeded linear congruential generator. */
function labels(seed: number): Uint8Array {
  const out = new Uint8Array(2 * HALF);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) % 3;
  }
  return out;
}

const ids = Array.from({ length: 2 * HALF }, (_, i) => `img_${i}`);

describe('ConfusionMatrix.merge and SurfaceAccumulator.merge of 500,000 per-image rows each', () => {
  it('ConfusionMatrix.merge(state) of two halves equals the single run, per-image rows in order', () => {
    const gt = labels(1);
    const pred = labels(2);
    const opts = { numClasses: 3, perImage: true } as const;
    const part = (from: number, to: number): ConfusionMatrix =>
      new ConfusionMatrix(opts).update(
        { data: gt.subarray(from, to), shape: [to - from, 1] },
        { data: pred.subarray(from, to), shape: [to - from, 1] },
        { ids: ids.slice(from, to) },
      );
    const single = part(0, 2 * HALF);
    const a = part(0, HALF);
    const b = part(HALF, 2 * HALF);
    const fromStates = new ConfusionMatrix(opts).merge(a.toJSON()).merge(b.toJSON());
    const fromObjects = new ConfusionMatrix(opts).merge(a).merge(b);
    const expected = JSON.stringify(single.toJSON());
    expect(single.images).toBe(2 * HALF);
    expect(JSON.stringify(fromStates.toJSON())).toBe(expected);
    expect(JSON.stringify(fromObjects.toJSON())).toBe(expected);
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
    const row = (i: number) => [null, i % 7 === 0 ? null : m(i % 5)];
    const fill = (acc: SurfaceAccumulator, from: number, to: number): SurfaceAccumulator => {
      for (let i = from; i < to; i++) acc.add(ids[i], row(i));
      return acc;
    };
    const make = () => new SurfaceAccumulator({ numClasses: 2 });
    const single = fill(make(), 0, 2 * HALF);
    const a = fill(make(), 0, HALF);
    const b = fill(make(), HALF, 2 * HALF);
    const fromState = make().merge(a.toJSON()).merge(b.toJSON());
    const fromObject = make().merge(a).merge(b);
    expect(fromState.images).toBe(2 * HALF);
    const expected = single.reduce('hd');
    expect(fromState.reduce('hd')).toEqual(expected);
    expect(fromObject.reduce('assd')).toEqual(single.reduce('assd'));
    expect(fromState.rows()[HALF]).toEqual({ id: `img_${HALF}`, classes: [null, m(HALF % 5)] });
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
