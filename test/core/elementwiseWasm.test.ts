/**
 * The elementwise WebAssembly kernels (src/core/kernels/elementwiseWasm.ts) against the JS kernels: seeded
 * property tests over random shapes (odd lengths, short last blocks), options and layouts; the input check
 * inside the pass (the first offending index, on both paths); `{ out }`; and the committed bytes in sync
 * with scripts/wasm/elementwise.mjs.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ELEMENTWISE_OUTPUT,
  // @ts-expect-error: a plain .mjs build script without type declarations.
} from '../../scripts/build-wasm.mjs';
import { buildElementwiseKernels, elementwiseBytesModule } from '../../scripts/wasm/elementwise.mjs';
import {
  elementwiseLastRuns,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { categoricalCrossentropy, categoricalFocalLoss, focalLoss } from '../../src/core/losses/index.js';
import type { Loss } from '../../src/core/loss.js';
import { kernelBackend, type NdArray } from '../../src/index.js';
import { forcedValueAndGrad, wasmAgree } from '../helpers/wasmAgree.js';

const SEED = 20261204;

afterAll(() => setElementwiseWasmEnabled(true));

/** Value and gradient on one path; `runs` = calls that took the WebAssembly kernels. */
const on = forcedValueAndGrad(setElementwiseWasmEnabled, elementwiseWasmRuns);

/** Runs both paths; checks which ran and that they agree within the bound. */
function bothPaths(loss: Loss, gt: NdArray, pr: NdArray): void {
  const w = on(true, loss, gt, pr);
  const js = on(false, loss, gt, pr);
  expect(w.runs).toBeGreaterThan(0);
  expect(js.runs).toBe(0);
  expect(wasmAgree(js, w)).toBeNull();
}

/** Seeded inputs: logits in [−8, 8], their softmax, one-hot or soft gt; some exact 0 and 1 probabilities. */
const inputs = fc
  .record({
    N: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    C: fc.integer({ min: 1, max: 6 }),
    soft: fc.boolean(),
    channelsFirst: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    hard: fc.boolean(),
  })
  .map(({ N, H, W, C, soft, channelsFirst, seed, hard }) => {
    let s = seed;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const n = N * H * W * C;
    const logits = new Float32Array(n);
    const pr = new Float32Array(n);
    const gt = new Float32Array(n);
    // Built channels-last; transposed below for channels-first.
    for (let p = 0; p < n / C; p++) {
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp((logits[p * C + c] = Math.fround((rnd() - 0.5) * 16)));
      for (let c = 0; c < C; c++) pr[p * C + c] = Math.exp(logits[p * C + c]) / z;
      if (hard && rnd() < 0.3) for (let c = 0; c < C; c++) pr[p * C + c] = c === 0 ? 1 : 0;
      if (soft) for (let c = 0; c < C; c++) gt[p * C + c] = Math.fround(rnd());
      else gt[p * C + Math.floor(rnd() * C)] = 1;
    }
    const shapeLast = [N, H, W, C];
    if (!channelsFirst) return { logits, pr, gt, shape: shapeLast, C, layout: 'channelsLast' as const };
    const t = (x: Float32Array) => {
      const y = new Float32Array(n);
      for (let b = 0; b < N; b++)
        for (let q = 0; q < H * W; q++)
          for (let c = 0; c < C; c++) y[(b * C + c) * H * W + q] = x[(b * H * W + q) * C + c];
      return y;
    };
    return {
      logits: t(logits),
      pr: t(pr),
      gt: t(gt),
      shape: [N, C, H, W],
      C,
      layout: 'channelsFirst' as const,
    };
  });

const gammas = fc.constantFrom(2, 0, 0.5, 1, 3);

describe('the elementwise WebAssembly kernels agree with the JS kernels (float32 bound: 2e-6)', () => {
  it('kernelBackend() reports them', () => {
    expect(kernelBackend()).toBe('wasm-simd');
  });

  it('categoricalFocalLoss, any γ ≥ 0 and α, both layouts, every length', () => {
    fc.assert(
      fc.property(inputs, gammas, fc.double({ min: 0, max: 1, noNaN: true }), (x, gamma, alpha) => {
        const loss = categoricalFocalLoss({ gamma, alpha, layout: x.layout });
        const gt = { data: x.gt, shape: x.shape };
        const pr = { data: x.pr, shape: x.shape };
        bothPaths(loss, gt, pr);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('categoricalCrossentropy, with class weights, soft gt and exact 0/1 probabilities', () => {
    fc.assert(
      fc.property(inputs, fc.double({ min: 0.1, max: 3, noNaN: true }), (x, wgt) => {
        const classWeights = Array.from({ length: x.C }, (_, c) => wgt * (c + 1));
        const loss = categoricalCrossentropy({ classWeights, layout: x.layout });
        const gt = { data: x.gt, shape: x.shape };
        const pr = { data: x.pr, shape: x.shape };
        bothPaths(loss, gt, pr);
      }),
      { seed: SEED + 1, numRuns: 80 },
    );
  });

  it('focalLoss softmax from logits: presets, α, class weights and selection, reductions (γ > 0)', () => {
    const options = fc.record({
      preset: fc.constantFrom('monai' as const, 'segmentation_models' as const, 'smp' as const),
      gamma: fc.constantFrom(2, 0.5, 1, 3),
      alpha: fc.constantFrom(null, 0.25, 0.75),
      reduction: fc.constantFrom('mean' as const, 'sum' as const),
      includeBackground: fc.boolean(),
    });
    fc.assert(
      fc.property(inputs, options, (x, o) => {
        fc.pre(x.C > 1 && !(o.preset === 'monai' && !o.includeBackground));
        const loss = focalLoss({ ...o, activation: 'softmax', fromLogits: true, layout: x.layout });
        const gt = { data: x.gt, shape: x.shape };
        const pr = { data: x.logits, shape: x.shape };
        bothPaths(loss, gt, pr);
      }),
      { seed: SEED + 2, numRuns: 80 },
    );
  });

  it('channels-last C = 2…8 take the kernels of their channel count (C = 1, 9 and γ ≠ 2 the general one)', () => {
    for (let C = 1; C <= 9; C++) {
      const shape = [2, 7, 5, C];
      const n = 70 * C;
      let s = 99 + C;
      const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const logits = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 16));
      const pr = Float32Array.from({ length: n }, () => Math.fround(rnd()));
      const gt = new Float32Array(n);
      for (let p = 0; p < n / C; p++) gt[p * C + Math.floor(rnd() * C)] = 1;
      const g = { data: gt, shape };
      const cases: [Loss, Float32Array, boolean][] = [
        [categoricalCrossentropy, pr, true],
        [focalLoss({ preset: 'monai', activation: 'softmax', layout: 'channelsLast' }), logits, true],
        [
          focalLoss({ preset: 'monai', activation: 'softmax', gamma: 3, layout: 'channelsLast' }),
          logits,
          false,
        ],
      ];
      for (const [loss, data, own] of cases) {
        if (C === 1 && loss !== categoricalCrossentropy) continue;
        const before = elementwiseLastRuns();
        bothPaths(loss, g, { data, shape });
        expect(elementwiseLastRuns() - before, `${loss.name}, C = ${C}`).toBe(
          own && C >= 2 && C <= 8 ? 1 : 0,
        );
      }
    }
  });

  it('with { out }: the gradient is written into out, every element, the same numbers', () => {
    const N = 2,
      H = 37,
      W = 41,
      C = 4;
    const n = N * H * W * C;
    const logits = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 5));
    const gt = new Float32Array(n);
    for (let p = 0; p < n / C; p++) gt[p * C + (p % C)] = 1;
    const pr = new Float32Array(n);
    for (let p = 0; p < n / C; p++) {
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(logits[p * C + c]);
      for (let c = 0; c < C; c++) pr[p * C + c] = Math.exp(logits[p * C + c]) / z;
    }
    const shape = [N, H, W, C];
    const cases: [Loss, Float32Array][] = [
      [categoricalFocalLoss, pr],
      [categoricalCrossentropy, pr],
      [focalLoss({ preset: 'monai', activation: 'softmax', layout: 'channelsLast' }), logits],
    ];
    for (const [loss, data] of cases) {
      for (const wasm of [true, false]) {
        setElementwiseWasmEnabled(wasm);
        try {
          const before = elementwiseWasmRuns();
          const plain = loss.valueAndGrad({ data: gt, shape }, { data, shape });
          const out = new Float32Array(n).fill(NaN);
          const r = loss.valueAndGrad({ data: gt, shape }, { data, shape }, { out });
          // Above the size threshold the kernels are the default path.
          expect(elementwiseWasmRuns() - before).toBe(wasm ? 2 : 0);
          expect(r.grad).toBe(out);
          expect(r.value).toBe(plain.value);
          expect(Array.from(out)).toEqual(Array.from(plain.grad));
        } finally {
          setElementwiseWasmEnabled(true);
        }
      }
    }
    // Class subsets (JS kernels) leave the other channels' gradient at +0 in a NaN-filled out.
    for (const loss of [categoricalFocalLoss, categoricalCrossentropy]) {
      const out = new Float32Array(n).fill(NaN);
      loss({ classIndexes: [1, 3] }).valueAndGrad({ data: gt, shape }, { data: pr, shape }, { out });
      const ok = (v: number, i: number) =>
        i % C === 1 || i % C === 3 ? Number.isFinite(v) : Object.is(v, 0);
      expect(out.every(ok)).toBe(true);
    }
  });
});

describe('bad input is caught inside the pass: RangeError naming the function, argument, value and index', () => {
  const C = 4;
  const n = 2 * 64 * 80 * C; // 40960 elements: three blocks, so an offender can sit past the first
  const shape = [2, 64, 80, C];
  const base = () => {
    const pr = new Float32Array(n).fill(0.25);
    const gt = new Float32Array(n);
    for (let p = 0; p < n / C; p++) gt[p * C] = 1;
    return { pr, gt };
  };
  const losses: [string, Loss, 'probabilities' | 'logits'][] = [
    ['categoricalFocalLoss', categoricalFocalLoss, 'probabilities'],
    ['categoricalCrossentropy', categoricalCrossentropy, 'probabilities'],
    ['focalLoss', focalLoss({ preset: 'monai', activation: 'softmax', layout: 'channelsLast' }), 'logits'],
  ];
  for (const [fn, loss, domain] of losses) {
    for (const wasm of [true, false]) {
      it(`${fn} (${wasm ? 'WebAssembly' : 'JS'}): the first offending pr or gt, in any block`, () => {
        setElementwiseWasmEnabled(wasm);
        try {
          const what = domain === 'probabilities' ? 'probabilities in \\[0, 1\\]' : 'finite logits';
          const bad = domain === 'probabilities' ? [1.5, -0.25, NaN] : [NaN, Infinity, -Infinity];
          for (const [k, v] of bad.entries()) {
            const at = [17, 20001, 40959][k];
            const { pr, gt } = base();
            pr[at] = v;
            if (at + 1 < n) pr[at + 1] = v; // a second offender: only the first is named
            const re = new RegExp(`^${fn}: pr must hold ${what}; got ${String(v)} at index ${at}\\.$`);
            expect(() => loss.valueAndGrad({ data: gt, shape }, { data: pr, shape })).toThrow(RangeError);
            expect(() => loss.value({ data: gt, shape }, { data: pr, shape })).toThrow(re);
          }
          const { pr, gt } = base();
          gt[30000] = Infinity;
          expect(() => loss.value({ data: gt, shape }, { data: pr, shape })).toThrow(
            new RegExp(`^${fn}: gt must hold finite values; got Infinity at index 30000\\.$`),
          );
        } finally {
          setElementwiseWasmEnabled(true);
        }
      });
    }
  }

  it('a probability loss accepts exact 0 and 1 (the domain is closed)', () => {
    const { pr, gt } = base();
    pr[5] = 0;
    pr[6] = 1;
    expect(Number.isFinite(categoricalFocalLoss.value({ data: gt, shape }, { data: pr, shape }))).toBe(true);
  });
});

describe('the committed elementwise WebAssembly bytes', () => {
  it('match what scripts/wasm/elementwise.mjs assembles (run npm run build:wasm after changing it)', async () => {
    const bytes = (await buildElementwiseKernels()) as Uint8Array;
    expect(readFileSync(ELEMENTWISE_OUTPUT as string, 'utf8')).toBe(elementwiseBytesModule(bytes));
  });
});
