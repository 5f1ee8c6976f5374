/**
 * The results that one-line TSDoc `@example`s state are true. Each listed function's `@example` lines are read
 * from its source file, the call (left of `//`) is evaluated, and the stated result (right of `//`) is compared
 * with what the call returns: a number written with its decimals is compared to half a unit of its last digit,
 * an arithmetic expression (`13/16`, `(2*3)/(2*3+1+2)`) and an integer exactly (to 1e-12 relative), `≈ x` to
 * 1e-4; a bracketed result (`{ a: 5, wfp: 1 }`, `Float64Array [0, 1, 2]`) number by number against the
 * result's numbers in order; a quoted string exactly. So the stated numbers cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import * as io from '../../src/io/index.js';
import { numberAlgebra } from '../../src/core/algebra.js';
import * as scores from '../../src/core/scores.js';
import * as terms from '../../src/core/family/elementwiseTerms.js';
import * as focalReduction from '../../src/core/family/focalReduction.js';
import * as lovasz from '../../src/core/family/lovasz.js';
import * as reduce from '../../src/core/evaluation/reduce.js';
import * as regions from '../../src/core/evaluation/regions.js';
import * as bootstrap from '../../src/core/evaluation/stats/bootstrap.js';
import * as normal from '../../src/core/evaluation/stats/normal.js';
import * as wilcoxon from '../../src/core/evaluation/stats/wilcoxon.js';
import { percentile } from '../../src/core/evaluation/surface.js';
import { firstNonFinite } from '../../src/core/validate.js';
import { spacingFor } from '../../src/io/decodePng.js';
import { boxStats, finiteStat } from '../../src/cli/eval/reportCharts.js';
import { parseCiOptions } from '../../src/cli/eval/intervals.js';
import { overlayPixels } from '../../src/cli/demo/overlay.js';

const root = join(import.meta.dirname, '../..');

/**
 * The `cm` of ConfusionMatrix's examples: one 4×4 image 'case_01' with two classes, 8 pixels each in gt, one of
 * each predicted as the other class (class 0 and class 1: tp 7, fp 1, fn 1).
 */
const cm = new core.ConfusionMatrix({ numClasses: 2, perImage: true }).update(
  { data: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], shape: [1, 4, 4] },
  { data: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0], shape: [1, 4, 4] },
  { ids: ['case_01'] },
);

/** Every name an example may use. `d` is the derivative buffer of the `…(v, d, at)` helpers. */
const scope: Record<string, unknown> = {
  cm,
  ...core,
  ...io,
  ...scores,
  ...terms,
  ...focalReduction,
  ...lovasz,
  ...reduce,
  ...regions,
  ...bootstrap,
  ...normal,
  ...wilcoxon,
  numberAlgebra,
  percentile,
  firstNonFinite,
  spacingFor,
  boxStats,
  finiteStat,
  parseCiOptions,
  overlayPixels,
};

/** Source file → the functions whose one-line examples are checked (every example line of each). */
const CHECKED: Record<string, string[]> = {
  'src/core/evaluation/fromCounts.ts': [
    'metricFromCounts',
    'iouFromCounts',
    'diceFromCounts',
    'fbetaFromCounts',
    'precisionFromCounts',
    'recallFromCounts',
    'specificityFromCounts',
    'accuracyFromCounts',
    'balancedAccuracyFromCounts',
  ],
  'src/core/evaluation/stats/normal.ts': ['normalSf', 'normalCdf', 'normalPpf'],
  'src/core/evaluation/stats/bootstrap.ts': ['bootstrapMeans'],
  'src/core/evaluation/stats/wilcoxon.ts': ['wilcoxonSignedRank', 'holm'],
  'src/core/evaluation/surface.ts': ['distanceTransform', 'percentile'],
  'src/core/evaluation/regions.ts': ['resolveRegions'],
  'src/core/evaluation/panoptic.ts': ['panopticQuality'],
  'src/core/evaluation/reduce.ts': ['nanMean', 'reduceCounts', 'imageScores'],
  'src/core/evaluation/components.ts': ['connectedComponents'],
  'src/core/evaluation/confusionMatrix.ts': ['cm.sparseImageStats', 'cm.cells'],
  'src/core/validate.ts': ['firstNonFinite'],
  'src/core/losses/mccLoss.ts': ['mccLoss'],
  'src/core/losses/softBCEWithLogitsLoss.ts': ['softBCEWithLogitsLoss'],
  'src/core/losses/softCrossEntropyLoss.ts': ['softCrossEntropyLoss'],
  'src/core/losses/lovaszLoss.ts': ['lovaszLoss'],
  'src/core/family/lovasz.ts': ['lovaszClassList'],
  'src/core/scores.ts': [
    'fScoreShape',
    'iouShape',
    'tverskyShape',
    'ratioScore',
    'scaleShape',
    'ratioTermsOf',
    'unitTpShape',
    'ratioScoreOf',
    'ratioPartialsOf',
    'countCoefficientsOf',
    'weightedRatioScore',
    'scoreLossOf',
    'scoreLossDerivative',
    'scoreLoss',
    'focalPowerOf',
    'focalPowerDerivative',
    'focalPower',
    'logCoshOf',
    'logCosh',
    'reduceTermsOf',
    'generalizedDiceWeightOf',
  ],
  'src/core/family/elementwiseTerms.ts': [
    'kerasClipOf',
    'powOf',
    'crossEntropySideOf',
    'focalSideOf',
    'focalSideLogSlopeOf',
    'crossEntropySlopeOf',
    'normalisedSlopeOf',
    'kerasBceSideOf',
    'kerasBceSideSlopeOf',
    'binaryMixOf',
    'logSigmoidOf',
    'bceLogitsOf',
    'bceLogitsSlopeOf',
    'smoothBinaryTargetOf',
    'smoothTargetOf',
    'smpFocalFactorOf',
    'smpFocalFactorSlopeOf',
  ],
  'src/core/family/focalReduction.ts': [
    'focalReductionOf',
    'smpClassShares',
    'smpClassFactorOf',
    'smpClassFactors',
  ],
  'src/io/nifti.ts': ['formatIndex'],
  'src/io/readMask.ts': ['formatOf'],
  'src/io/checkLabels.ts': ['firstInvalidLabel'],
  'src/io/decodePng.ts': ['spacingFor'],
  'src/cli/eval/reportCharts.ts': ['finiteStat', 'boxStats'],
  'src/cli/eval/intervals.ts': ['parseCiOptions'],
  'src/cli/demo/overlay.ts': ['overlayPixels'],
};

interface Example {
  call: string;
  stated: string;
}

/** The one-line examples of `name` in `source`: `@example name(…) // result` (or `name.…`). */
function examplesOf(source: string, name: string): Example[] {
  const found: Example[] = [];
  const re = new RegExp(`@example\\s+(${name}[(.].*?)\\s//\\s(.*?)\\s*(?:\\*/)?$`, 'gm');
  for (const m of source.matchAll(re)) found.push({ call: m[1], stated: m[2] });
  return found;
}

/** The numbers of a result, in order: numbers, arrays, typed arrays and plain objects' values. */
function numbersOf(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.flatMap(numbersOf);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(numbersOf);
  return [];
}

/** A number written on its own (not the 1 of `q1` or the 64 of `Float64Array`). */
const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?/g;

interface Expected {
  values: number[];
  tolerances: number[];
}

/** The numbers a stated result claims, with the tolerance its writing implies. */
function expectedOf(stated: string): Expected | string {
  let s = stated.replace(/−/g, '-').replace(/[·×]/g, '*').trim();
  if (/^'.*'$/.test(s)) return s.slice(1, -1);
  const bracketed = /^(?:[A-Za-z0-9]+\s)?[{[]/.test(s);
  if (!bracketed) {
    s = s.split(/[:;,]|\s\(/)[0].trim();
    s = s.slice(s.lastIndexOf('=') + 1).trim();
  }
  const approx = s.startsWith('≈');
  if (approx) s = s.slice(1).trim();
  const digits = (literal: string): number => {
    const frac = /\.(\d+)/.exec(literal.split('e')[0]);
    const exp = /e(-?\d+)$/.exec(literal);
    return frac ? 0.5 * 10 ** (-frac[1].length + (exp ? Number(exp[1]) : 0)) : 0;
  };
  if (!bracketed && /^[-+*/().\s\de]+$/.test(s) && /\d[\s)]*[-+*/]/.test(s)) {
    const value = Number(new Function(`return (${s});`)());
    return { values: [value], tolerances: [approx ? 1e-4 : 1e-12 * Math.max(1, Math.abs(value))] };
  }
  const literals = s.match(NUMBER) ?? [];
  const values = literals.map(Number);
  const tolerances = literals.map((l, i) =>
    approx ? 1e-4 : Math.max(digits(l), 1e-12 * Math.abs(values[i])),
  );
  return { values, tolerances };
}

function run(call: string): unknown {
  const names = Object.keys(scope);
  const d = new Float64Array(1);
  return new Function(...names, 'd', `return (${call});`)(...names.map((n) => scope[n]), d);
}

describe('TSDoc one-line @examples state true results', () => {
  for (const [file, names] of Object.entries(CHECKED)) {
    const source = readFileSync(join(root, file), 'utf8');
    for (const name of names) {
      const examples = examplesOf(source, name);
      it(`${file}: ${name} has a one-line example with a stated result`, () => {
        expect(examples.length, `no '@example ${name}(…) // result' line in ${file}`).toBeGreaterThan(0);
      });
      for (const { call, stated } of examples) {
        it(`${name}: ${call} // ${stated}`, () => {
          const got = run(call);
          const expected = expectedOf(stated);
          if (typeof expected === 'string') {
            expect(got).toBe(expected);
            return;
          }
          const numbers = numbersOf(got);
          expect(expected.values.length, `no number in '${stated}'`).toBeGreaterThan(0);
          expect(numbers.length).toBeGreaterThanOrEqual(expected.values.length);
          expected.values.forEach((want, i) => {
            const tol = expected.tolerances[i];
            expect(
              Math.abs(numbers[i] - want),
              `${call} gives ${numbers[i]} at position ${i}; the example states ${want} ('${stated}')`,
            ).toBeLessThanOrEqual(tol);
          });
        });
      }
    }
  }
});
