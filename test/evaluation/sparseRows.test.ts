/**
 * SparseRowStore (the per-image rows of ConfusionMatrix in one typed-array pool): what is pushed is what is
 * read back, across the pool's growth, for appends of another store and of the store itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/core/evaluation/confusionMatrix.js';
import { SparseRowStore } from '../../src/core/evaluation/sparseRows.js';

const SEED = 1204;
const row = fc.record({
  id: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
  pixels: fc.nat(1000),
  counts: fc.array(fc.nat(1000), { maxLength: 40 }),
});
const plain = (r: { id: string | null; pixels: number; counts: ArrayLike<number> }) => ({
  id: r.id,
  pixels: r.pixels,
  counts: Array.from(r.counts),
});

describe('SparseRowStore keeps every row as pushed', () => {
  it('get(i) and map give the pushed rows; append(other) and append(self) add copies in order (property)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 200 }), fc.array(row, { maxLength: 50 }), (a, b) => {
        const s = new SparseRowStore();
        for (const r of a) s.push(r);
        expect(s.length).toBe(a.length);
        expect(s.map(plain)).toEqual(a.map(plain));
        const t = new SparseRowStore();
        for (const r of b) t.push(r);
        s.append(t);
        s.append(s);
        const want = [...a, ...b, ...a, ...b].map(plain);
        expect(Array.from({ length: s.length }, (_, i) => plain(s.get(i)))).toEqual(want);
        expect(s.idList()).toEqual(want.map((r) => r.id));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('ConfusionMatrix merged with itself doubles its rows and counts (rows stored once per image)', () => {
    const cm = new ConfusionMatrix({ numClasses: 3, perImage: true });
    cm.update({ data: [0, 1, 2, 2], shape: [1, 4] }, { data: [0, 2, 2, 1], shape: [1, 4] }, { ids: ['a'] });
    const one = cm.sparseImageStats();
    cm.merge(cm);
    expect(cm.sparseImageStats()).toEqual([...one, ...one]);
    // Class 2: tp 1 (pixel 2), fp 1 (pixel 1), fn 1 (pixel 3), in each copy.
    expect(cm.stats().tp[2]).toBe(2 * 1);
    expect(cm.stats().fp[2]).toBe(2 * 1);
  });
});

describe('ConfusionMatrix.imageScores gives the per-image values as columns', () => {
  it('column k, entry i equals compute(metric, { reduction: "none" }).value[i][k] (property, every count metric)', () => {
    const metrics = ['dice', 'iou', 'precision', 'recall', 'fbeta', 'specificity', 'mcc', 'npv'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(fc.nat(100), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(...metrics),
        fc.boolean(),
        (C, images, metric, includeBackground) => {
          const cm = new ConfusionMatrix({ numClasses: C, perImage: true });
          for (const [j, px] of images.entries()) {
            const gt = px.slice(0, 4).map((v) => v % C);
            const pred = px.slice(4).map((v) => v % C);
            cm.update({ data: gt, shape: [1, 4] }, { data: pred, shape: [1, 4] }, { ids: [`i${j}`] });
          }
          const options = { includeBackground, beta: 2 };
          const rows = cm.compute(metric, { ...options, reduction: 'none' }).value as number[][];
          const cols = cm.imageScores(metric, options);
          expect(cols).toHaveLength(rows[0].length);
          cols.forEach((col, k) => expect(Array.from(col)).toEqual(rows.map((r) => r[k])));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('refuses an accumulator without per-image counts', () => {
    expect(() => new ConfusionMatrix({ numClasses: 2 }).imageScores('dice')).toThrow(
      /ConfusionMatrix\.imageScores: per-image values need per-image counts; create the ConfusionMatrix with perImage: true\./,
    );
  });
});
