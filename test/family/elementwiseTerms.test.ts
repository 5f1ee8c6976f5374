/**
 * One per-element formula for numbers and tensors (issue 10, `tfjsonce`): the elementwise losses' terms
 * (src/core/family/elementwiseTerms.ts), written once over the algebra of src/core/algebra.ts, give the same
 * values on numbers (the core's JS loops) and on TF.js float32 tensors (the op path) over a seeded grid of inputs
 * and options; their closed-form derivatives equal TF.js autodiff of the same formula and central differences
 * in float64; hand values written as arithmetic; and a pin that the TF.js and core files take their formulas
 * from the one file.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numberAlgebra as N } from '../../src/core/algebra.js';
import {
  KERAS_CLIP_HI,
  KERAS_CLIP_LO,
  bceLogitsOf,
  bceLogitsSlopeOf,
  binaryMixOf,
  crossEntropySideOf,
  crossEntropySlopeOf,
  focalSideLogSlopeOf,
  focalSideOf,
  kerasBceSideOf,
  kerasBceSideSlopeOf,
  kerasClipOf,
  logSigmoidOf,
  normalisedSlopeOf,
  powOf,
  smoothBinaryTargetOf,
  smoothTargetOf,
  smpFocalFactorOf,
  smpFocalFactorSlopeOf,
} from '../../src/core/family/elementwiseTerms.js';
import { logSigmoid, sigmoid } from '../../src/core/family/input.js';
import { cceRun } from '../../src/core/kernels/crossEntropy.js';
import {
  focalReductionOf,
  smpClassFactorOf,
  smpClassFactors,
  smpClassShares,
} from '../../src/core/family/focalReduction.js';
import { bceLogitsGrad, bceLogitsValue } from '../../src/core/family/softBce.js';
import { tensorAlgebra as T } from '../../src/tfjs/family/tensorAlgebra.js';
import { useBackend } from '../tfjs/setup.js';

const params = { seed: 20261204, numRuns: 80 };

beforeAll(async () => {
  await useBackend('cpu');
});

/** Closeness at float32 precision (the tensors are float32): relative, with an absolute floor of 1e-6. */
function close32(a: number, b: number, tol = 3e-5): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tol * Math.max(1e-1, Math.abs(b));
}

/** A float32-exact double (so numbers and tensors start from the same input). */
const f32 = (v: number) => Math.fround(v);
const prob = fc.double({ min: 1e-4, max: 1 - 1e-4, noNaN: true }).map(f32);
const logit = fc.double({ min: -30, max: 30, noNaN: true }).map(f32);
const target = fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }).map(f32));
const gammaArb = fc.constantFrom(0, 0.5, 1, 2, 2.7, 4);

/** A term on a scalar tensor, read back. */
function onTensor(f: (x: tf.Tensor) => tf.Tensor | number, x: number): number {
  return tf.tidy(() => {
    const r = f(tf.scalar(x));
    return typeof r === 'number' ? r : r.dataSync()[0];
  });
}

/** d/dx of a term on tensors by TF.js autodiff. */
function autodiff(f: (x: tf.Tensor) => tf.Tensor, x: number): number {
  return tf.tidy(
    () =>
      tf
        .grad((v: tf.Tensor) => tf.sum(f(v)))(tf.scalar(x))
        .dataSync()[0],
  );
}

/** Central difference in float64. */
function central(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('numbers = tensors: each per-element term agrees on a seeded grid (float64 vs float32)', () => {
  it('the focal side (1 − q)^γ·(−log q) and its log-slope, every γ', () => {
    fc.assert(
      fc.property(prob, gammaArb, (q, g) => {
        const omq = 1 - q;
        const vN = focalSideOf(N, omq, Math.log(q), g);
        const vT = onTensor((x) => focalSideOf(T, tf.sub(1, x), tf.log(x), g), q);
        const sN = focalSideLogSlopeOf(N, q, omq, Math.log(q), g) as number;
        const sT = onTensor((x) => focalSideLogSlopeOf(T, x, tf.sub(1, x), tf.log(x), g), q);
        expect(close32(vT, vN), `value q=${q} γ=${g}: ${vT} vs ${vN}`).toBe(true);
        expect(close32(sT, sN), `slope q=${q} γ=${g}: ${sT} vs ${sN}`).toBe(true);
      }),
      params,
    );
  });
  it("Keras' BCE sides −log(q + ε) and their slopes, mixed by a soft target", () => {
    fc.assert(
      fc.property(prob, target, (p, t) => {
        const q = kerasClipOf(N, p);
        const vN = binaryMixOf(N, t, kerasBceSideOf(N, q), kerasBceSideOf(N, 1 - q));
        const vT = onTensor((x) => {
          const qt = kerasClipOf(T, x);
          return binaryMixOf(T, t, kerasBceSideOf(T, qt), kerasBceSideOf(T, tf.sub(1, qt)));
        }, p);
        expect(close32(vT, vN)).toBe(true);
        expect(
          close32(
            onTensor((x) => kerasBceSideSlopeOf(T, x), q),
            kerasBceSideSlopeOf(N, q),
          ),
        ).toBe(true);
      }),
      params,
    );
  });
  it('log σ, BCE from logits with a positive weight, and its slope', () => {
    fc.assert(
      fc.property(logit, target, fc.constantFrom(1, 0.5, 3), (x, t, w) => {
        expect(
          close32(
            onTensor((v) => logSigmoidOf(T, v), x),
            logSigmoidOf(N, x),
          ),
        ).toBe(true);
        expect(
          close32(
            onTensor((v) => bceLogitsOf(T, v, t, w), x),
            bceLogitsOf(N, x, t, w),
          ),
        ).toBe(true);
        expect(
          close32(
            onTensor((v) => bceLogitsSlopeOf(T, v, t, w), x),
            bceLogitsSlopeOf(N, x, t, w),
          ),
        ).toBe(true);
      }),
      params,
    );
  });
  it("smp's focal factor (plain and reduced) and its slope", () => {
    fc.assert(
      fc.property(prob, gammaArb, fc.constantFrom(undefined, 0.5, 0.9), (pt, g, th) => {
        const fN = smpFocalFactorOf(N, pt, g, th);
        const dN = smpFocalFactorSlopeOf(N, pt, g, th);
        expect(
          close32(
            onTensor((v) => smpFocalFactorOf(T, v, g, th), pt),
            fN,
          ),
        ).toBe(true);
        expect(
          close32(
            onTensor((v) => smpFocalFactorSlopeOf(T, v, g, th), pt),
            dN as number,
          ),
        ).toBe(true);
      }),
      params,
    );
  });
  it('label smoothing (binary and softmax) and the clip', () => {
    fc.assert(
      fc.property(
        target,
        fc.constantFrom(0, 0.05, 0.1, 0.5),
        fc.integer({ min: 2, max: 9 }),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (t, s, C, p) => {
          expect(
            close32(
              onTensor((v) => smoothBinaryTargetOf(T, v, s), t),
              smoothBinaryTargetOf(N, t, s),
            ),
          ).toBe(true);
          expect(
            close32(
              onTensor((v) => smoothTargetOf(T, v, s, C), t),
              smoothTargetOf(N, t, s, C),
            ),
          ).toBe(true);
          expect(onTensor((v) => kerasClipOf(T, v), f32(p))).toBe(kerasClipOf(N, f32(p)));
        },
      ),
      params,
    );
  });
});

describe('closed form = derivative of the same formula', () => {
  it('focal side: log-slope·(1/q) = autodiff on tensors = central difference in float64', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.02, max: 0.98, noNaN: true }).map(f32), gammaArb, (q, g) => {
        const closed = (focalSideLogSlopeOf(N, q, 1 - q, Math.log(q), g) as number) / q;
        const fd = central((v) => focalSideOf(N, 1 - v, Math.log(v), g), q);
        const ad = autodiff((x) => focalSideOf(T, tf.sub(1, x), tf.log(x), g), q);
        expect(Math.abs(closed - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
        expect(close32(ad, closed, 1e-4)).toBe(true);
      }),
      params,
    );
  });
  it('BCE from logits: slope = autodiff = central difference', () => {
    fc.assert(
      fc.property(logit, target, fc.constantFrom(1, 0.5, 3), (x, t, w) => {
        const closed = bceLogitsSlopeOf(N, x, t, w);
        const fd = central((v) => bceLogitsOf(N, v, t, w), x, 1e-5);
        expect(Math.abs(closed - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
        expect(
          close32(
            autodiff((v) => bceLogitsOf(T, v, t, w), x),
            closed,
            1e-4,
          ),
        ).toBe(true);
      }),
      params,
    );
  });
  it("Keras' BCE side and smp's focal factor: slope = central difference", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.02, max: 0.98, noNaN: true }),
        gammaArb,
        fc.constantFrom(undefined, 0.5),
        (q, g, th) => {
          expect(kerasBceSideSlopeOf(N, q)).toBeCloseTo(
            central((v) => kerasBceSideOf(N, v), q),
            5,
          );
          // ∂f/∂u with u = 1 − p_t; skip the reduced factor's step at p_t = th.
          if (th !== undefined && Math.abs(q - th) < 1e-3) return;
          const fd = -central((v) => smpFocalFactorOf(N, v, g, th), q);
          const closed = smpFocalFactorSlopeOf(N, q, g, th) as number;
          expect(Math.abs(closed - fd)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(fd)));
        },
      ),
      params,
    );
  });
  it("sm's CCE through the per-pixel normalisation: (u_j − Σ u_c·r_c)/s = central difference = autodiff", () => {
    const pixel = fc
      .integer({ min: 2, max: 6 })
      .chain((K) =>
        fc.tuple(
          fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }).map(f32), { minLength: K, maxLength: K }),
          fc.array(fc.constantFrom<number>(0, 0.25, 1, 2.5), { minLength: K, maxLength: K }),
        ),
      );
    fc.assert(
      fc.property(pixel, ([pr, gw]) => {
        // L(pr) = Σ_c gw_c·(−log(pr_c / Σ pr)), no clip (every r_c ≥ 0.05/6 is inside it).
        const loss = (p: number[]) => {
          const s = p.reduce((a, b) => a + b, 0);
          return p.reduce((a, v, c) => a + gw[c] * crossEntropySideOf(N, Math.log(v / s)), 0);
        };
        const s = pr.reduce((a, b) => a + b, 0);
        const r = pr.map((v) => v / s);
        const u = r.map((q, c) => crossEntropySlopeOf(N, gw[c], q));
        const dot = u.reduce((a, v, c) => a + v * r[c], 0);
        // Σ u_c·r_c = −Σ gw_c (what cceRun uses instead of the products).
        expect(dot).toBeCloseTo(-gw.reduce((a, b) => a + b, 0), 12);
        const ad = tf.tidy(() =>
          Array.from(
            tf
              .grad((x: tf.Tensor) =>
                tf.sum(tf.mul(tf.tensor1d(gw), crossEntropySideOf(T, tf.log(tf.div(x, tf.sum(x)))))),
              )(tf.tensor1d(pr))
              .dataSync(),
          ),
        );
        const onT = tf.tidy(() => {
          const rt = tf.tensor1d(r);
          const ut = crossEntropySlopeOf(T, tf.tensor1d(gw), rt);
          return Array.from(normalisedSlopeOf(T, ut, tf.sum(tf.mul(ut, rt)), s).dataSync());
        });
        for (let j = 0; j < pr.length; j++) {
          const closed = normalisedSlopeOf(N, u[j], dot, s);
          const fd = central((v) => loss(pr.map((x, c) => (c === j ? v : x))), pr[j], 1e-6);
          expect(Math.abs(closed - fd)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(fd)));
          expect(close32(ad[j], closed, 1e-4)).toBe(true);
          expect(close32(onT[j], closed, 1e-4)).toBe(true);
        }
      }),
      params,
    );
  });
  it("cceRun's written-out gradient (one-hot and soft pixels) = crossEntropySlopeOf / normalisedSlopeOf", () => {
    const pixel = fc.integer({ min: 2, max: 6 }).chain((K) =>
      fc.tuple(
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }).map(f32), { minLength: K, maxLength: K }),
        fc.oneof(
          fc
            .integer({ min: 0, max: K - 1 })
            .map((h) => Array.from({ length: K }, (_, c) => (c === h ? 1 : 0))),
          fc.array(fc.constantFrom<number>(0, 0.25, 0.5, 1), { minLength: K, maxLength: K }),
        ),
        fc.array(fc.constantFrom<number>(0.5, 1, 3), { minLength: K, maxLength: K }),
        fc.constantFrom(1, 0.125),
      ),
    );
    fc.assert(
      fc.property(pixel, ([pr, gt, w, scale]) => {
        const K = pr.length;
        const grad = new Float32Array(K);
        const value = cceRun(
          Float32Array.from(gt),
          Float32Array.from(pr),
          grad,
          0,
          1,
          K,
          Int32Array.from({ length: K }, (_, c) => c),
          Float64Array.from(w),
          scale,
          new Float64Array(K),
        );
        const s = pr.reduce((a, b) => a + b, 0);
        const r = pr.map((v) => v / s);
        const u = r.map((q, c) => crossEntropySlopeOf(N, scale * gt[c] * w[c], q));
        const dot = u.reduce((a, v, c) => a + v * r[c], 0);
        const want = r.reduce((a, q, c) => a + gt[c] * w[c] * crossEntropySideOf(N, Math.log(q)), 0);
        expect(value).toBeCloseTo(want, 10);
        for (let j = 0; j < K; j++)
          expect(close32(grad[j], normalisedSlopeOf(N, u[j], dot, s), 1e-6)).toBe(true);
      }),
      params,
    );
  });
  it('the guarded power passes no NaN gradient at 0 on tensors (γ < 1)', () => {
    expect(autodiff((x) => tf.mul(powOf(T, x, 0.5), 1), 0)).toBe(0);
    expect(onTensor((x) => powOf(T, x, 0.5), 0)).toBe(0);
    expect(powOf(N, 0, 0.5)).toBe(0);
  });
});

describe('hand values (arithmetic shown)', () => {
  it('focal side, CE side, BCE sides, BCE with logits, smoothing', () => {
    expect(focalSideOf(N, 0.5, Math.log(0.5), 2)).toBeCloseTo(0.25 * Math.log(2), 15);
    expect(focalSideOf(N, 0.5, Math.log(0.5), 0)).toBe(crossEntropySideOf(N, Math.log(0.5)));
    expect(focalSideLogSlopeOf(N, 0.5, 0.5, Math.log(0.5), 2)).toBeCloseTo(
      2 * 0.5 * 0.5 * Math.log(0.5) - 0.25,
      15,
    );
    expect(focalSideLogSlopeOf(N, 0.5, 0.5, Math.log(0.5), 0)).toBe(-1);
    expect(kerasBceSideOf(N, 0.9)).toBeCloseTo(-Math.log(0.9 + 1e-7), 15);
    expect(bceLogitsOf(N, 0, 1, 1)).toBeCloseTo(Math.log(2), 15);
    expect(bceLogitsOf(N, 0, 1, 3)).toBeCloseTo(3 * Math.log(2), 15);
    expect(bceLogitsSlopeOf(N, 0, 1, 1)).toBeCloseTo(-0.5, 15);
    expect(smoothBinaryTargetOf(N, 1, 0.1)).toBeCloseTo(0.9, 15);
    expect(smoothTargetOf(N, 1, 0.1, 4)).toBeCloseTo(0.9 + 0.1 / 4, 15);
    expect(binaryMixOf(N, 0.25, 4, 8)).toBe(0.25 * 4 + 0.75 * 8);
    expect(crossEntropySlopeOf(N, 2, 0.5)).toBe(-2 / 0.5);
    expect(normalisedSlopeOf(N, -4, -1, 2)).toBe((-4 - -1) / 2);
    expect(kerasClipOf(N, 0)).toBe(Math.fround(1e-7));
    expect(kerasClipOf(N, 1)).toBe(Math.fround(1 - 1e-7));
    expect([KERAS_CLIP_LO, KERAS_CLIP_HI]).toEqual([Math.fround(1e-7), Math.fround(1 - 1e-7)]);
    // Reduced focal factor: 1 below the threshold, ((1 − p_t)/th)^γ at or above it.
    expect(smpFocalFactorOf(N, 0.3, 2, 0.5)).toBe(1);
    expect(smpFocalFactorOf(N, 0.6, 2, 0.5)).toBeCloseTo(((1 - 0.6) / 0.5) ** 2, 15);
  });
  it("the core's number forms are the terms on numbers (logits of ±1e4 stay finite)", () => {
    for (const x of [-1e4, -3, 0, 2.5, 1e4]) {
      expect(logSigmoid(x)).toBe(logSigmoidOf(N, x));
      expect(sigmoid(x)).toBe(N.sigmoid(x));
      expect(bceLogitsValue(x, 0.3, 2)).toBe(bceLogitsOf(N, x, 0.3, 2));
      expect(bceLogitsGrad(x, 0.3, 2)).toBe(bceLogitsSlopeOf(N, x, 0.3, 2));
      expect(Number.isFinite(bceLogitsOf(N, x, 0.3, 2))).toBe(true);
    }
    expect(logSigmoid(-1e4)).toBe(-1e4);
    expect(sigmoid(1e4)).toBe(1);
  });
});

describe("the focal family's reductions (focalReduction.ts): numbers = tensors, hand values", () => {
  it('mean / MONAI sum / sum and smp per-class factors agree on numbers and tensors', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }).map(f32),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom<'mean' | 'sum'>('mean', 'sum'),
        fc.constantFrom(undefined, 'monai', 'smp'),
        (total, count, pixels, reduction, preset) => {
          const cfg = { reduction, preset };
          const num = focalReductionOf(N, cfg, total, count, pixels) as number;
          const ten = tf.tidy(() => {
            const r = focalReductionOf(T, cfg, tf.scalar(total), tf.scalar(count), pixels);
            return typeof r === 'number' ? r : r.dataSync()[0];
          });
          expect(close32(ten, num, 1e-6)).toBe(true);
          const fN = smpClassFactorOf(N, 0.375, count, reduction);
          const fT = onTensor((c) => smpClassFactorOf(T, 0.375, c, reduction), count);
          expect(close32(fT, fN, 1e-6)).toBe(true);
        },
      ),
      params,
    );
  });
  it('hand values', () => {
    expect(focalReductionOf(N, { reduction: 'mean' }, 6, 4, 2)).toBe(6 / 4);
    expect(focalReductionOf(N, { reduction: 'mean' }, 6, 0, 2)).toBe(0);
    expect(focalReductionOf(N, { reduction: 'sum', preset: 'monai' }, 6, 4, 3)).toBe(6 / 3);
    expect(focalReductionOf(N, { reduction: 'sum', preset: 'smp' }, 6, 4, 3)).toBe(6);
    expect(focalReductionOf(N, { reduction: 'mean', preset: 'monai' }, 1, 8, 3)).toBe(1 / 8);
    expect(Array.from(smpClassShares([1, 3]))).toEqual([1 / 4, 3 / 4]);
    expect(smpClassFactorOf(N, 0.25, 10, 'mean')).toBe(0.25 * (1 / 10));
    expect(smpClassFactorOf(N, 0.25, 0, 'mean')).toBe(0);
    expect(smpClassFactorOf(N, 0.25, 10, 'sum')).toBe(0.25);
    expect(Array.from(smpClassFactors([1, 3], [10, 0], 'mean'))).toEqual([(1 / 4) * (1 / 10), 0]);
  });
});

/** Source of a file under src/, with comments removed (the pin reads code, not prose). */
function code(path: string): string {
  const text = readFileSync(new URL(`../../src/${path}`, import.meta.url), 'utf8');
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('pin: the elementwise losses take their per-element formulas from elementwiseTerms.ts', () => {
  // Alongside the numeric tests above, the reference vectors (core, tfjs core and op paths, webgl) and
  // test/family/tfjsOps.test.ts; this only catches a formula written again.
  const TFJS = [
    'tfjs/crossentropy.ts',
    'tfjs/focal.ts',
    'tfjs/family/elementwiseOps.ts',
    'tfjs/family/smpOps.ts',
  ];
  const CORE = [
    'core/family/focal.ts',
    'core/family/crossEntropy.ts',
    'core/family/softBce.ts',
    'core/kernels/crossEntropy.ts',
  ];
  it.each([...TFJS, ...CORE])('%s imports the shared terms', (f) => {
    expect(code(f)).toMatch(
      /from '(\.\.?\/)+(core\/)?family\/elementwiseTerms\.js'|from '\.\/elementwiseTerms\.js'/,
    );
  });
  it.each(TFJS)('%s writes no power, log-sigmoid, softplus or smoothing of its own', (f) => {
    const src = code(f);
    expect(src).not.toMatch(/tf\.(pow|square|softplus|logSigmoid|sigmoid|clipByValue)\(/);
    expect(src).not.toMatch(/1\s*-\s*eps\b|eps\s*\/\s*C\b|tf\.mul\(t,\s*2\)/);
  });
  it.each(CORE)('%s writes no power, log-sigmoid or smoothing of its own', (f) => {
    const src = code(f);
    expect(src).not.toMatch(/Math\.pow\(|powMinus1|logSigmoid\(-?\w+\)\s*\+|\(1 - eps\)\s*\*|eps \/ C\b/);
    expect(src).not.toMatch(/s \* \(1 - 2 \* t\)/);
  });
  it.each(['tfjs/crossentropy.ts'])(
    "%s takes sm's CCE gradient through the normalisation from elementwiseTerms.ts",
    (f) => {
      const src = code(f);
      expect(src).toMatch(/crossEntropySlopeOf\(/);
      expect(src).toMatch(/normalisedSlopeOf\(/);
      // no `(u − dot) / s` or `−gw / q` of its own
      expect(src).not.toMatch(/\(u\[k\] - dot\) \/ s|tf\.div\(tf\.sub\(u,|\/ q;|\/ pr\[i\]/);
    },
  );
  it.each(['core/family/focal.ts', 'core/family/sigmoidFocalWasm.ts', 'tfjs/family/elementwiseOps.ts'])(
    '%s takes the focal reductions from focalReduction.ts',
    (f) => {
      const src = code(f);
      expect(src).toMatch(/from '(\.\.\/)*(core\/family\/|\.\/)focalReduction\.js'/);
      // no mean / MONAI-sum scale or smp class share of its own
      expect(src).not.toMatch(
        /1 \/ count|1 \/ geom\.pixels|1 \/ pixels|\/ wsum|tf\.div\(total, (tf\.maximum|pixels)|tf\.div\(1, tf\.maximum/,
      );
    },
  );
  it("sm's TF.js averaging is the table's reduction (no mean of its own)", () => {
    const src = code('tfjs/region.ts');
    expect(src).toMatch(/reduceTermsOf\(/);
    expect(src).not.toMatch(/tf\.mean\(/);
  });
});
