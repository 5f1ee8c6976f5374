/**
 * Library inputs: NaN and ±Infinity in scores are refused with a RangeError naming the argument, never counted
 * as a class or as foreground.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfusionMatrix,
  boundary,
  distanceTransform,
  surfaceDistances,
  surfaceDistancesPerClass,
} from '../../../src/core/evaluation/index.js';

const BAD = [NaN, Infinity, -Infinity] as const;

describe('ConfusionMatrix.update refuses non-finite scores', () => {
  it.each(BAD)('multiclass class scores holding %s are a RangeError naming pred and the index', (bad) => {
    const cm = new ConfusionMatrix({ numClasses: 2 });
    const scores = Float32Array.from([0.2, 0.8, 0.6, 0.4]); // [N=1, C=2, 2] channels first
    scores[2] = bad;
    expect(() =>
      cm.update({ data: Uint8Array.from([1, 0]), shape: [1, 2] }, { data: scores, shape: [1, 2, 2] }),
    ).toThrow(
      new RangeError(
        `ConfusionMatrix.update: pred must hold finite scores; got ${String(bad)} at index 2 (position [0,1,0]).`,
      ),
    );
    // nothing was counted
    expect(cm.images).toBe(0);
    expect(cm.stats().tp).toEqual([0, 0]);
  });

  it.each(BAD)('binary scores holding %s are a RangeError naming pred', (bad) => {
    const cm = new ConfusionMatrix({ numClasses: 1, mode: 'binary' });
    expect(() =>
      cm.update(
        { data: Uint8Array.from([1, 0, 1]), shape: [1, 3] },
        { data: Float64Array.from([0.9, bad, 0.1]), shape: [1, 3] },
      ),
    ).toThrow(/^ConfusionMatrix\.update: pred must hold finite scores; got -?(NaN|Infinity) at index 1 /);
  });

  it.each(BAD)('multilabel scores holding %s are a RangeError naming pred', (bad) => {
    const cm = new ConfusionMatrix({ numClasses: 2, mode: 'multilabel', threshold: 0.3 });
    expect(() =>
      cm.update(
        { data: Uint8Array.from([1, 0, 0, 1]), shape: [1, 2, 2] },
        { data: [0.9, 0.1, 0.2, bad], shape: [1, 2, 2] },
      ),
    ).toThrow(/ConfusionMatrix\.update: pred must hold finite scores; got -?(NaN|Infinity) at index 3 /);
  });

  it('finite scores of any size still count as before (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e30, max: 1e30, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (values) => {
          const n = values.length;
          const gt = Uint8Array.from(values, (v, i) => (i % 3 === 0 ? 1 : 0));
          const cm = new ConfusionMatrix({ numClasses: 1, mode: 'binary', threshold: 0 });
          cm.update({ data: gt, shape: [1, n] }, { data: Float64Array.from(values), shape: [1, n] });
          const s = cm.stats();
          let tp = 0;
          let fp = 0;
          // One threshold rule across the library (issue 10): a score counts when it is strictly above.
          values.forEach((v, i) => {
            if (v > 0 && gt[i] === 1) tp++;
            if (v > 0 && gt[i] === 0) fp++;
          });
          expect([s.tp[0], s.fp[0]]).toEqual([tp, fp]);
        },
      ),
      { seed: 12, numRuns: 100 },
    );
  });
});

describe('surface functions refuse non-finite values', () => {
  const mask = (v: number) => ({ data: Float64Array.from([0, 1, v, 0]), shape: [2, 2] });
  const ok = { data: Float64Array.from([0, 1, 1, 0]), shape: [2, 2] };

  it.each(BAD)('surfaceDistances(gt, pred) with %s in gt or pred is a RangeError naming it', (bad) => {
    expect(() => surfaceDistances(mask(bad), ok)).toThrow(
      new RangeError(`surfaceDistances: gt must hold finite values; got ${String(bad)} at index 2.`),
    );
    expect(() => surfaceDistances(ok, mask(bad))).toThrow(
      new RangeError(`surfaceDistances: pred must hold finite values; got ${String(bad)} at index 2.`),
    );
  });

  it.each(BAD)('boundary and distanceTransform with %s are a RangeError naming the argument', (bad) => {
    expect(() => boundary(mask(bad))).toThrow(
      /^boundary: mask must hold finite values; got -?(NaN|Infinity) at index 2\.$/,
    );
    expect(() => distanceTransform(mask(bad))).toThrow(
      /^distanceTransform: features must hold finite values; got -?(NaN|Infinity) at index 2\.$/,
    );
  });

  it.each(BAD)('surfaceDistancesPerClass with %s is a RangeError naming the argument', (bad) => {
    expect(() => surfaceDistancesPerClass(ok, mask(bad), { numClasses: 2 })).toThrow(
      /^surfaceDistancesPerClass: pred labels must be integers; got -?(NaN|Infinity) at index 2\.$/,
    );
  });

  it('finite non-zero values are still foreground: a 0/1 mask and its 0/7.5 copy measure the same', () => {
    const a = { data: Float64Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0]), shape: [3, 3] };
    const b = { data: Float64Array.from(a.data, (v) => v * 7.5), shape: [3, 3] };
    const p = { data: Float64Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0]), shape: [3, 3] };
    expect(surfaceDistances(b, p)).toEqual(surfaceDistances(a, p));
    expect(boundary(b)).toEqual(boundary(a));
  });
});
