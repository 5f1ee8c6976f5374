/**
 * The squared (V-Net) counting form on the dense region stage (family/denseStats.ts with `squared`;
 * kernels/regionWasm.ts's squared module and kernels/squaredStats.ts): I = Σp·g, P = Σp², G = Σg² in pass 1 and
 * ∂L/∂p = A·g + 2B·p in pass 2, from probabilities and from float32 logits through a sigmoid. Checked against the
 * general path of family/region.ts (the stage switched off), WebAssembly against JS, through float64 finite
 * differences of the general path, and for bad input (the general path's errors).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss, tverskyLoss, type Loss, type NdArray } from '../../src/index.js';
import { denseSigmoid, denseSquared } from '../../src/core/family/denseStats.js';
import {
  regionSquaredRuns,
  setRegionWasmEnabled,
  softmaxSquaredGradRun,
} from '../../src/core/kernels/regionWasm.js';
import { softmaxSquaredGrad } from '../../src/core/kernels/squaredStats.js';
import { setSoftmaxWasmEnabled } from '../../src/core/kernels/softmaxRegion.js';
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
  denseSquared.enabled = true;
  denseSigmoid.store = true;
});

type Layout = 'channelsLast' | 'channelsFirst';

/**
 * Seeded float32 inputs: probabilities in [0, 1] (some exactly 0 and 1), or logits in (−8, 8) with a few ±30;
 * targets 0 / 1, or with `soft` also values in (0, 1) and a few outside [0, 1] (Σg² ≠ Σg).
 */
function pair(seed: number, shape: number[], logits: boolean, soft = false) {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (logits) x[i] = u < 0.01 ? (r() < 0.5 ? -30 : 30) : 16 * r() - 8;
    else x[i] = u < 0.02 ? 0 : u < 0.04 ? 1 : r();
    const v = r();
    g[i] = !soft
      ? v < 0.35
        ? 1
        : 0
      : v < 0.3
        ? 1
        : v < 0.6
          ? 0
          : v < 0.95
            ? Math.fround(r())
            : 1.5 - 2 * r();
  }
  return { gt: { data: g, shape }, pr: { data: x, shape } };
}

const shapeOf = (N: number, H: number, W: number, C: number, layout: Layout) =>
  layout === 'channelsLast' ? [N, H, W, C] : [N, C, H, W];

/** One float32 ulp of the largest gradient (relative): a rounding moved by sums added in another order. */
const ULP = 2 ** -23;

type Mode = 'wasm' | 'js' | 'general' | 'recompute';

/** valueAndGrad on one path into a NaN-filled `out`, and how many runs of the squared stage it took. */
function run(loss: Loss, gt: NdArray, pr: NdArray, mode: Mode) {
  setRegionWasmEnabled(mode !== 'js', 0);
  denseSquared.enabled = mode !== 'general';
  denseSigmoid.store = mode !== 'recompute';
  return stageRun(loss, gt, pr, regionSquaredRuns);
}

/** MONAI's BraTS tutorial form: DiceLoss(smooth_nr=0, smooth_dr=1e-5, squared_pred=True, sigmoid=True). */
const brats = (o: object, logits: boolean) =>
  diceLoss({
    preset: 'monai',
    squared: true,
    smoothNr: 0,
    smoothDr: 1e-5,
    ...(logits ? { fromLogits: true, activation: 'sigmoid' as const } : {}),
    ...o,
  });

describe('the squared form on the dense stage', () => {
  for (const logits of [false, true]) {
    const from = logits ? 'from float32 logits' : 'from probabilities';
    it(`${from}: forced WebAssembly and forced JS take the path they are told, both layouts, C = 1 and 3`, () => {
      for (const layout of ['channelsLast', 'channelsFirst'] as const) {
        for (const C of [1, 3]) {
          // 2080 pixels per image: whole periods only.
          const { gt, pr } = pair(C, shapeOf(2, 40, 52, C, layout), logits, true);
          const loss = brats({ layout }, logits);
          const w = run(loss, gt, pr, 'wasm');
          expect(w.wasm).toBeGreaterThan(0);
          expect(w.js).toBe(0);
          const j = run(loss, gt, pr, 'js');
          expect(j.wasm).toBe(0);
          expect(j.js).toBeGreaterThan(0);
          const g = run(loss, gt, pr, 'general');
          expect(g.wasm + g.js).toBe(0);
          // JS = general: the same float32 p and the same float64 arithmetic up to the order of sums (and of
          // the sigmoid product's factors).
          expectClose(j, g, logits ? 1e-9 : 0);
          if (logits) {
            expect(w.stored).toBeGreaterThan(0);
            expectClose(w, j, 2e-6);
            const r = run(loss, gt, pr, 'recompute');
            expect(r.recomputed).toBeGreaterThan(0);
            expect(r.stored).toBe(0);
            expect(r.grad).toEqual(w.grad);
          } else {
            // From probabilities, a·g + 2B·p in float64 rounded once on every path: JS gives the general path's
            // bits; WebAssembly's sums differ in the order of additions, which may move a rounding by one ulp.
            expect(j.grad).toEqual(g.grad);
            expectClose(w, g, ULP);
          }
        }
      }
    });
  }

  it('property: WebAssembly = JS = general path (odd shapes, C, layout, perImage, classes, weights, soft targets)', () => {
    fc.assert(
      fc.property(
        stageShape(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('all', 'subset', 'noBackground'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'logDice'),
        fc.integer({ min: 0, max: 2 ** 30 }),
        ({ N, H, W, C, layout }, perImage, logits, soft, classes, which, seed) => {
          const { gt, pr } = pair(seed, shapeOf(N, H, W, C, layout), logits, soft);
          const { sel, K } = classChoice(classes, C);
          const o = {
            preset: 'monai' as const,
            squared: true,
            layout,
            perImage,
            classWeights: Array.from({ length: K }, (_, k) => 0.5 + k),
            ...(logits ? { fromLogits: true, activation: 'sigmoid' as const } : {}),
            ...sel,
          };
          const loss = regionLossOf(which, o, () => diceLoss({ ...o, logLoss: true }));
          const g = run(loss, gt, pr, 'general');
          const j = run(loss, gt, pr, 'js');
          const w = run(loss, gt, pr, 'wasm');
          expect(g.wasm + g.js).toBe(0);
          expect(j.js).toBeGreaterThan(0);
          expect(w.wasm + w.js).toBeGreaterThan(0);
          expectClose(j, g, logits ? 1e-9 : 0);
          expectClose(w, g, logits ? 2e-6 : ULP);
        },
      ),
      { seed: 20261205, numRuns: 60 },
    );
  });

  for (const logits of [false, true]) {
    it(`the gradient equals float64 central differences of the general path (${logits ? 'logits' : 'probabilities'}; WebAssembly and JS)`, () => {
      const { gt, pr } = pair(11, [2, 3, 33, 35], logits, true);
      const loss = tverskyLoss({
        preset: 'monai',
        squared: true,
        layout: 'channelsFirst',
        alpha: 0.3,
        beta: 0.7,
        classWeights: [1, 2, 0.5],
        ...(logits ? { fromLogits: true, activation: 'sigmoid' as const } : {}),
      });
      const x64 = Float64Array.from(pr.data);
      const f = (x: Float64Array) => loss.value(gt, { data: x, shape: pr.shape });
      for (const mode of ['wasm', 'js'] as const) {
        const { grad, wasm, js } = run(loss, gt, pr, mode);
        expect(mode === 'wasm' ? wasm : js).toBeGreaterThan(0);
        // Probabilities stay inside (0, 1) with the step (the [0, 1] check).
        if (logits) expectCentralDifferences(grad, f, x64, 1e-4);
        else expectCentralDifferences(grad, f, x64, 1e-5, (v) => v > 1e-3 && v < 1 - 1e-3);
      }
    });
  }

  it('from logits: a label map takes the stage and gives the general path result', () => {
    const { pr } = pair(3, [2, 1, 48, 50], true);
    const r = rng(9);
    const labels = Uint8Array.from({ length: 2 * 48 * 50 }, () => (r() < 0.4 ? 1 : 0));
    const gt = { data: labels, shape: [2, 48, 50] };
    const loss = brats({ layout: 'channelsFirst' }, true);
    const g = run(loss, gt, pr, 'general');
    const w = run(loss, gt, pr, 'wasm');
    expect(w.wasm).toBeGreaterThan(0);
    expectClose(w, g, 2e-6);
  });

  it("smp's soft-label option is ignored in the squared form, as on the general path", () => {
    const { gt, pr } = pair(4, [2, 2, 40, 40], true, true);
    const loss = diceLoss({ preset: 'smp', squared: true, fromLogits: true, activation: 'sigmoid' });
    const g = run(loss, gt, pr, 'general');
    const w = run(loss, gt, pr, 'wasm');
    expect(w.wasm).toBeGreaterThan(0);
    expectClose(w, g, 2e-6);
  });

  it('an empty class is told by Σg, not Σg² (targets ±½ in class 1: Σg = 0, Σg² > 0), as on the general path', () => {
    const { gt, pr } = pair(12, [2, 3, 40, 40], false);
    const P = 40 * 40;
    for (let b = 0; b < 2; b++)
      for (let s = 0; s < P; s++) gt.data[(3 * b + 1) * P + s] = s % 2 === 0 ? 0.5 : -0.5;
    for (const emptyClass of ['zero', 'skip'] as const) {
      const loss = brats({ layout: 'channelsFirst', emptyClass, perImage: true }, false);
      const g = run(loss, gt, pr, 'general');
      for (const mode of ['wasm', 'js'] as const) {
        const r = run(loss, gt, pr, mode);
        expect(r.wasm + r.js).toBeGreaterThan(0);
        expectClose(r, g, mode === 'js' ? 0 : ULP);
      }
      // Class 1 is left out: its gradient is 0.
      expect(g.grad[P + 5]).toBe(0);
    }
  });
});

describe('bad input on the squared stage', () => {
  const layout = 'channelsLast' as const;
  for (const mode of ['wasm', 'js'] as const) {
    it(`${mode}: bad probabilities, logits and targets give the general path's RangeError`, () => {
      const cases: [boolean, string, number, number, RegExp][] = [
        [
          false,
          'pr',
          1234,
          NaN,
          /^diceLoss: pr must hold probabilities in \[0, 1\]; got NaN at index 1234\.$/,
        ],
        [false, 'pr', 55, 1.5, /^diceLoss: pr must hold probabilities in \[0, 1\]; got 1\.5 at index 55\.$/],
        [
          false,
          'pr',
          56,
          -0.25,
          /^diceLoss: pr must hold probabilities in \[0, 1\]; got -0\.25 at index 56\.$/,
        ],
        [true, 'pr', 777, Infinity, /^diceLoss: pr must hold finite logits; got Infinity at index 777\.$/],
        [false, 'gt', 4001, NaN, /^diceLoss: gt must hold finite values; got NaN at index 4001\.$/],
        [
          true,
          'gt',
          4002,
          -Infinity,
          /^diceLoss: gt must hold finite values; got -Infinity at index 4002\.$/,
        ],
      ];
      for (const [logits, where, at, v, message] of cases) {
        const { gt, pr } = pair(8, [2, 40, 40, 3], logits);
        (where === 'pr' ? pr : gt).data[at] = v;
        const loss = brats({ layout }, logits);
        setRegionWasmEnabled(mode === 'wasm', 0);
        const before = regionSquaredRuns();
        expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
        const after = regionSquaredRuns();
        expect(mode === 'wasm' ? after.wasm - before.wasm : after.js - before.js).toBeGreaterThan(0);
        denseSquared.enabled = false;
        expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
        denseSquared.enabled = true;
      }
    });

    it(`${mode}: checkInputs: false from logits computes what the general path computes`, () => {
      const { gt, pr } = pair(8, [2, 40, 40, 3], true);
      pr.data[99] = NaN;
      const loss = brats({ layout, checkInputs: false, classIndexes: [0, 2] }, true);
      const got = run(loss, gt, pr, mode);
      const ref = run(loss, gt, pr, 'general');
      expect(got.value).toBe(ref.value);
      expect(got.grad).toEqual(ref.grad);
    });
  }
});

describe('the squared form from softmax logits (channels-first)', () => {
  type SoftmaxMode = 'wasm' | 'js' | 'general';

  /** valueAndGrad with the softmax and region kernels on (from any length) or off, or the stage off. */
  function runSoftmax(loss: Loss, gt: NdArray, pr: NdArray, mode: SoftmaxMode) {
    setSoftmaxWasmEnabled(mode === 'wasm', 0);
    try {
      return run(loss, gt, pr, mode);
    } finally {
      setSoftmaxWasmEnabled(true);
    }
  }

  /** Channels-first logits [N, C, H, W] and dense targets (soft with `soft`) or a label map [N, H, W]. */
  function softmaxPair(
    seed: number,
    N: number,
    C: number,
    H: number,
    W: number,
    labels: boolean,
    soft = false,
  ) {
    const { gt, pr } = pair(seed, [N, C, H, W], true, soft);
    if (!labels) return { gt, pr };
    const r = rng(seed + 1);
    const l = Uint8Array.from({ length: N * H * W }, () => Math.floor(r() * C));
    return { gt: { data: l, shape: [N, H, W] }, pr };
  }

  const monaiSoftmax = (o: object) =>
    diceLoss({ preset: 'monai', squared: true, fromLogits: true, layout: 'channelsFirst', ...o });

  it('forced WebAssembly and JS take the stage, dense targets and label maps, C = 2, 3, 5', () => {
    for (const labels of [false, true]) {
      for (const C of [2, 3, 5]) {
        const { gt, pr } = softmaxPair(C, 2, C, 41, 37, labels, true);
        const loss = monaiSoftmax({});
        const g = runSoftmax(loss, gt, pr, 'general');
        expect(g.wasm + g.js).toBe(0);
        const w = runSoftmax(loss, gt, pr, 'wasm');
        expect(w.wasm).toBeGreaterThan(0);
        const j = runSoftmax(loss, gt, pr, 'js');
        expect(j.js).toBeGreaterThan(0);
        expect(j.wasm).toBe(0);
        // The softmax of the kernels (float32, WebAssembly's exp within a few ulps) against the general path's.
        expectClose(w, g, 2e-6);
        expectClose(j, g, 2e-6);
      }
    }
  });

  it('property: WebAssembly = JS = general path (odd shapes, C, perImage, classes, weights, targets)', () => {
    fc.assert(
      fc.property(
        stageShape(),
        fc.boolean(),
        fc.constantFrom('dense', 'soft', 'labels'),
        fc.constantFrom('all', 'subset', 'noBackground'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'logDice'),
        fc.integer({ min: 0, max: 2 ** 30 }),
        ({ N, H, W, C: c }, perImage, targets, classes, which, seed) => {
          const C = c + 1;
          const { gt, pr } = softmaxPair(seed, N, C, H, W, targets === 'labels', targets === 'soft');
          const { sel, K } = classChoice(classes, C);
          const o = {
            preset: 'monai' as const,
            squared: true,
            fromLogits: true,
            layout: 'channelsFirst' as const,
            perImage,
            classWeights: Array.from({ length: K }, (_, k) => 0.5 + k),
            ...sel,
          };
          const loss = regionLossOf(which, o, () => diceLoss({ ...o, logLoss: true }));
          const g = runSoftmax(loss, gt, pr, 'general');
          const w = runSoftmax(loss, gt, pr, 'wasm');
          const j = runSoftmax(loss, gt, pr, 'js');
          expect(w.wasm).toBeGreaterThan(0);
          expect(j.js).toBeGreaterThan(0);
          expectClose(w, g, 2e-6);
          expectClose(j, g, 2e-6);
        },
      ),
      { seed: 20261206, numRuns: 50 },
    );
  });

  it('the gradient equals float64 central differences of the general path (WebAssembly and JS)', () => {
    const { gt, pr } = softmaxPair(21, 2, 4, 23, 29, false, true);
    const loss = tverskyLoss({
      preset: 'monai',
      squared: true,
      fromLogits: true,
      layout: 'channelsFirst',
      alpha: 0.3,
      beta: 0.7,
      classWeights: [1, 2, 0.5, 1.5],
    });
    const x64 = Float64Array.from(pr.data);
    const f = (x: Float64Array) => loss.value(gt, { data: x, shape: pr.shape });
    for (const mode of ['wasm', 'js'] as const) {
      const r = runSoftmax(loss, gt, pr, mode);
      expect(r.wasm + r.js).toBeGreaterThan(0);
      expectCentralDifferences(r.grad, f, x64, 1e-4);
    }
  });

  it("bad logits and labels give the general path's RangeError", () => {
    const cases: [boolean, number, number, RegExp][] = [
      [false, 1234, NaN, /^diceLoss: pr must hold finite logits; got NaN at index 1234\.$/],
      [true, 77, Infinity, /^diceLoss: pr must hold finite logits; got Infinity at index 77\.$/],
    ];
    for (const [labels, at, v, message] of cases) {
      const { gt, pr } = softmaxPair(5, 2, 3, 40, 40, labels);
      pr.data[at] = v;
      const loss = monaiSoftmax({});
      for (const on of [true, false]) {
        denseSquared.enabled = on;
        expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
      }
    }
    const { gt, pr } = softmaxPair(5, 2, 3, 40, 40, true);
    gt.data[100] = 7;
    const loss = monaiSoftmax({});
    let message = '';
    denseSquared.enabled = false;
    try {
      loss.valueAndGrad(gt, pr);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^diceLoss: gt labels must be integers in \[0, 2\]/);
    denseSquared.enabled = true;
    expect(() => loss.valueAndGrad(gt, pr)).toThrow(message);
  });

  it('an out buffer overlapping the logits, and value-only calls: the same numbers', () => {
    const { gt, pr } = softmaxPair(9, 2, 3, 40, 40, false);
    const loss = monaiSoftmax({});
    const ref = runSoftmax(loss, gt, pr, 'wasm');
    const n = pr.data.length;
    const buffer = new Float32Array(2 * n);
    buffer.set(pr.data);
    const x = buffer.subarray(0, n);
    const out = buffer.subarray(n);
    const shared = loss.valueAndGrad(gt, { data: x, shape: pr.shape }, { out });
    expect(shared.value).toBe(ref.value);
    expect(Array.from(out)).toEqual(Array.from(ref.grad));
    expect(loss.value(gt, pr)).toBe(ref.value);
  });

  it("pass 2's WebAssembly kernel gives the JS kernel's bits (odd pixel counts, C = 2…16; C = 17 runs JS)", () => {
    const r = rng(31);
    for (const [pixels, C] of [
      [5003, 3],
      [4097, 2],
      [1000, 16],
      [777, 7],
      [301, 17],
    ]) {
      const n = 2 * pixels * C;
      const g = Float32Array.from({ length: n }, () => (r() < 0.5 ? Math.fround(r()) : 1));
      const p = Float32Array.from({ length: n }, () => Math.fround(r()));
      const a = Float64Array.from({ length: C }, () => r() - 0.5);
      const b = Float64Array.from({ length: C }, () => r() - 0.5);
      const js = new Float32Array(n).fill(NaN);
      const wasm = new Float32Array(n).fill(NaN);
      setRegionWasmEnabled(true, 0);
      const before = regionSquaredRuns();
      for (const img of [0, 1]) {
        softmaxSquaredGrad(g, p, js, img * pixels * C, pixels, C, a, b);
        softmaxSquaredGradRun(g, p, wasm, img * pixels * C, pixels, C, a, b);
      }
      const after = regionSquaredRuns();
      expect(after.wasm - before.wasm).toBe(C <= 16 ? 2 : 0);
      expect(wasm).toEqual(js);
      // Over the stored softmax itself (grad = p), as the path runs without `out`.
      const own = Float32Array.from(p);
      for (const img of [0, 1]) softmaxSquaredGradRun(g, own, own, img * pixels * C, pixels, C, a, b);
      expect(own).toEqual(js);
    }
  });

  it('channels-last squared softmax stays on the general path', () => {
    const { gt, pr } = pair(3, [2, 30, 30, 3], true);
    const loss = diceLoss({ preset: 'monai', squared: true, fromLogits: true, layout: 'channelsLast' });
    const r = runSoftmax(loss, gt, pr, 'wasm');
    expect(r.wasm + r.js).toBe(0);
  });
});
