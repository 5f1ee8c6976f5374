/**
 * The relaxed-SIMD switch (runs in the vitest project 'relaxed': Node with --experimental-wasm-relaxed-simd):
 * `setRelaxedSimd` and `kernelBackend('modules')`, and the relaxed kernels against the SIMD128 kernels of the same
 * modules on seeded inputs: the softmax-region (Dice from logits), elementwise (softmax focal, categorical
 * cross-entropy) and binary (sigmoid focal) losses agree within float32 rounding (the wasmAgree bound), and each
 * side ran on the byte set it claims.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { binaryWasmRuns, setBinaryWasmEnabled } from '../../src/core/kernels/binaryWasm.js';
import { elementwiseWasmRuns, setElementwiseWasmEnabled } from '../../src/core/kernels/elementwiseWasm.js';
import { setSoftmaxWasmEnabled, softmaxRuns } from '../../src/core/kernels/softmaxRegion.js';
import { relaxedInstantiations } from '../../src/core/kernels/wasmModule.js';
import type { Loss, ValueAndGrad } from '../../src/core/loss.js';
import {
  categoricalCrossentropy,
  diceLoss,
  focalLoss,
  kernelBackend,
  setRelaxedSimd,
  type NdArray,
} from '../../src/index.js';
import { wasmAgree } from '../helpers/wasmAgree.js';

(globalThis as { segkitSwitchesRelaxed?: boolean }).segkitSwitchesRelaxed = true;

const SEED = 20261204;

afterEach(() => {
  setRelaxedSimd(true);
  setSoftmaxWasmEnabled(true);
  setElementwiseWasmEnabled(true);
  setBinaryWasmEnabled(true);
});

describe('setRelaxedSimd', () => {
  it('rejects a non-boolean with a TypeError naming the argument and the value', () => {
    expect(() => (setRelaxedSimd as (v: unknown) => boolean)(1)).toThrow(TypeError);
    expect(() => (setRelaxedSimd as (v: unknown) => boolean)(1)).toThrow(
      /^setRelaxedSimd: enabled must be a boolean; got 1\.$/,
    );
    expect(() => (setRelaxedSimd as (v: unknown) => boolean)('off')).toThrow(/got 'off'\.$/);
  });

  it("switches kernelBackend('modules') between 'wasm-relaxed-simd' and 'wasm-simd' and returns the previous setting", () => {
    const relaxed = {
      region: 'wasm-simd',
      softmaxRegion: 'wasm-relaxed-simd',
      elementwise: 'wasm-relaxed-simd',
      binary: 'wasm-relaxed-simd',
    };
    expect(kernelBackend('modules')).toEqual(relaxed);
    expect(kernelBackend()).toBe('wasm-simd');
    expect(setRelaxedSimd(false)).toBe(true);
    expect(kernelBackend('modules')).toEqual({
      region: 'wasm-simd',
      softmaxRegion: 'wasm-simd',
      elementwise: 'wasm-simd',
      binary: 'wasm-simd',
    });
    expect(kernelBackend()).toBe('wasm-simd');
    expect(setRelaxedSimd(false)).toBe(false);
    expect(setRelaxedSimd(true)).toBe(false);
    expect(kernelBackend('modules')).toEqual(relaxed);
  });
});

/** Channels-last logits in [−s, s] (seeded) and one-hot targets (dense float32) of shape [N, H, W, C]. */
function logits(shape: number[], spread: number, seed: number): { gt: NdArray; pr: NdArray } {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const C = shape[3];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 2 * spread));
  const g = new Float32Array(n);
  for (let p = 0; p < n / C; p++) g[p * C + Math.floor(rnd() * C)] = 1;
  return { gt: { data: g, shape }, pr: { data: x, shape } };
}

interface Side extends ValueAndGrad {
  instantiated: { relaxed: number; simd: number };
  runs: number;
}

/** valueAndGrad with relaxed SIMD on or off; the modules instantiated and the kernel runs it took. */
function side(relaxed: boolean, loss: Loss, gt: NdArray, pr: NdArray, runs: () => number): Side {
  setRelaxedSimd(relaxed);
  const i0 = relaxedInstantiations();
  const r0 = runs();
  const { value, grad } = loss.valueAndGrad(gt, pr);
  const i1 = relaxedInstantiations();
  return {
    value,
    grad,
    instantiated: { relaxed: i1.relaxed - i0.relaxed, simd: i1.simd - i0.simd },
    runs: runs() - r0,
  };
}

const CASES: [string, (C: number) => Loss, () => number][] = [
  [
    'Dice from logits (softmax region)',
    () => diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast' }),
    () => softmaxRuns().wasm,
  ],
  [
    'softmax focal from logits (elementwise)',
    () => focalLoss({ preset: 'monai', activation: 'softmax', layout: 'channelsLast' }),
    elementwiseWasmRuns,
  ],
  [
    'categorical cross-entropy of probabilities (elementwise)',
    () => categoricalCrossentropy(),
    elementwiseWasmRuns,
  ],
  [
    'sigmoid focal from logits (binary)',
    () => focalLoss({ preset: 'monai', layout: 'channelsLast' }),
    () => binaryWasmRuns(),
  ],
];

describe('relaxed kernels = SIMD128 kernels within float32 rounding', () => {
  for (const [name, make, runs] of CASES) {
    it(name, () => {
      setSoftmaxWasmEnabled(true, 0);
      setElementwiseWasmEnabled(true, 0);
      setBinaryWasmEnabled(true, 0);
      let first = true;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 17 }),
          fc.constantFrom(2, 3, 4, 6, 8), // channel periods the binary kernels have (lcm(C, 4) ≤ 12)
          fc.constantFrom(2, 8, 30),
          fc.integer({ min: 1, max: 2 ** 30 }),
          (N, H, C, spread, seed) => {
            const loss = make(C);
            const x = logits([N, H, 5, C], spread, seed);
            // Probabilities for the cross-entropy of probabilities: a softmax of the logits.
            if (name.includes('probabilities')) {
              const d = x.pr.data as Float32Array;
              for (let p = 0; p < d.length; p += C) {
                let s = 0;
                for (let c = 0; c < C; c++) s += Math.exp(d[p + c]);
                for (let c = 0; c < C; c++) d[p + c] = Math.exp(d[p + c]) / s;
              }
            }
            const plain = side(false, loss, x.gt, x.pr, runs);
            const relaxed = side(true, loss, x.gt, x.pr, runs);
            expect(plain.runs).toBeGreaterThan(0);
            expect(relaxed.runs).toBe(plain.runs);
            if (first) {
              // Each setting instantiates its own modules once, on first use (the earlier tests may have).
              expect(plain.instantiated.relaxed + relaxed.instantiated.simd).toBe(0);
              first = false;
            }
            expect(wasmAgree(plain, relaxed)).toBeNull();
          },
        ),
        { seed: SEED, numRuns: 40 },
      );
      const n = relaxedInstantiations();
      expect(n.relaxed).toBeGreaterThan(0);
      expect(n.simd).toBeGreaterThan(0);
    });
  }
});
