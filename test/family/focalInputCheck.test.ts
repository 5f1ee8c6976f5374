/**
 * The family focal loss's JS loop checks its input inside the loop (issue 10, `cceonce`): on the JS path
 * (smp's normalized / reduced variants, softmax from probabilities, ignored pixels) a bad value anywhere that is
 * not ignored — in a selected channel or not — still throws the first offender's error (the message of the
 * former separate pass: pr before gt at the same index, indexes in data order), an ignored bad value throws
 * nothing, and `checkInputs: false` reads no check. Seeded fast-check over positions and values; the expected
 * message is computed here by scanning the data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { focalLoss } from '../../src/core/losses/focalLoss.js';

const [N, H, W, C] = [2, 3, 4, 3];
const n = N * H * W * C;
const params = { seed: 20261204, numRuns: 60 };

/** Seeded data: one-hot dense gt, probabilities summing to 1 per pixel, logits in [−3, 3]. */
function data(): { gt: Float64Array; prob: Float64Array; logit: Float64Array } {
  const gt = new Float64Array(n);
  const prob = new Float64Array(n);
  const logit = new Float64Array(n);
  for (let p = 0; p < n / C; p++) {
    gt[p * C + (p % C)] = 1;
    for (let c = 0; c < C; c++) {
      prob[p * C + c] = (1 + ((p + c) % 3)) / 6;
      logit[p * C + c] = ((p * 7 + c * 5) % 13) / 2 - 3;
    }
  }
  return { gt, prob, logit };
}

/** The first offender's message, as the former pass wrote it (pr, then gt, at each read index). */
function expected(
  gt: ArrayLike<number>,
  pr: ArrayLike<number>,
  logits: boolean,
  read: (i: number) => boolean,
): string | null {
  for (let i = 0; i < pr.length; i++) {
    if (!read(i)) continue;
    const x = pr[i];
    if (logits ? x - x !== 0 : !(x >= 0 && x <= 1)) {
      const what = logits ? 'finite logits' : 'probabilities in [0, 1]';
      return `focalLoss: pr must hold ${what}; got ${x} at index ${i}.`;
    }
    if (gt[i] - gt[i] !== 0) return `focalLoss: gt must hold finite values; got ${gt[i]} at index ${i}.`;
  }
  return null;
}

function thrown(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(RangeError);
    return (e as Error).message;
  }
}

const badLogit = fc.constantFrom(NaN, Infinity, -Infinity);
const badProb = fc.constantFrom(NaN, -0.5, 1.5, Infinity);
const badGt = fc.constantFrom(NaN, Infinity);
const at = fc.integer({ min: 0, max: n - 1 });

const dense: [string, object, boolean][] = [
  ['smp normalized (sigmoid, logits)', { preset: 'smp', normalized: true }, true],
  [
    'smp reducedThreshold, one class unselected',
    { preset: 'smp', reducedThreshold: 0.5, classIndexes: [0, 2] },
    true,
  ],
  ['softmax from probabilities', { activation: 'softmax' }, false],
  [
    'monai softmax from logits, one class unselected',
    { preset: 'monai', activation: 'softmax', classIndexes: [1, 2] },
    true,
  ],
];

describe('focalLoss JS loop: the in-loop check throws the first offender, as the separate pass did', () => {
  it.each(dense)('%s: bad pr and gt values at seeded places', (_, opts, logits) => {
    const loss = focalLoss({ layout: 'channelsLast', ...opts } as never);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(at, logits ? badLogit : badProb), { minLength: 0, maxLength: 3 }),
        fc.array(fc.tuple(at, badGt), { minLength: 0, maxLength: 2 }),
        (prBad, gtBad) => {
          const d = data();
          const pr = logits ? d.logit : d.prob;
          for (const [i, v] of prBad) pr[i] = v;
          for (const [i, v] of gtBad) d.gt[i] = v;
          const want = expected(d.gt, pr, logits, () => true);
          const shape = [N, H, W, C];
          expect(thrown(() => loss.valueAndGrad({ data: d.gt, shape }, { data: pr, shape }))).toBe(want);
          // Unchecked: no error (the numbers are whatever IEEE arithmetic gives).
          const unchecked = focalLoss({ layout: 'channelsLast', ...opts, checkInputs: false } as never);
          expect(thrown(() => unchecked.valueAndGrad({ data: d.gt, shape }, { data: pr, shape }))).toBe(null);
        },
      ),
      params,
    );
  });

  it('label map with ignoreIndex: a bad logit of an ignored pixel throws nothing, elsewhere the first one', () => {
    const loss = focalLoss({
      preset: 'monai',
      activation: 'softmax',
      ignoreIndex: 255,
      layout: 'channelsLast',
    });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: n / C - 1 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(at, badLogit), { minLength: 1, maxLength: 3 }),
        (ignored, prBad) => {
          const labels = new Int32Array(n / C);
          for (let p = 0; p < labels.length; p++) labels[p] = p % C;
          for (const p of ignored) labels[p] = 255;
          const pr = data().logit;
          for (const [i, v] of prBad) pr[i] = v;
          const want = expected(new Float64Array(n), pr, true, (i) => labels[Math.floor(i / C)] !== 255);
          const got = thrown(() =>
            loss.valueAndGrad({ data: labels, shape: [N, H, W] }, { data: pr, shape: [N, H, W, C] }),
          );
          expect(got).toBe(want);
        },
      ),
      params,
    );
  });
});
