/**
 * The sigmoid stage of the dense region path (family/denseStats.ts with a SigmoidPass; kernels/regionWasm.ts's
 * sigmoid module and kernels/sigmoidStats.ts): region losses from float32 logits with a sigmoid. Checked against
 * the general path of family/region.ts (the stage switched off), WebAssembly against JS, through float64 finite
 * differences of the general path, and for bad input (the general path's errors, and its results unchecked).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss, tverskyLoss, type Loss, type NdArray } from '../../src/index.js';
import { denseSigmoid } from '../../src/core/family/denseStats.js';
import { regionSigmoidRuns, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';
import { rng } from '../core/random.js';
import {
  classChoice,
  expectCentralDifferences,
  expectClose,
  regionLossOf,
  stageRun,
  stageShape,
} from './helpers.js';

afterEach(() => {
  setRegionWasmEnabled(true);
  denseSigmoid.enabled = true;
  denseSigmoid.store = true;
});

type Layout = 'channelsLast' | 'channelsFirst';

/** Seeded float32 logits in (−8, 8) (a few ±30, saturated) and a 0/1 float32 mask. */
function pair(seed: number, N: number, H: number, W: number, C: number, layout: Layout) {
  const r = rng(seed);
  const shape = layout === 'channelsLast' ? [N, H, W, C] : [N, C, H, W];
  const n = N * H * W * C;
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = r() < 0.01 ? (r() < 0.5 ? -30 : 30) : 16 * r() - 8;
    g[i] = r() < 0.35 ? 1 : 0;
  }
  return { gt: { data: g, shape }, pr: { data: x, shape } };
}

type Mode = 'wasm' | 'js' | 'general' | 'recompute';

/** valueAndGrad on one path into a NaN-filled `out`, and how many runs of the sigmoid stage it took. */
function run(loss: Loss, gt: NdArray, pr: NdArray, mode: Mode) {
  setRegionWasmEnabled(mode !== 'js', 0);
  denseSigmoid.enabled = mode !== 'general';
  denseSigmoid.store = mode !== 'recompute';
  return stageRun(loss, gt, pr, regionSigmoidRuns);
}

const monai = (o: object) => diceLoss({ preset: 'monai', fromLogits: true, activation: 'sigmoid', ...o });

describe('sigmoid region losses from logits on the dense stage', () => {
  it('forced WebAssembly and forced JS take the path they are told, both layouts, C = 1 and 3', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      for (const C of [1, 3]) {
        const { gt, pr } = pair(C, 2, 40, 52, C, layout); // 2080 pixels per image: whole periods only
        const loss = monai({ layout });
        const w = run(loss, gt, pr, 'wasm');
        expect(w.wasm).toBeGreaterThan(0);
        expect(w.js).toBe(0);
        expect(w.stored).toBeGreaterThan(0);
        const j = run(loss, gt, pr, 'js');
        expect(j.wasm).toBe(0);
        expect(j.js).toBeGreaterThan(0);
        const r = run(loss, gt, pr, 'recompute');
        expect(r.recomputed).toBeGreaterThan(0);
        expect(r.stored).toBe(0);
        const g = run(loss, gt, pr, 'general');
        expect(g.wasm + g.js).toBe(0);
        // JS = general (same float32 p, the same float64 arithmetic up to the order of sums).
        expectClose(j, g, 1e-9);
        expectClose(w, j, 2e-6);
        // Recomputing σ in pass 2 gives the stored one's bits.
        expect(r.grad).toEqual(w.grad);
      }
    }
  });

  it('property: WebAssembly = JS = general path (shapes with odd pixel counts, C, layout, perImage, classes, weights)', () => {
    fc.assert(
      fc.property(
        stageShape(),
        fc.boolean(),
        fc.constantFrom('all', 'subset', 'noBackground'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'smp'),
        fc.integer({ min: 0, max: 2 ** 30 }),
        ({ N, H, W, C, layout }, perImage, classes, which, seed) => {
          const { gt, pr } = pair(seed, N, H, W, C, layout);
          const { sel, K } = classChoice(classes, C);
          const weights = Array.from({ length: K }, (_, k) => 0.5 + k);
          const o = {
            preset: 'monai' as const,
            fromLogits: true,
            activation: 'sigmoid' as const,
            layout,
            perImage,
            classWeights: weights,
            ...sel,
          };
          const loss = regionLossOf(which, o, () =>
            diceLoss({ preset: 'smp', fromLogits: true, activation: 'sigmoid', layout, ...sel }),
          );
          const g = run(loss, gt, pr, 'general');
          const j = run(loss, gt, pr, 'js');
          const w = run(loss, gt, pr, 'wasm');
          expect(j.js).toBeGreaterThan(0);
          expect(w.wasm + w.js).toBeGreaterThan(0);
          expectClose(j, g, 1e-9);
          expectClose(w, g, 2e-6);
        },
      ),
      { seed: 20261204, numRuns: 60 },
    );
  });

  it('the gradient equals float64 central differences of the general path (WebAssembly and JS)', () => {
    const { gt, pr } = pair(11, 2, 33, 35, 3, 'channelsFirst');
    const loss = tverskyLoss({
      preset: 'monai',
      fromLogits: true,
      activation: 'sigmoid',
      layout: 'channelsFirst',
      alpha: 0.3,
      beta: 0.7,
      classWeights: [1, 2, 0.5],
    });
    const x64 = Float64Array.from(pr.data);
    const f = (x: Float64Array) => loss.value(gt, { data: x, shape: pr.shape });
    for (const mode of ['wasm', 'js'] as const) {
      expectCentralDifferences(run(loss, gt, pr, mode).grad, f, x64, 1e-4);
    }
  });

  it('a label map takes the stage (C = 1, values 0 / 1) and gives the general path result', () => {
    const { pr } = pair(3, 2, 48, 50, 1, 'channelsFirst');
    const r = rng(9);
    const labels = Uint8Array.from({ length: 2 * 48 * 50 }, () => (r() < 0.4 ? 1 : 0));
    const gt = { data: labels, shape: [2, 48, 50] };
    const loss = monai({ layout: 'channelsFirst' });
    const g = run(loss, gt, pr, 'general');
    const w = run(loss, gt, pr, 'wasm');
    expect(w.wasm).toBeGreaterThan(0);
    expectClose(w, g, 2e-6);
  });

  it("smp's soft-label form: 0 / 1 targets stay on the stage; other targets give the general path's numbers", () => {
    const { gt, pr } = pair(4, 2, 40, 40, 2, 'channelsFirst');
    const loss = diceLoss({ preset: 'smp', fromLogits: true, activation: 'sigmoid' });
    const g = run(loss, gt, pr, 'general');
    const w = run(loss, gt, pr, 'wasm');
    expectClose(w, g, 2e-6);
    expect(w.stored).toBeGreaterThan(0);
    const soft = { data: Float32Array.from(gt.data, (v, i) => (i % 7 === 0 ? 0.5 : v)), shape: gt.shape };
    for (const mode of ['wasm', 'js'] as const) {
      const s = run(loss, soft, pr, mode);
      expect(s.stored).toBe(0); // pass 2 ran on the general path
      const ref = run(loss, soft, pr, 'general');
      expect(s.value).toBe(ref.value);
      expect(s.grad).toEqual(ref.grad);
    }
  });

  it('an out buffer apart from the logits in their ArrayBuffer: σ stored there (an overlapping one is refused)', () => {
    // Issue 10's review: the stage asks whether the views overlap (as the softmax path does), not whether they
    // share an ArrayBuffer. Before, an `out` sharing the logits' buffer without overlapping them computed σ
    // again in pass 2 (this test asserted recomputed > 0 and stored unchanged); now σ is stored there.
    const { gt, pr } = pair(6, 1, 64, 64, 1, 'channelsLast');
    const n = pr.data.length;
    const loss = monai({ perImage: false }); // not per image: the two passes apart (the fused form holds σ itself)
    const apart = run(loss, gt, pr, 'wasm');
    const buffer = new Float32Array(2 * n);
    const x = buffer.subarray(0, n);
    const out = buffer.subarray(n);
    x.set(pr.data);
    const before = regionSigmoidRuns();
    const shared = loss.valueAndGrad(gt, { data: x, shape: pr.shape }, { out });
    const after = regionSigmoidRuns();
    expect(after.stored).toBeGreaterThan(before.stored);
    expect(after.recomputed).toBe(before.recomputed);
    expect(Array.from(x)).toEqual(Array.from(pr.data)); // the logits are left as they were
    expect(shared.value).toBe(apart.value);
    expect(Array.from(out)).toEqual(Array.from(apart.grad));
    const overlapping = buffer.subarray(n / 2, n / 2 + n);
    expect(() => loss.valueAndGrad(gt, { data: x, shape: pr.shape }, { out: overlapping })).toThrow(
      /options\.out must not share memory with pr\.data/,
    );
  });
});

describe('integer dense targets on the sigmoid stage', () => {
  it("Uint8Array masks give the float32 masks' numbers, call after call of other sizes (one reused float32 copy)", () => {
    // Issue 10's review: the integer targets used to be copied to a new float32 array on every call.
    const loss = monai({});
    for (const [seed, N, H] of [
      [11, 2, 40],
      [12, 1, 20],
      [13, 3, 44],
      [14, 1, 20],
    ]) {
      const { gt, pr } = pair(seed, N, H, 36, 3, 'channelsFirst');
      const ref = run(loss, gt, pr, 'wasm');
      const bytes = { data: Uint8Array.from(gt.data), shape: gt.shape };
      const got = run(loss, bytes, pr, 'wasm');
      expect(got.value).toBe(ref.value);
      expect(got.grad).toEqual(ref.grad);
      expect(got.wasm).toBeGreaterThan(0);
    }
  });
});

describe('bad input on the sigmoid stage', () => {
  const layout = 'channelsLast' as const;
  for (const mode of ['wasm', 'js'] as const) {
    it(`${mode}: NaN / ±Inf logits (selected or not) and NaN targets: the general path's RangeError`, () => {
      const cases: [string, number, number, RegExp, object][] = [
        ['pr', 1234, NaN, /^diceLoss: pr must hold finite logits; got NaN at index 1234\.$/, {}],
        ['pr', 777, Infinity, /^diceLoss: pr must hold finite logits; got Infinity at index 777\.$/, {}],
        // Channel 1 of 3 is not selected: the general path checks every logit, so does the stage.
        [
          'pr',
          3 * 500 + 1,
          -Infinity,
          /^diceLoss: pr must hold finite logits; got -Infinity at index 1501\.$/,
          { classIndexes: [0, 2] },
        ],
        ['gt', 4001, NaN, /^diceLoss: gt must hold finite values; got NaN at index 4001\.$/, {}],
      ];
      for (const [where, at, v, message, o] of cases) {
        const { gt, pr } = pair(8, 2, 40, 40, 3, layout);
        (where === 'pr' ? pr : gt).data[at] = v;
        const loss = monai({ layout, ...o });
        setRegionWasmEnabled(mode === 'wasm', 0);
        expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
        denseSigmoid.enabled = false;
        expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
        denseSigmoid.enabled = true;
      }
    });

    it(`${mode}: checkInputs: false computes what the general path computes`, () => {
      const { gt, pr } = pair(8, 2, 40, 40, 3, layout);
      pr.data[99] = NaN;
      pr.data[3 * 700 + 1] = Infinity;
      const loss = monai({ layout, checkInputs: false, classIndexes: [0, 2] });
      const got = run(loss, gt, pr, mode);
      const ref = run(loss, gt, pr, 'general');
      expect(got.value).toBe(ref.value);
      expect(got.grad).toEqual(ref.grad);
    });
  }
});
