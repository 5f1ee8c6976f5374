import { describe, expect, it } from 'vitest';
import { ClassCounter, classWeights, diceLoss } from '../../src/index.js';
import { randomPair } from './random.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('ClassCounter: streaming per-class pixel counts', () => {
  it('counts label maps image by image, skipping the ignore value', () => {
    const c = new ClassCounter(3, { ignoreIndex: 255 });
    c.addLabels({ data: new Uint8Array([0, 0, 1, 255, 2, 2, 2, 0]), shape: [2, 2, 2] });
    c.addLabels(new Uint8Array([1, 1])); // a bare array is one image
    expect(c.counts).toEqual([3, 3, 3]);
    expect(c.images).toBe(3);
    expect(c.toJSON()).toEqual({
      numClasses: 3,
      ignoreIndex: 255,
      counts: [3, 3, 3],
      images: 3,
      imagesWithClass: [2, 2, 1],
      pixelsInImagesWithClass: [3 + 4, 3 + 2, 4],
    });
  });

  it('counts one-hot arrays in both layouts', () => {
    const { gt } = randomPair(1, [2, 3, 3, 4]);
    const a = new ClassCounter(4).addOneHot(gt);
    const labels = new Uint8Array(18);
    for (let p = 0; p < 18; p++) for (let k = 0; k < 4; k++) if (gt.data[p * 4 + k] === 1) labels[p] = k;
    const b = new ClassCounter(4).addLabels({ data: labels, shape: [2, 3, 3] });
    expect(a.toJSON()).toEqual({ ...b.toJSON() });
    const first = new Float64Array(72);
    for (let n = 0; n < 2; n++)
      for (let p = 0; p < 9; p++)
        for (let k = 0; k < 4; k++) first[(n * 4 + k) * 9 + p] = gt.data[(n * 9 + p) * 4 + k];
    expect(
      new ClassCounter(4).addOneHot({ data: first, shape: [2, 4, 3, 3] }, { layout: 'channelsFirst' }).counts,
    ).toEqual(a.counts);
  });

  it('round-trips through JSON and merges counters', () => {
    const a = new ClassCounter(2).addLabels({ data: [0, 1, 1], shape: [1, 3] });
    const b = ClassCounter.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.merge(a).counts).toEqual([2, 4]);
    expect(b.images).toBe(2);
  });

  it('rejects labels outside [0, C − 1] without changing its counts', () => {
    const c = new ClassCounter(3, { ignoreIndex: 255 });
    expect(() => c.addLabels({ data: [0, 1, 7], shape: [1, 3] })).toThrow(
      /^ClassCounter\.addLabels: labels must be integers in \[0, 2\] or the ignore index 255; got 7 at index 2\.$/,
    );
    expect(() => c.addLabels({ data: [0.5], shape: [1, 1] })).toThrow(/got 0\.5 at index 0\.$/);
    expect(c.counts).toEqual([0, 0, 0]);
    expect(() => new ClassCounter(0)).toThrow(
      /^ClassCounter: numClasses must be a positive integer; got 0\.$/,
    );
    expect(() => new ClassCounter(2).addOneHot({ data: [1, 0, 0], shape: [1, 1, 3] })).toThrow(
      /^ClassCounter\.addOneHot: gt must have 2 channels, one per class; got 3/,
    );
    expect(() => new ClassCounter(2).addOneHot({ data: [1, -1], shape: [1, 1, 2] })).toThrow(
      /^ClassCounter\.addOneHot: gt values must be finite and ≥ 0; got -1 at index 1\.$/,
    );
  });
});

describe('classWeights(counts, { method, beta })', () => {
  it("'inverse' is 1/n normalised to mean 1", () => {
    const w = classWeights([300, 100]);
    expect(w[0]).toBeCloseTo(0.5, 14);
    expect(w[1]).toBeCloseTo(1.5, 14);
  });

  it("'inverseSqrt' is 1/√n normalised to mean 1", () => {
    const w = classWeights([400, 100], { method: 'inverseSqrt' });
    expect(w[1] / w[0]).toBeCloseTo(2, 14);
    expect(mean(w)).toBeCloseTo(1, 14);
  });

  it("'effective' is (1 − β)/(1 − β^n) (Cui et al. 2019), β = 0.9999 by default", () => {
    const w = classWeights([1000, 10], { method: 'effective' });
    const e = (n: number) => (1 - 0.9999) / (1 - 0.9999 ** n);
    expect(w[1] / w[0]).toBeCloseTo(e(10) / e(1000), 10);
    expect(classWeights([5, 50], { method: 'effective', beta: 0 })).toEqual([1, 1]);
  });

  it("'median' is median frequency balancing (Eigen & Fergus 2015) from the counter's presence", () => {
    const c = new ClassCounter(3);
    c.addLabels({ data: [0, 0, 0, 1], shape: [1, 4] }); // f0 = 5/8, f1 = 2/8 (present in both images), f2 = 1/4
    c.addLabels({ data: [0, 0, 1, 2], shape: [1, 4] });
    const f = [5 / 8, 2 / 8, 1 / 4];
    const med = 1 / 4;
    const raw = f.map((x) => med / x);
    const w = classWeights(c, { method: 'median' });
    w.forEach((x, k) => expect(x).toBeCloseTo((raw[k] * 3) / (raw[0] + raw[1] + raw[2]), 14));
    expect(classWeights(c.toJSON(), { method: 'median' })).toEqual(w);
  });

  it('weights average to 1, so a weighted Dice loss stays in [0, 1]', () => {
    const { gt, pr } = randomPair(7, [2, 4, 4, 3]);
    const w = classWeights(new ClassCounter(3).addOneHot(gt));
    expect(mean(w)).toBeCloseTo(1, 14);
    const v = diceLoss({ classWeights: w }).value(gt, pr);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  });

  it('an empty class gets weight 0 (finite), and all-empty counts give all ones', () => {
    for (const method of ['inverse', 'inverseSqrt', 'effective'] as const) {
      const w = classWeights([10, 0, 30], { method });
      expect(w[1]).toBe(0);
      expect(w.every(Number.isFinite)).toBe(true);
      expect(mean(w)).toBeCloseTo(1, 14);
    }
    expect(classWeights([0, 0])).toEqual([1, 1]);
    expect(
      classWeights(new ClassCounter(2).addLabels({ data: [0, 0], shape: [1, 2] }), { method: 'median' }),
    ).toEqual([2, 0]);
  });

  it('rejects negative or non-finite counts, unknown methods and a bad beta', () => {
    expect(() => classWeights([1, -2])).toThrow(RangeError);
    expect(() => classWeights([1, -2])).toThrow(/^classWeights: counts\[1\] must be ≥ 0; got -2\.$/);
    expect(() => classWeights([Infinity, 2])).toThrow(
      /^classWeights: counts\[0\] must be a finite number; got Infinity\.$/,
    );
    expect(() => classWeights([])).toThrow(
      /^classWeights: counts must have one entry per class; got \[\]\.$/,
    );
    expect(() => classWeights([1, 2], { method: 'log' as never })).toThrow(
      /^classWeights: method must be one of 'inverse', 'inverseSqrt', 'effective', 'median'; got 'log'\.$/,
    );
    expect(() => classWeights([1, 2], { method: 'effective', beta: 1 })).toThrow(
      /^classWeights: beta must be in \[0, 1\); got 1\.$/,
    );
    expect(() => classWeights([1, 2], { method: 'median' })).toThrow(
      /^classWeights: counts must be a ClassCounter or its state for method 'median'/,
    );
    expect(() => classWeights([1, 2], { methods: 'inverse' } as never)).toThrow(
      /^classWeights: options must only use the keys method, beta; got 'methods'\.$/,
    );
  });
});
