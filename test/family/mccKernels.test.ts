/**
 * mccLoss on the region engine's dense kernels (family/mcc.ts → kernels/regionWasm.ts `sumsPixels` /
 * `affinePixels`, or its JS loop and kernels/affineGrad.ts): WebAssembly against JS (which ran: the region run
 * counter), both against a float64 reference of the soft counts (smp's formula, summed here term by term), the
 * gradient against float64 central differences, `{ out }`, and bad input (first offending index, pr before gt).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { mccLoss } from '../../src/core/losses/index.js';
import { mccFromCounts } from '../../src/core/evaluation/fromCounts.js';
import { regionWasmRuns, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';
import type { NdArray } from '../../src/core/types.js';
import { rng } from '../core/random.js';
import { expectCentralDifferences, expectClose } from './helpers.js';

afterEach(() => setRegionWasmEnabled(true));

/** smp's MCCLoss written out in float64: the four soft counts term by term, each + eps. */
function reference(g: ArrayLike<number>, p: ArrayLike<number>, eps = 1e-5): number {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < p.length; i++) {
    tp += p[i] * g[i];
    tn += (1 - p[i]) * (1 - g[i]);
    fp += p[i] * (1 - g[i]);
    fn += (1 - p[i]) * g[i];
  }
  return 1 - mccFromCounts(tp + eps, fp + eps, fn + eps, tn + eps);
}

/** Seeded float32 probabilities (a few exactly 0 and 1) and targets: one-hot 0/1, or soft in [0, 1]. */
function inputs(seed: number, n: number, soft: boolean) {
  const r = rng(seed);
  const p = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    p[i] = u < 0.02 ? 0 : u > 0.98 ? 1 : r();
    g[i] = soft ? (r() < 0.3 ? r() : r() < 0.5 ? 1 : 0) : r() < 0.35 ? 1 : 0;
  }
  return { p, g, shape: [n] };
}

/** valueAndGrad into a NaN-filled `out` (which must come back) and whether the WebAssembly kernels ran. */
function run(mode: 'wasm' | 'js', g: Float32Array, p: Float32Array, shape: number[]) {
  setRegionWasmEnabled(mode === 'wasm', 0);
  const out = new Float32Array(p.length).fill(NaN);
  const before = regionWasmRuns().runs;
  const r = mccLoss.valueAndGrad({ data: g, shape }, { data: p, shape }, { out });
  const ran = regionWasmRuns().runs > before;
  setRegionWasmEnabled(true);
  expect(r.grad).toBe(out);
  expect(ran).toBe(mode === 'wasm');
  return { value: r.value, grad: r.grad };
}

describe('mccLoss on the region kernels', () => {
  it('WebAssembly and JS agree (float32 rounding), and both give the float64 reference value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40000 }), fc.boolean(), fc.nat(), (n, soft, seed) => {
        const { p, g, shape } = inputs(seed, n, soft);
        const w = run('wasm', g, p, shape);
        const j = run('js', g, p, shape);
        const want = reference(g, p);
        expect(Math.abs(w.value - want)).toBeLessThanOrEqual(1e-9 + 1e-9 * Math.abs(want));
        expect(Math.abs(j.value - want)).toBeLessThanOrEqual(1e-9 + 1e-9 * Math.abs(want));
        // Pass 2 is the same float64 arithmetic on the same coefficients: float32 rounding apart at most.
        expectClose(w, j, 1e-6);
      }),
      { numRuns: 40 },
    );
  });

  it('the default size threshold: long float32 inputs take WebAssembly, short ones and float64 the JS loop', () => {
    const big = inputs(3, 50000, false);
    const small = inputs(3, 100, false);
    const cases: [Float32Array | Float64Array, Float32Array | Float64Array, boolean][] = [
      [big.g, big.p, true],
      [small.g, small.p, false],
      [Float64Array.from(big.g), Float64Array.from(big.p), false],
    ];
    for (const [g, p, wasm] of cases) {
      const before = regionWasmRuns().runs;
      mccLoss.valueAndGrad({ data: g, shape: [g.length] }, { data: p, shape: [p.length] });
      expect(regionWasmRuns().runs > before).toBe(wasm);
    }
  });

  for (const mode of ['wasm', 'js'] as const) {
    it(`the gradient matches float64 central differences (${mode}; one-hot and soft targets, a tail)`, () => {
      for (const soft of [false, true]) {
        const { p, g, shape } = inputs(soft ? 11 : 12, 9001, soft);
        const r = run(mode, g, p, shape);
        const g64 = Float64Array.from(g);
        // Away from the ends of [0, 1], where a step of h would leave the domain.
        expectCentralDifferences(
          r.grad,
          (x) => reference(g64, x),
          Float64Array.from(p),
          1e-4,
          (v) => v > 1e-3 && v < 1 - 1e-3,
        );
      }
    });
  }

  for (const mode of ['wasm', 'js'] as const) {
    describe(`bad input (${mode}): the first offending index, pr before gt`, () => {
      const n = 40001;
      const call = (edit: (p: Float32Array, g: Float32Array) => void, checkInputs = true) => {
        const { p, g } = inputs(7, n, false);
        edit(p, g);
        setRegionWasmEnabled(mode === 'wasm', 0);
        try {
          const out = new Float32Array(n);
          const loss = checkInputs ? mccLoss : mccLoss({ checkInputs: false });
          return loss.valueAndGrad({ data: g, shape: [n] }, { data: p, shape: [n] }, { out });
        } finally {
          setRegionWasmEnabled(true);
        }
      };
      const cases: [string, (p: Float32Array, g: Float32Array) => void, RegExp][] = [
        [
          'pr above 1',
          (p) => (p[30000] = 1.5),
          /^mccLoss: pr must hold values in \[0, 1\]; got 1\.5 at pr\.data\[30000\]\.$/,
        ],
        ['pr negative', (p) => (p[5] = -0.25), /got -0\.25 at pr\.data\[5\]\./],
        [
          'pr NaN in the tail',
          (p) => (p[n - 1] = NaN),
          /pr must hold values in \[0, 1\]; got NaN at pr\.data\[40000\]\./,
        ],
        [
          'gt 2 among one-hot targets',
          (_, g) => (g[20000] = 2),
          /^mccLoss: gt must hold values in \[0, 1\]; got 2 at gt\.data\[20000\]\.$/,
        ],
        ['gt NaN', (_, g) => (g[17] = NaN), /gt must hold values in \[0, 1\]; got NaN at gt\.data\[17\]\./],
        ['gt −1 in the tail', (_, g) => (g[n - 1] = -1), /got -1 at gt\.data\[40000\]\./],
        [
          'gt soft, then pr bad later',
          (p, g) => ((g[3] = 0.5), (p[39000] = 2)),
          /got 2 at pr\.data\[39000\]\./,
        ],
        ['gt bad before pr bad', (p, g) => ((g[100] = 3), (p[200] = 3)), /got 3 at gt\.data\[100\]\./],
        ['pr and gt bad at one index: pr', (p, g) => ((g[9] = 3), (p[9] = 4)), /got 4 at pr\.data\[9\]\./],
      ];
      for (const [name, edit, want] of cases) it(name, () => expect(() => call(edit)).toThrow(want));

      it('soft targets and −0 are fine', () => {
        expect(() => call((p, g) => ((g[0] = 0.25), (g[1] = -0), (g[n - 1] = 0.75)))).not.toThrow();
      });

      it('unchecked NaN input gives NaN, value and every gradient entry', () => {
        const r = call((p) => (p[123] = NaN), false);
        expect(r.value).toBeNaN();
        expect(r.grad.every((v) => Number.isNaN(v))).toBe(true);
      });
    });
  }

  it('agrees with the JS path on integer targets and on float64 (no WebAssembly)', () => {
    const { p, g } = inputs(21, 5000, false);
    const n = p.length;
    const a = mccLoss.valueAndGrad({ data: Uint8Array.from(g), shape: [n] } as NdArray, {
      data: p,
      shape: [n],
    });
    const b = run('wasm', g, p, [n]);
    expectClose(a, b, 1e-6);
  });
});
