/**
 * One score table for numbers and tensors (issue 10, `formulaonce`): the table's formulas (src/core/scores.ts),
 * written once over the algebra of src/core/algebra.ts, give the same values on numbers (the core) and on TF.js
 * tensors (the op path); their closed-form derivatives equal TF.js autodiff of the same formula and central
 * differences; and a pin that the TF.js region and MCC files take their formulas from the table.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numberAlgebra as N } from '../../src/core/algebra.js';
import {
  type ClassTermConfig,
  type ScoreShape,
  classTermOf,
  countCoefficientsOf,
  fScoreShape,
  focalPowerOf,
  generalizedDiceWeightOf,
  iouShape,
  logCoshOf,
  mccSidesOf,
  ratioPartialsOf,
  ratioScoreOf,
  reduceTermsOf,
  scoreLossOf,
  tverskyShape,
} from '../../src/core/scores.js';
import { tensorAlgebra as T } from '../../src/tfjs/family/tensorAlgebra.js';
import { useBackend } from '../tfjs/setup.js';

const params = { seed: 20261204, numRuns: 60 };

beforeAll(async () => {
  await useBackend('cpu');
});

/** Relative closeness at float32 precision (the tensors are float32). */
function close32(a: number, b: number): boolean {
  if (a === b || Number.isNaN(b)) return a === b || Number.isNaN(a);
  return Math.abs(a - b) <= 2e-5 * Math.max(1, Math.abs(b));
}

const count = fc.double({ min: 0, max: 50, noNaN: true });
const shapeArb: fc.Arbitrary<ScoreShape> = fc.oneof(
  fc.double({ min: 0.25, max: 3, noNaN: true }).map((b) => fScoreShape(b)),
  fc.constantFrom(iouShape(), iouShape(2), tverskyShape(0.3, 0.7)),
);
const cfgArb: fc.Arbitrary<ClassTermConfig> = fc.record({
  smoothNr: fc.constantFrom(0, 1e-5, 1),
  smoothDr: fc.constantFrom(0, 1e-5, 1),
  eps: fc.constantFrom(0, 1e-7, 2),
  logLoss: fc.boolean(),
  emptyClass: fc.constantFrom('formula' as const, 'zero' as const, 'skip' as const),
});
/** Rows of (tp, fp, fn, G) per class; G = 0 in some classes (empty), f32-exact values. */
const rowsArb = fc
  .array(fc.tuple(count, count, count, fc.boolean()), { minLength: 1, maxLength: 6 })
  .map((rows) =>
    rows.map(([tp, fp, fn, empty]) => {
      const f = (x: number) => Math.fround(x);
      return { tp: f(tp), fp: f(fp), fn: f(fn), G: empty ? 0 : f(tp + fn + 1) };
    }),
  );

describe('the table on numbers and on tensors gives the same values', () => {
  it('classTermOf and reduceTermsOf: the core reduction equals the op path one, every option', () => {
    fc.assert(
      fc.property(
        rowsArb,
        shapeArb,
        cfgArb,
        fc.constantFrom(1, 0.75, 2),
        fc.constantFrom('mean' as const, 'sum' as const),
        fc.constantFrom('score' as const, 'loss' as const, 'normalized' as const),
        fc.constantFrom(1, 1.5),
        (rows, shape, cfg, gamma, reduction, classWeightMode, gammaOnMean) => {
          const w = rows.map((_, k) => 0.5 + k);
          let total = 0;
          let cnt = 0;
          let wsum = 0;
          const numTerms = rows.map((r, k) => {
            const c = classTermOf(N, shape, r.tp, r.fp, r.fn, r.G, w[k], cfg, gamma);
            total += c.term;
            cnt += c.included as number;
            wsum += (c.included as number) * w[k];
            return c.term;
          });
          const red = { reduction, classWeightMode };
          const numValue = reduceTermsOf(N, total, cnt, wsum, red, gammaOnMean).value;
          const [tensorTerms, tensorValue] = tf.tidy(() => {
            const col = (key: 'tp' | 'fp' | 'fn' | 'G') => tf.tensor1d(rows.map((r) => r[key]));
            const wt = tf.tensor1d(w);
            const c = classTermOf(T, shape, col('tp'), col('fp'), col('fn'), col('G'), wt, cfg, gamma);
            const inc = typeof c.included === 'number' ? tf.fill([rows.length], c.included) : c.included;
            const r = reduceTermsOf(
              T,
              tf.sum(c.term),
              tf.sum(inc),
              tf.sum(tf.mul(inc, wt)),
              red,
              gammaOnMean,
            );
            return [Array.from(c.term.dataSync()), r.value.dataSync()[0]];
          });
          numTerms.forEach((v, k) =>
            expect(close32(tensorTerms[k], v), `term ${k}: ${tensorTerms[k]} vs ${v}`).toBe(true),
          );
          expect(close32(tensorValue, numValue), `${tensorValue} vs ${numValue}`).toBe(true);
        },
      ),
      params,
    );
  });

  it('the one-argument forms: loss, focal power, log-cosh, generalized Dice weight, MCC sides', () => {
    const xs = [-0.5, 0, 1e-3, 0.25, 0.5, 1, 3];
    const onTensor = (f: (x: tf.Tensor) => tf.Tensor | number) =>
      tf.tidy(() => {
        const r = f(tf.tensor1d(xs));
        return typeof r === 'number' ? xs.map(() => r) : Array.from(r.dataSync());
      });
    const cases: [string, (x: number) => number, (x: tf.Tensor) => tf.Tensor | number][] = [
      ['1 − s', (x) => scoreLossOf(N, x, false, 0), (x) => scoreLossOf(T, x, false, 0)],
      ['−log s', (x) => scoreLossOf(N, x, true, 1e-7), (x) => scoreLossOf(T, x, true, 1e-7)],
      ['l^0.5', (x) => focalPowerOf(N, x, 0.5), (x) => focalPowerOf(T, x, 0.5)],
      ['l^2', (x) => focalPowerOf(N, x, 2), (x) => focalPowerOf(T, x, 2)],
      ['log cosh', (x) => logCoshOf(N, x), (x) => logCoshOf(T, x)],
      [
        '1/G²',
        (x) => generalizedDiceWeightOf(N, x, 'square') as number,
        (x) => generalizedDiceWeightOf(T, x, 'square'),
      ],
      [
        '1/G',
        (x) => generalizedDiceWeightOf(N, x, 'simple') as number,
        (x) => generalizedDiceWeightOf(T, x, 'simple'),
      ],
    ];
    for (const [name, num, ten] of cases) {
      const got = onTensor(ten);
      xs.forEach((x, i) =>
        expect(close32(got[i], num(x)), `${name}(${x}): ${got[i]} vs ${num(x)}`).toBe(true),
      );
    }
    const m = mccSidesOf(N, 3, 1, 2, 10);
    expect(m.num).toBe(3 * 10 - 1 * 2);
    expect(m.den).toBeCloseTo(Math.sqrt(4 * 5 * 11 * 12), 12);
  });

  it('hand values: a Dice term, the log loss clamp, the focal power at 0, the skipped empty class', () => {
    const cfg: ClassTermConfig = { smoothNr: 0, smoothDr: 0, eps: 0, logLoss: false, emptyClass: 'skip' };
    expect(classTermOf(N, fScoreShape(1), 3, 1, 2, 5, 2, cfg, 1).term).toBeCloseTo(2 * (1 - 6 / 9), 15);
    const empty = classTermOf(N, fScoreShape(1), 0, 1, 0, 0, 2, cfg, 1);
    expect([empty.term, empty.included]).toEqual([0, 0]);
    expect(scoreLossOf(N, 0, true, 1e-7)).toBeCloseTo(-Math.log(1e-7), 12);
    expect(focalPowerOf(N, 0, 0.5)).toBe(0);
    expect(focalPowerOf(N, NaN, 2)).toBeNaN();
    const mean = { reduction: 'mean' as const, classWeightMode: 'score' as const };
    // sm's 'score' mode: mean of w·(1 − s) plus 1 − mean(w) = 1 − mean(w·s).
    expect(reduceTermsOf(N, 0.5 * 2 + 0.25 * 1, 2, 3, mean, 1).value).toBeCloseTo(
      1 - (2 * 0.5 + 1 * 0.75) / 2,
      15,
    );
  });
});

describe('the closed-form derivatives are the derivatives of the same formula', () => {
  it('ratioPartialsOf equals TF.js autodiff of ratioScoreOf on tensors, and central differences on numbers', () => {
    fc.assert(
      fc.property(
        count,
        count,
        count,
        shapeArb,
        fc.constantFrom(0, 1e-5, 1),
        fc.constantFrom(0, 2),
        (tp0, fp0, fn0, shape, smooth, eps) => {
          const [tp, fp, fn] = [tp0 + 0.5, fp0 + 0.5, fn0 + 0.5].map(Math.fround);
          const parts = ratioScoreOf(N, shape, tp, fp, fn, smooth, smooth, eps);
          const d = ratioPartialsOf(N, shape, parts);
          const auto = tf.tidy(() =>
            tf
              .grads(
                (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
                  ratioScoreOf(T, shape, a, b, c, smooth, smooth, eps).s,
              )([tf.scalar(tp), tf.scalar(fp), tf.scalar(fn)])
              .map((g) => g.dataSync()[0]),
          );
          const h = 1e-6;
          const at = (i: number, e: number) => {
            const x = [tp, fp, fn];
            x[i] += e;
            return ratioScoreOf(N, shape, x[0], x[1], x[2], smooth, smooth, eps).s;
          };
          for (let i = 0; i < 3; i++) {
            expect(Math.abs(auto[i] - d[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(d[i])));
            const fd = (at(i, h) - at(i, -h)) / (2 * h);
            expect(Math.abs(fd - d[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(d[i])));
          }
          const [A, B] = countCoefficientsOf(N, d[0], d[1], d[2]);
          expect(A).toBe(d[0] - d[1] - d[2]);
          expect(B).toBe(d[1]);
        },
      ),
      params,
    );
  });
});

/** Source of a file under src/, with comments removed (the pin reads code, not prose). */
function code(path: string): string {
  const text = readFileSync(new URL(`../../src/${path}`, import.meta.url), 'utf8');
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('pin: the TF.js region and MCC code takes its formulas from the table', () => {
  // Alongside the numeric tests above and test/family/tfjsOps.test.ts (op path = core on every option); this
  // only catches a formula written again in these files.
  const FILES = [
    'tfjs/region.ts',
    'tfjs/family/regionOps.ts',
    'tfjs/family/smpOps.ts',
    'tfjs/family/regionLosses.ts',
  ];
  it.each(FILES)('%s imports the table and the tensor algebra', (f) => {
    const src = code(f);
    expect(src).toMatch(/from '(\.\.\/)+core\/scores\.js'/);
    if (f !== 'tfjs/family/regionLosses.ts') expect(src).toMatch(/tensorAlgebra\.js'/);
  });
  it.each(FILES)('%s computes no score, loss, focal power, log-cosh or MCC root itself', (f) => {
    const src = code(f);
    // The score shape's weights, the losses' log / power / root, the eps clamp: the table's business.
    expect(src).not.toMatch(/\.(a|wfp|wfn)\s*\)|\*\s*shape\.|tf\.mul\([^)]*shape\.(a|wfp|wfn)/);
    expect(src).not.toMatch(/tf\.(pow|log|log1p|sqrt|relu|maximum)\(/);
  });
  it("no file of src/ but the table reads a score shape's weights into arithmetic", () => {
    const others = [
      'core/family/region.ts',
      'core/family/regionFamily.ts',
      'core/evaluation/fromCounts.ts',
      'tfjs/region.ts',
    ];
    for (const f of others)
      expect(code(f), f).not.toMatch(/shape\.(a|wfp|wfn)\s*[*+/-]|[*+/-]\s*shape\.(a|wfp|wfn)\b/);
  });
});
