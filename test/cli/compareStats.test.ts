/**
 * The statistics of `segkit compare` over classes, regions and lesion measures, in-process on synthetic
 * evaluations (seeded fast-check): swapping the models mirrors every row, a region holding a class's values
 * gets the class's row, the lesion columns are the per-image lesion-wise values; and the reading of
 * `segkit.compare` version 1 documents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lesionMetrics } from '../../src/core/evaluation/components.js';
import type { LesionCounts } from '../../src/core/evaluation/components.js';
import { parseCompareResult } from '../../src/cli/compare/schema.js';
import {
  compareResults,
  formatAs,
  lowerIsBetter,
  measureLabel,
  pairedColumns,
} from '../../src/cli/compare/stats.js';
import type { CompareRow, ModelValues } from '../../src/cli/compare/stats.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';

const CI = { level: 0.9, resamples: 300, seed: 3, method: 'percentile' as const };

/** A synthetic evaluation: 2 classes (1, 2) of Dice, the regions' Dice, lesion counts of class 1 and the regions. */
function model(cls: number[][], reg: number[][], les: LesionCounts[][]): ModelValues {
  const R = reg[0]?.length ?? 0;
  const regions = Array.from({ length: R }, (_, k) => ({ name: `R${k}`, labels: [1] }));
  const result = {
    settings: { metrics: ['dice'], numClasses: 3, percentile: 95, regions, lesions: {} },
    classes: [
      { index: 1, name: 'a' },
      { index: 2, name: 'b' },
    ],
    images: cls.map((v, i) => ({ id: `i${i}`, metrics: { dice: v } })),
    regions: R ? { regions, images: reg.map((v) => ({ dice: v })), summary: {} } : null,
    lesions: { results: [{ index: 1, name: 'a' }, ...regions.map((r) => ({ index: null, name: r.name }))] },
  } as unknown as EvalResult;
  return { result, lesions: les };
}

const score = fc.double({ min: 0, max: 1, noNaN: true });
const counts = fc
  .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([g, t, p, tp2, frac]): LesionCounts => {
    const tp = Math.min(t, g);
    const tpPred = Math.min(tp2, p);
    return { gtLesions: g, tp, fn: g - tp, predLesions: p, tpPred, fp: p - tpPred, lesionDiceSum: tp * frac };
  });
/** n images of two models: class values (2), region values (1), lesion counts (class 1 and the region). */
const pairOfModels = fc
  .integer({ min: 3, max: 25 })
  .chain((n) =>
    fc.tuple(
      ...[0, 1].map(() =>
        fc.tuple(
          fc.array(fc.tuple(score, score), { minLength: n, maxLength: n }),
          fc.array(score, { minLength: n, maxLength: n }),
          fc.array(fc.tuple(counts, counts), { minLength: n, maxLength: n }),
        ),
      ),
    ),
  );
const build = ([cls, reg, les]: [[number, number][], number[], [LesionCounts, LesionCounts][]]) =>
  model(
    cls.map((c) => [...c]),
    reg.map((v) => [v]),
    les.map((l) => [...l]),
  );

describe('compareResults over classes, regions and lesion measures', () => {
  it('property: swapping A and B negates the differences and intervals, swaps R⁺/R⁻ and the verdicts, keeps p', () => {
    fc.assert(
      fc.property(pairOfModels, ([x, y]) => {
        const [a, b] = [build(x), build(y)];
        const [ab] = compareResults([a, b], CI, 0.2);
        const [ba] = compareResults([b, a], CI, 0.2);
        expect(ab.rows.map((r) => r.section)).toEqual([
          ...Array(3).fill('class'),
          'region',
          ...Array(6).fill('lesion'),
        ]);
        ab.rows.forEach((r, j) => {
          const s = ba.rows[j];
          // Exact negation up to the rounding of the bootstrap's sums.
          const close = (u: unknown, v: unknown) =>
            typeof u === 'number' ? expect(u).toBeCloseTo(v as number, 12) : expect(u).toBe(v);
          const neg = (v: unknown) => (typeof v === 'number' ? -v : v);
          close(neg(s.meanDiff), r.meanDiff);
          close(neg(s.ci[1]), r.ci[0]);
          close(neg(s.ci[0]), r.ci[1]);
          expect([s.wilcoxon.rPlus, s.wilcoxon.rMinus]).toEqual([r.wilcoxon.rMinus, r.wilcoxon.rPlus]);
          expect(s.wilcoxon.pvalue).toEqual(r.wilcoxon.pvalue);
          expect(s.pHolm).toEqual(r.pHolm);
          expect(s.better).toBe(r.better === null ? null : r.better === 'A' ? 'B' : 'A');
        });
      }),
      { seed: 41, numRuns: 60 },
    );
  });

  it('property: a region holding class 1’s values gets class 1’s row, whatever the other rows', () => {
    fc.assert(
      fc.property(pairOfModels, ([x, y]) => {
        const withRegion = (m: typeof x) => build([m[0], m[0].map((c) => c[0]), m[2]]);
        const [cmp] = compareResults([withRegion(x), withRegion(y)], CI);
        const strip = ({ section: _s, class: _c, region: _r, name: _n, ...rest }: CompareRow) => rest;
        const cls = cmp.rows.find((r) => r.section === 'class' && r.class === 1)!;
        const reg = cmp.rows.find((r) => r.section === 'region')!;
        expect(strip(reg)).toEqual(strip(cls));
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it('the lesion columns are the per-image lesion Dice, FN and FP of each lesion row', () => {
    fc.assert(
      fc.property(pairOfModels, ([x]) => {
        const m = build(x);
        const { keys, values } = pairedColumns(m);
        const at = (measure: string, region: string | null) =>
          values[
            keys.findIndex((k) => k.section === 'lesion' && k.metric === measure && k.region === region)
          ];
        x[2].forEach(([c1, r0], i) => {
          expect(at('lesionDice', null)[i]).toBe(lesionMetrics(c1).lesionDice);
          expect(at('lesionDice', 'R0')[i]).toBe(lesionMetrics(r0).lesionDice);
          expect(at('lesionFn', null)[i]).toBe(c1.fn);
          expect(at('lesionFp', 'R0')[i]).toBe(r0.fp);
        });
      }),
      { seed: 43, numRuns: 30 },
    );
  });

  it('without lesion counts of the states there are no lesion rows; the measures’ labels and directions', () => {
    const m = model([[0.5, 0.5]], [], []);
    expect(pairedColumns({ ...m, lesions: null }).keys.map((k) => k.section)).toEqual([
      'class',
      'class',
      'class',
    ]);
    expect(
      ['lesionDice', 'lesionFn', 'lesionFp', 'dice', 'hd95'].map((x) => lowerIsBetter(x as 'dice')),
    ).toEqual([false, true, true, false, true]);
    expect(measureLabel('lesionFp', 95)).toBe('lesion FP');
    expect(measureLabel('hd95', 90)).toBe('hd90');
    expect(formatAs('lesionDice')).toBe('dice');
    expect(formatAs('lesionFn')).toBe('assd');
  });
});

describe('parseCompareResult', () => {
  const v2 = {
    schema: 'segkit.compare',
    version: 2,
    settings: { metrics: ['dice'], regions: null, lesions: null, panoptic: null },
    comparisons: [
      {
        model: 1,
        against: 0,
        rows: [{ section: 'class', metric: 'dice', class: 1, region: null, name: '1', n: 3 }],
        images: [],
        worst: [],
      },
    ],
  };

  it('reads version 2 unchanged, and version 1 as version 2 (class rows, settings upgraded)', () => {
    expect(parseCompareResult(JSON.stringify(v2), 'x.json')).toEqual(v2);
    const v1 = {
      ...v2,
      version: 1,
      settings: { metrics: ['dice'] },
      comparisons: [{ ...v2.comparisons[0], rows: [{ metric: 'dice', class: 1, name: '1', n: 3 }] }],
    };
    const read = parseCompareResult(JSON.stringify(v1), 'x.json');
    expect(read).toEqual(v2);
    expect(Object.keys(read.comparisons[0].rows[0])).toEqual(Object.keys(v2.comparisons[0].rows[0]));
  });

  it('refuses other documents naming the file', () => {
    expect(() => parseCompareResult('{', 'bad.json')).toThrow(/'bad\.json' is not JSON\./);
    expect(() => parseCompareResult('{"schema":"segkit.eval","version":2}', 'e.json')).toThrow(
      /'e\.json' is not a segkit\.compare document/,
    );
    expect(() => parseCompareResult(JSON.stringify({ ...v2, version: 3 }), 'v3.json')).toThrow(
      /'v3\.json' has schema version 3; this segkit reads versions 1 and 2\./,
    );
    expect(() => parseCompareResult(JSON.stringify({ ...v2, comparisons: [{}] }), 'c.json')).toThrow(
      /'c\.json' is incomplete \(settings, comparisons\[\]\.rows\)\./,
    );
  });
});
