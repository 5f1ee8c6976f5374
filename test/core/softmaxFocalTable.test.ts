/**
 * The channels-last softmax focal kernels of C = 3…8 channels keep log Σe and 1/Σe of every group of four
 * pixels in two per-group tables of the module's memory (scripts/wasm/elementwise.mjs → softmaxFocalLast,
 * TABLE_MIN_K). elementwiseWasm.test.ts's random shapes stay far below one block; here every input spans
 * several full blocks and a short last one, so each table entry of a full block is written and read, and the
 * results must still agree with the float64 JS kernel (wasmAgree's bound) with one channels-last call.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  elementwiseLastRuns,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { focalLoss } from '../../src/core/losses/index.js';
import type { Loss, ValueAndGrad } from '../../src/core/loss.js';
import { forcedPath, wasmAgree } from '../helpers/wasmAgree.js';

afterAll(() => setElementwiseWasmEnabled(true));

const withPath = forcedPath(setElementwiseWasmEnabled, elementwiseWasmRuns);

/** Elements per block of the elementwise driver (SCRATCH − 16, elementwiseWasm.ts). */
const BLOCK = 16368;

/** Pixels per block of the channels-last kernels for C channels (the driver's `per`). */
const perBlock = (C: number) => Math.floor(BLOCK / C / 4) * 4;

/** Seeded logits in [−range, range] and one-hot or soft (non-negative) targets, channels-last [1, P, 1, C]. */
function inputs(C: number, pixels: number, seed: number, soft: boolean, range: number) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = pixels * C;
  const x = Float32Array.from({ length: n }, () => Math.fround((2 * rnd() - 1) * range));
  const g = new Float32Array(n);
  for (let p = 0; p < pixels; p++) {
    if (soft) for (let c = 0; c < C; c++) g[p * C + c] = Math.fround(rnd());
    else g[p * C + Math.floor(rnd() * C)] = 1;
  }
  return { x, g, shape: [1, pixels, 1, C] };
}

function on(wasm: boolean, loss: Loss, g: Float32Array, x: Float32Array, shape: number[]) {
  let r: ValueAndGrad = { value: NaN, grad: new Float32Array(0) };
  const last = elementwiseLastRuns();
  const runs = withPath(wasm, () => {
    r = loss.valueAndGrad({ data: g, shape }, { data: x, shape });
  });
  return { ...r, runs, last: elementwiseLastRuns() - last };
}

describe('softmax_focal2_cK, C = 3…8: the per-group tables over full blocks', () => {
  it('agrees with the JS kernel over several full blocks and a short last one (seeded property)', () => {
    const options = fc.record({
      C: fc.integer({ min: 3, max: 8 }),
      blocks: fc.integer({ min: 1, max: 3 }),
      extra: fc.integer({ min: 0, max: 4000 }),
      soft: fc.boolean(),
      range: fc.constantFrom(1, 8, 40),
      preset: fc.constantFrom('monai' as const, 'smp' as const),
      alpha: fc.constantFrom(null, 0.25),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    });
    fc.assert(
      fc.property(options, (o) => {
        const pixels = o.blocks * perBlock(o.C) + (o.extra % perBlock(o.C));
        const { x, g, shape } = inputs(o.C, pixels, o.seed, o.soft, o.range);
        const loss = focalLoss({
          preset: o.preset,
          activation: 'softmax',
          fromLogits: true,
          gamma: 2,
          alpha: o.preset === 'smp' ? o.alpha : null,
          layout: 'channelsLast',
        });
        const w = on(true, loss, g, x, shape);
        const js = on(false, loss, g, x, shape);
        expect(w.runs).toBe(1);
        expect(w.last).toBe(1);
        expect(js.runs).toBe(0);
        expect(wasmAgree(js, w)).toBeNull();
      }),
      { seed: 20261204, numRuns: 24 },
    );
  });

  it('the last group of every full block, C = 3…8: each pixel of it against the JS gradient', () => {
    for (let C = 3; C <= 8; C++) {
      const per = perBlock(C);
      const pixels = 2 * per + 5;
      const { x, g, shape } = inputs(C, pixels, 31 + C, true, 8);
      const loss = focalLoss({ preset: 'monai', activation: 'softmax', gamma: 2, layout: 'channelsLast' });
      const w = on(true, loss, g, x, shape);
      const js = on(false, loss, g, x, shape);
      expect(w.last, `C = ${C}`).toBe(1);
      let scale = 0;
      for (const v of js.grad) scale = Math.max(scale, Math.abs(v));
      // the last four pixels of blocks 1 and 2 and the first four of blocks 2 and 3
      for (const p0 of [per - 4, per, 2 * per - 4, 2 * per]) {
        for (let i = p0 * C; i < (p0 + 4) * C; i++) {
          expect(Math.abs(w.grad[i] - js.grad[i]), `C = ${C}, element ${i}`).toBeLessThanOrEqual(
            2e-6 * scale,
          );
        }
      }
    }
  });
});
