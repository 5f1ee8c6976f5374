/**
 * The channels-last softmax focal kernels of C = 2…8 channels (`softmax_focal2_cK` in
 * scripts/wasm/elementwise.mjs: four passes per block, coefficients pre-multiplied by the reduction's scale,
 * one input check per group of four pixels on Σ_c h_c). What their cheaper check must still catch, in every
 * lane and channel of a group, and what happens when finite inputs overflow float32 (the float64 JS kernel
 * runs instead, with the same result as the JS path). The agreement with the JS kernels over random inputs is
 * in elementwiseWasm.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  elementwiseLastRuns,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { focalLoss } from '../../src/core/losses/index.js';
import type { Loss } from '../../src/core/loss.js';

afterAll(() => setElementwiseWasmEnabled(true));

/** Seeded logits in [−4, 4] and one-hot targets, channels-last [2, 5, 7, C] (70 pixels). */
function inputs(C: number, seed: number) {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const shape = [2, 5, 7, C];
  const n = 70 * C;
  const x = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 8));
  const g = new Float32Array(n);
  for (let p = 0; p < n / C; p++) g[p * C + Math.floor(rnd() * C)] = 1;
  return { x, g, shape, n };
}

/** Value and gradient with the kernels forced on (every size) or off; counts of kernel calls. */
function run(wasm: boolean, loss: Loss, g: Float32Array, x: Float32Array, shape: number[]) {
  setElementwiseWasmEnabled(wasm, 0);
  const runs = elementwiseWasmRuns();
  const last = elementwiseLastRuns();
  try {
    const r = loss.valueAndGrad({ data: g, shape }, { data: x, shape });
    return { ...r, runs: elementwiseWasmRuns() - runs, last: elementwiseLastRuns() - last };
  } finally {
    setElementwiseWasmEnabled(true);
  }
}

const monai = focalLoss({ preset: 'monai', activation: 'softmax', layout: 'channelsLast' });
// Channel 0 left out (coefficient 0 in the kernel): a bad target there must still be caught.
const subset = focalLoss({
  preset: 'segmentation_models',
  activation: 'softmax',
  fromLogits: true,
  classIndexes: [1],
  layout: 'channelsLast',
});

describe('softmax_focal2_cK: the check on Σh catches every non-finite input', () => {
  for (let C = 2; C <= 8; C++) {
    it(`C = ${C}: NaN, +∞ and −∞ in any lane and channel, logits and targets (also an unselected channel)`, () => {
      const { x, g, shape, n } = inputs(C, 7 + C);
      // The kernel takes this shape: one call of the channels-last kernel, agreeing with JS.
      const ok = run(true, monai, g, x, shape);
      expect(ok.runs).toBe(1);
      expect(ok.last).toBe(1);
      // pixel 40 + j (lane j of its group of four) and channel c, for every j and c
      for (let j = 0; j < 4; j++) {
        for (let c = 0; c < C; c++) {
          const at = (40 + j) * C + c;
          for (const v of [NaN, Infinity, -Infinity]) {
            const bx = x.slice();
            bx[at] = v;
            expect(() => run(true, monai, g, bx, shape), `x[${at}] = ${v}`).toThrow(
              new RegExp(`^focalLoss: pr must hold finite logits; got ${String(v)} at index ${at}\\.$`),
            );
            const bg = g.slice();
            bg[at] = v;
            for (const loss of [monai, subset]) {
              expect(() => run(true, loss, bg, x, shape), `g[${at}] = ${v}`).toThrow(
                new RegExp(`^focalLoss: gt must hold finite values; got ${String(v)} at index ${at}\\.$`),
              );
            }
          }
        }
      }
      expect(n).toBe(70 * C);
    });
  }

  it('every logit −∞ in a pixel, and the first of two offenders in different blocks', () => {
    const C = 4;
    const { x, g, shape } = inputs(C, 3);
    const bx = x.slice();
    bx.fill(-Infinity, 8, 12);
    expect(() => run(true, monai, g, bx, shape)).toThrow(/got -Infinity at index 8\.$/);
    const big = 9000; // pixels: three 16,368-element blocks
    const xs = new Float32Array(big * C).fill(0.5);
    const gs = new Float32Array(big * C);
    for (let p = 0; p < big; p++) gs[p * C + (p % C)] = 1;
    xs[big * C - 3] = NaN;
    gs[20000] = Infinity;
    expect(() => run(true, monai, gs, xs, [1, 1, big, C])).toThrow(
      /^focalLoss: gt must hold finite values; got Infinity at index 20000\.$/,
    );
  });
});

describe('softmax_focal2_cK: finite inputs that overflow float32 run the float64 JS kernel', () => {
  it('logits near ±FLT_MAX (x − max overflows): no error, the JS result, no WebAssembly run counted', () => {
    const C = 4;
    const { x, g, shape } = inputs(C, 11);
    x[20] = 3e38;
    x[21] = -3e38;
    const w = run(true, monai, g, x, shape);
    const js = run(false, monai, g, x, shape);
    expect(w.runs).toBe(0);
    expect(w.last).toBe(1); // tried, then fell back
    expect(js.runs).toBe(0);
    expect(w.value).toBe(js.value);
    expect(Array.from(w.grad)).toEqual(Array.from(js.grad));
    // The JS kernel's float64 value is finite: the kernel's float32 one would not have been.
    expect(Number.isFinite(js.value)).toBe(true);
  });

  it('targets near FLT_MAX (terms overflow float32): the JS result, finite value', () => {
    const C = 3;
    const { x, g, shape } = inputs(C, 5);
    // channel 0 of pixel 10, with a low logit: log p ≈ −8, so the term ≈ −8·3e38 overflows float32
    x.set([-8, 0, 0], 30);
    g[30] = 3e38;
    const sum = focalLoss({
      preset: 'segmentation_models',
      activation: 'softmax',
      fromLogits: true,
      reduction: 'sum',
      layout: 'channelsLast',
    });
    const w = run(true, sum, g, x, shape);
    const js = run(false, sum, g, x, shape);
    expect(w.runs).toBe(0);
    expect(w.value).toBe(js.value);
    expect(Number.isFinite(js.value)).toBe(true);
    expect(Array.from(w.grad)).toEqual(Array.from(js.grad));
  });

  it('with checkInputs: false, a NaN logit falls back to the JS kernel, which lets the NaN through', () => {
    const C = 5;
    const { x, g, shape } = inputs(C, 9);
    x[33] = NaN;
    const loss = focalLoss({
      preset: 'monai',
      activation: 'softmax',
      layout: 'channelsLast',
      checkInputs: false,
    });
    const w = run(true, loss, g, x, shape);
    const js = run(false, loss, g, x, shape);
    expect(w.runs).toBe(0);
    expect(Number.isNaN(w.value)).toBe(true);
    expect(Number.isNaN(js.value)).toBe(true);
    expect(Array.from(w.grad)).toEqual(Array.from(js.grad));
  });
});
