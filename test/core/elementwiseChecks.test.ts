/**
 * The cheaper input checks of the sm probability kernels (scripts/wasm/elementwise.mjs): `focal_prob2` (γ = 2,
 * eight elements per step, the range of pr over the block and NaN/±∞ of g + pr) and `cce_cK` (channels-last,
 * K = 2…8: the range of pr and NaN/±∞ of Σ_c pr_c). Each must flag exactly what the JS check flags, in every lane
 * and channel, at the edges of [0, 1], and in runs whose length is not a multiple of the step; and the kernel
 * that ran is checked. Also cce_cK's one-log-per-pixel form (binary targets, equal weights, K ≤ 5): where it
 * runs, and its agreement with the JS kernel. The agreement of the other kernels is in elementwiseWasm.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  elementwiseCceProductBlocks,
  elementwiseFocalProbRuns,
  elementwiseLastRuns,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { categoricalCrossentropy, categoricalFocalLoss } from '../../src/core/losses/index.js';
import type { Loss } from '../../src/core/loss.js';

afterAll(() => setElementwiseWasmEnabled(true));

/** A loss call with the kernels forced on for every size (or off). */
function call(wasm: boolean, loss: Loss, gt: Float32Array, pr: Float32Array, shape: number[]) {
  setElementwiseWasmEnabled(wasm, 0);
  try {
    return loss.valueAndGrad({ data: gt, shape }, { data: pr, shape });
  } finally {
    setElementwiseWasmEnabled(true);
  }
}

/** Uniform probabilities 1/C and one-hot targets, channels-last [1, P, 1, C]. */
function inputs(P: number, C: number) {
  const pr = new Float32Array(P * C).fill(Math.fround(1 / C));
  const gt = new Float32Array(P * C);
  for (let p = 0; p < P; p++) gt[p * C + (p % C)] = 1;
  return { pr, gt, shape: [1, P, 1, C] };
}

const below0 = -(2 ** -149);
const above1 = 1 + 2 ** -23;
const edge = [0, -0, 1, 2 ** -149, 1 - 2 ** -24];

/** The message of the first offender, or null: on the JS path (the reference). */
function jsError(loss: Loss, gt: Float32Array, pr: Float32Array, shape: number[]): string | null {
  try {
    call(false, loss, gt, pr, shape);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function expectSameCheck(loss: Loss, gt: Float32Array, pr: Float32Array, shape: number[]): void {
  const js = jsError(loss, gt, pr, shape);
  if (js === null) expect(() => call(true, loss, gt, pr, shape)).not.toThrow();
  else expect(() => call(true, loss, gt, pr, shape)).toThrow(js);
}

describe('focal_prob2: range and g + pr checks', () => {
  it('γ = 2 takes focal_prob2, any other γ focal_prob', () => {
    const { pr, gt, shape } = inputs(9, 3);
    const before = elementwiseFocalProbRuns();
    call(true, categoricalFocalLoss, gt, pr, shape);
    call(true, categoricalFocalLoss({ gamma: 1.5 }), gt, pr, shape);
    const after = elementwiseFocalProbRuns();
    expect(after.gamma2 - before.gamma2).toBe(1);
    expect(after.general - before.general).toBe(1);
  });

  it('flags what the JS check flags, at every position of runs of 1…17 elements', () => {
    for (let P = 1; P <= 17; P++) {
      const shape = [1, P, 1, 1];
      for (let at = 0; at < P; at++) {
        for (const v of [below0, above1, NaN, Infinity, -Infinity, ...edge]) {
          const pr = new Float32Array(P).fill(0.5);
          const gt = new Float32Array(P).fill(1);
          pr[at] = v;
          expectSameCheck(categoricalFocalLoss, gt, pr, shape);
        }
        for (const v of [NaN, Infinity, -Infinity, 3.4e38, -3.4e38]) {
          const pr = new Float32Array(P).fill(1); // g + pr = FLT_MAX + 1 rounds to FLT_MAX: finite
          const gt = new Float32Array(P).fill(0);
          gt[at] = v;
          expectSameCheck(categoricalFocalLoss, gt, pr, shape);
        }
      }
    }
    // The error names the index: one case written out.
    const pr = new Float32Array(11).fill(0.5);
    pr[10] = above1;
    expect(() => call(true, categoricalFocalLoss, new Float32Array(11), pr, [1, 11, 1, 1])).toThrow(
      /^categoricalFocalLoss: pr must hold probabilities in \[0, 1\]; got 1\.0000001192092896 at index 10\.$/,
    );
  });

  it('equals the JS kernel where the scaled sum is divided back (value and gradient within float32 rounding)', () => {
    const P = 1000;
    const C = 4;
    const { gt, shape } = inputs(P, C);
    let s = 5;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const pr = Float32Array.from({ length: P * C }, () => Math.fround(rnd()));
    const runs = elementwiseWasmRuns();
    const w = call(true, categoricalFocalLoss, gt, pr, shape);
    expect(elementwiseWasmRuns() - runs).toBe(1);
    const js = call(false, categoricalFocalLoss, gt, pr, shape);
    expect(Math.abs(w.value - js.value)).toBeLessThanOrEqual(2e-6 * js.value);
    let big = 0;
    for (const g of js.grad) big = Math.max(big, Math.abs(g));
    for (let i = 0; i < js.grad.length; i++)
      expect(Math.abs(w.grad[i] - js.grad[i])).toBeLessThanOrEqual(2e-6 * big);
  });
});

describe('cce_cK: range and Σpr checks', () => {
  for (let C = 2; C <= 8; C++) {
    it(`C = ${C}: flags what the JS check flags, in every lane and channel of a group`, () => {
      const P = 9; // groups of four pixels, the last one padded
      const before = elementwiseLastRuns();
      const { pr, gt, shape } = inputs(P, C);
      call(true, categoricalCrossentropy, gt, pr, shape);
      expect(elementwiseLastRuns() - before).toBe(1);
      for (let at = 0; at < P * C; at++) {
        for (const v of [below0, above1, NaN, Infinity, -Infinity, ...edge]) {
          const bad = pr.slice();
          bad[at] = v;
          expectSameCheck(categoricalCrossentropy, gt, bad, shape);
        }
        const badG = gt.slice();
        badG[at] = NaN;
        expectSameCheck(categoricalCrossentropy, badG, pr, shape);
      }
    });
  }

  it('a pixel of zeros gives a NaN value on both paths (sm: 0/0), not an input error nor a finite number', () => {
    // The WebAssembly kernels gave a finite value here before (log of NaN is not NaN in logPosF32x4).
    for (const C of [3, 4, 9]) {
      const { pr, gt, shape } = inputs(8, C);
      pr.fill(0, 2 * C, 3 * C); // pixel 2
      // The same pixels channels-first: [1, C, 8, 1], element c·8 + p.
      const t = (x: Float32Array) => Float32Array.from(x, (_, i) => x[(i % 8) * C + Math.floor(i / 8)]);
      const cases: [Loss, Float32Array, Float32Array, number[]][] = [
        [categoricalCrossentropy, gt, pr, shape],
        [categoricalCrossentropy({ layout: 'channelsFirst' }), t(gt), t(pr), [1, C, 8, 1]],
      ];
      for (const [loss, g, p, sh] of cases) {
        const runs = elementwiseWasmRuns();
        const w = call(true, loss, g, p, sh);
        expect(elementwiseWasmRuns() - runs).toBe(1);
        const js = call(false, loss, g, p, sh);
        expect(Number.isNaN(w.value), `C = ${C}, ${sh}`).toBe(true);
        expect(Number.isNaN(js.value)).toBe(true);
      }
    }
  });
});

describe('cce_cK, one log per pixel: Σ_c w·g_c·log clip(q_c) = w·log Π_c (g_c·clip(q_c) + 1 − g_c) for g in {0, 1}', () => {
  /** Seeded probabilities (some exact 0 and 1, some pixels' q below the clip), binary targets. */
  const cases = fc.record({
    P: fc.integer({ min: 1, max: 40 }),
    C: fc.integer({ min: 2, max: 8 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    multi: fc.boolean(),
    w: fc.constantFrom(1, 0.5, 3),
  });
  function build(P: number, C: number, seed: number, multi: boolean) {
    let s = seed;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const pr = Float32Array.from({ length: P * C }, () => {
      const u = rnd();
      return u < 0.05 ? 0 : u > 0.95 ? 1 : u < 0.1 ? 1e-9 : Math.fround(rnd());
    });
    for (let p = 0; p < P; p++) if (pr.subarray(p * C, p * C + C).every((v) => v === 0)) pr[p * C] = 0.5;
    const gt = new Float32Array(P * C);
    for (let p = 0; p < P; p++) {
      if (multi) for (let c = 0; c < C; c++) gt[p * C + c] = rnd() < 0.4 ? 1 : 0;
      else gt[p * C + Math.floor(rnd() * C)] = 1;
    }
    return { pr, gt, shape: [1, P, 1, C] };
  }

  it('agrees with the JS kernel (2e-6), and runs exactly for C ≤ 5 with equal weights', () => {
    fc.assert(
      fc.property(cases, ({ P, C, seed, multi, w }) => {
        const { pr, gt, shape } = build(P, C, seed, multi);
        const loss = categoricalCrossentropy({ classWeights: w });
        const before = elementwiseCceProductBlocks();
        const runs = elementwiseWasmRuns();
        const a = call(true, loss, gt, pr, shape);
        expect(elementwiseWasmRuns() - runs).toBe(1);
        expect(elementwiseCceProductBlocks() - before).toBe(C <= 5 ? 1 : 0);
        const js = call(false, loss, gt, pr, shape);
        expect(Math.abs(a.value - js.value)).toBeLessThanOrEqual(1e-7 + 2e-6 * Math.abs(js.value));
        let big = 0;
        for (const g of js.grad) big = Math.max(big, Math.abs(g));
        for (let i = 0; i < js.grad.length; i++) {
          expect(Math.abs(a.grad[i] - js.grad[i])).toBeLessThanOrEqual(2e-6 * big + 1e-30);
        }
      }),
      { seed: 20261204, numRuns: 120 },
    );
  });

  it('does not run for soft targets or unequal weights (the general form does, same results)', () => {
    const { pr, gt, shape } = build(12, 4, 77, false);
    const soft = gt.slice();
    soft[5] = 0.5;
    const before = elementwiseCceProductBlocks();
    const a = call(true, categoricalCrossentropy, soft, pr, shape);
    const b = call(true, categoricalCrossentropy({ classWeights: [1, 2, 1, 1] }), gt, pr, shape);
    expect(elementwiseCceProductBlocks() - before).toBe(0);
    expect(Math.abs(a.value - call(false, categoricalCrossentropy, soft, pr, shape).value)).toBeLessThan(
      1e-6,
    );
    const bj = call(false, categoricalCrossentropy({ classWeights: [1, 2, 1, 1] }), gt, pr, shape);
    expect(Math.abs(b.value - bj.value)).toBeLessThan(1e-6 * Math.abs(bj.value));
    // The same one-hot inputs with equal weights take it.
    call(true, categoricalCrossentropy, gt, pr, shape);
    expect(elementwiseCceProductBlocks() - before).toBe(1);
  });

  it('one-hot targets: the same gradient, bit for bit, as the general form (Π = clip(q) of the target class)', () => {
    const { pr, gt, shape } = build(37, 4, 5, false);
    const before = elementwiseCceProductBlocks();
    const product = call(true, categoricalCrossentropy, gt, pr, shape);
    // Weights 1 and 1 + 2^−23 in one channel force the general form on the same data.
    const general = call(
      true,
      categoricalCrossentropy({ classWeights: [1, 1, 1, 1 + 2 ** -23] }),
      gt,
      pr,
      shape,
    );
    expect(elementwiseCceProductBlocks() - before).toBe(1);
    expect(Number.isFinite(product.value)).toBe(true);
    // Only channel 3's weight differs: compare the pixels whose target is another channel.
    let same = 0;
    for (let p = 0; p < 37; p++) {
      if (gt[p * 4 + 3] === 1) continue;
      for (let c = 0; c < 4; c++) expect(product.grad[p * 4 + c]).toBe(general.grad[p * 4 + c]);
      same++;
    }
    expect(same).toBeGreaterThan(10);
  });
});
