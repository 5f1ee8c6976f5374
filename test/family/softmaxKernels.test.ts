/**
 * The fused from-logits softmax path of the region losses (kernels/softmaxRegion.ts): the WebAssembly SIMD
 * kernels against the plain-JS loops (a test forces each and checks which ran), both against the general
 * path (float64 logits, which the reference vectors and the finite-difference tests cover), label maps read
 * directly, bad input reported with its index, and the committed module bytes in sync with their generator.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss, jaccardLoss, tverskyLoss, type Loss, type NdArray } from '../../src/index.js';
import {
  SOFTMAX_MAX_C,
  SOFTMAX_PIXEL_MAJOR_C,
  type SoftmaxTargets,
  setSoftmaxFusedEnabled,
  setSoftmaxWasmEnabled,
  softmaxRegionGrad,
  softmaxRegionStats,
  softmaxRuns,
  softmaxWasmAvailable,
} from '../../src/core/kernels/softmaxRegion.js';
import {
  SOFTMAX_OUTPUT,
  buildSoftmaxKernels,
  softmaxBytesModule,
  // @ts-expect-error: a plain .mjs build script without type declarations.
} from '../../scripts/build-wasm.mjs';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { PIXEL_MAJOR_C } from '../../scripts/wasm/softmaxRegion.mjs';
import { rng } from './helpers.js';

afterEach(() => {
  setSoftmaxWasmEnabled(true);
  setSoftmaxFusedEnabled(true);
});

type LabelKind = 'dense' | 'uint8' | 'int32';

/** Channels-last float32 logits in [-6, 6] and targets: dense one-hot float32, or a uint8 / int32 label map. */
function logitPair(
  seed: number,
  shape: number[],
  kind: LabelKind,
  ignore?: number,
): { gt: NdArray; pr: NdArray; dense: NdArray } {
  const r = rng(seed);
  const C = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 12 * r() - 6;
  const pixels = n / C;
  const labels = new Int32Array(pixels);
  const dense = new Float32Array(n);
  for (let s = 0; s < pixels; s++) {
    labels[s] = ignore !== undefined && r() < 0.1 ? ignore : Math.floor(r() * C);
    if (labels[s] !== ignore) dense[s * C + labels[s]] = 1;
  }
  const labelShape = shape.slice(0, -1);
  const gt: NdArray =
    kind === 'dense'
      ? { data: dense, shape }
      : { data: kind === 'uint8' ? Uint8Array.from(labels) : labels, shape: labelShape };
  return { gt, pr: { data: x, shape }, dense: { data: dense, shape } };
}

/** Runs f on the JS loops, then on WebAssembly (from any size); counts the image-runs of each. */
function bothPaths<T>(f: () => T): { js: T; wasm: T; jsRuns: number; wasmRuns: number } {
  setSoftmaxWasmEnabled(false);
  const a = softmaxRuns();
  const js = f();
  setSoftmaxWasmEnabled(true, 0);
  const b = softmaxRuns();
  const wasm = f();
  const c = softmaxRuns();
  return { js, wasm, jsRuns: b.js - a.js, wasmRuns: c.wasm - b.wasm };
}

/** |a − b| ≤ tol · max(1, max|b|) for every entry. */
function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let scale = 1e-30;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol * scale);
}

/** The same loss on float64 logits: the general path (stored softmax, one-hot targets). */
function generalPath(loss: Loss, gt: NdArray, pr: NdArray) {
  return loss.valueAndGrad(gt, { data: Float64Array.from(pr.data as Float32Array), shape: pr.shape });
}

/**
 * WebAssembly and JS agree to float32 rounding (values 1e-6, gradients 2e-6 of the largest), and JS agrees with
 * the general path on float64 logits (values to `tolRef`, gradients 1e-6). Returns the image-run counts.
 */
function expectThreePaths(loss: Loss, gt: NdArray, pr: NdArray, tolRef: number) {
  const { js, wasm, jsRuns, wasmRuns } = bothPaths(() => loss.valueAndGrad(gt, pr));
  expect(Math.abs(js.value - wasm.value)).toBeLessThanOrEqual(1e-6);
  expectNear(wasm.grad, js.grad, 2e-6);
  const ref = generalPath(loss, gt, pr);
  expect(Math.abs(js.value - ref.value)).toBeLessThanOrEqual(tolRef);
  expectNear(js.grad, ref.grad, 1e-6);
  return { jsRuns, wasmRuns };
}

const monai = (o: object = {}) =>
  diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast', ...o });

describe('fused softmax region kernels: WebAssembly = JS = the general path', () => {
  it('the WebAssembly kernels load here (Node 20 has WebAssembly SIMD)', () => {
    expect(softmaxWasmAvailable(4)).toBe(true);
  });

  for (let C = 2; C <= SOFTMAX_MAX_C + 1; C++) {
    for (const kind of ['dense', 'uint8', 'int32'] as const) {
      it(`C = ${C}, ${kind} targets, odd pixel counts: values and gradients${C > SOFTMAX_MAX_C ? ' (no module: JS)' : ''}`, () => {
        const { gt, pr } = logitPair(C * 10 + kind.length, [3, 13, 11, C], kind);
        const loss = monai();
        const { jsRuns, wasmRuns } = expectThreePaths(loss, gt, pr, 1e-12);
        expect(jsRuns).toBe(6); // 3 images × 2 passes
        expect(wasmRuns).toBe(C > SOFTMAX_MAX_C ? 0 : 6);
      });
    }
  }

  it('ignoreIndex on label maps (in range and out of range), class selection, presets', () => {
    for (const ignore of [255, 0, -1]) {
      const kind = ignore === -1 ? 'int32' : 'uint8';
      const { gt, pr } = logitPair(7 + ignore, [2, 21, 17, 5], kind, ignore);
      for (const loss of [
        monai({ ignoreIndex: ignore }),
        monai({ ignoreIndex: ignore, includeBackground: false, perImage: false }),
        diceLoss({ preset: 'smp', fromLogits: true, layout: 'channelsLast', ignoreIndex: ignore }),
        jaccardLoss({
          preset: 'smp',
          fromLogits: true,
          layout: 'channelsLast',
          ignoreIndex: ignore,
          classIndexes: [3, 1],
        }),
        tverskyLoss({
          preset: 'smp',
          fromLogits: true,
          layout: 'channelsLast',
          ignoreIndex: ignore,
          alpha: 0.3,
          beta: 0.7,
          gamma: 1.5,
        }),
        diceLoss({ fromLogits: true, ignoreIndex: ignore, beta: 2, classWeights: [1, 2, 3, 4, 5] }),
      ]) {
        expect(expectThreePaths(loss, gt, pr, 1e-9).wasmRuns).toBeGreaterThan(0);
      }
    }
  });

  it('property: random shapes, channel counts, target kinds and options agree across the three paths', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.constantFrom<LabelKind>('dense', 'uint8', 'int32'),
        fc.boolean(),
        fc.constantFrom('monai', 'smp', 'segmentation_models'),
        fc.integer({ min: 0, max: 1 << 20 }),
        (N, H, W, C, kind, perImage, preset, seed) => {
          const { gt, pr } = logitPair(seed, [N, H, W, C], kind);
          const loss = diceLoss({
            preset: preset as 'monai',
            fromLogits: true,
            layout: 'channelsLast',
            perImage,
          });
          // smp on dense targets takes the general path on float32 logits (softmax stored as float32).
          expectThreePaths(loss, gt, pr, 1e-7);
        },
      ),
      { seed: 1010, numRuns: 60 },
    );
  });

  it('{ out }: the gradient is written into the caller buffer, on both paths', () => {
    const { gt, pr } = logitPair(3, [2, 32, 32, 4], 'uint8');
    const out = new Float32Array(pr.data.length).fill(NaN);
    const { js, wasm } = bothPaths(() => Float32Array.from(monai().valueAndGrad(gt, pr, { out }).grad));
    expect(monai().valueAndGrad(gt, pr, { out }).grad).toBe(out);
    expectNear(wasm, js, 2e-6);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});

describe('fused softmax region kernels: pass 2 reads the softmax pass 1 stored', () => {
  /** Pass 1 with and without a store, pass 2 with and without it; A, B seeded; WebAssembly on (`wasm`) or off. */
  function passes(C: number, kind: LabelKind, stored: (p: Float32Array) => Float32Array, wasm = true) {
    const { gt, pr } = logitPair(40 + C, [2, 9, 13, C], kind, kind === 'dense' ? undefined : 255);
    const x = pr.data as Float32Array;
    const t: SoftmaxTargets =
      kind === 'dense'
        ? { kind: 'dense', g: gt.data as Float32Array }
        : { kind: 'labels', labels: gt.data as Uint8Array | Int32Array, ignore: 255 };
    const r = rng(7 * C);
    const A = Float64Array.from({ length: 2 * C }, () => r() - 0.5);
    const B = Float64Array.from({ length: 2 * C }, () => r() - 0.5);
    const sums = () => [1, 2, 3].map(() => new Float64Array(2 * C));
    const [I0, P0, G0] = sums();
    const [I1, P1, G1] = sums();
    setSoftmaxWasmEnabled(wasm, 0);
    const p = new Float32Array(x.length).fill(NaN);
    expect(softmaxRegionStats(x, t, 2, 117, C, true, I0, P0, G0)).toBeNull();
    expect(softmaxRegionStats(x, t, 2, 117, C, true, I1, P1, G1, p)).toBeNull();
    // Storing changes no sum.
    expect([I1, P1, G1]).toEqual([I0, P0, G0]);
    // Without a stored softmax, pass 2 runs the JS loops (no kernel computes the softmax again).
    const js0 = softmaxRuns().js;
    const recomputed = new Float32Array(x.length);
    softmaxRegionGrad(x, t, 2, 117, C, true, A, B, recomputed);
    const recomputedJsRuns = softmaxRuns().js - js0;
    const before = softmaxRuns().stored;
    const fromStore = new Float32Array(x.length);
    softmaxRegionGrad(x, t, 2, 117, C, true, A, B, fromStore, stored(p));
    return { recomputed, recomputedJsRuns, fromStore, storedRuns: softmaxRuns().stored - before, p, x };
  }

  for (const C of [2, 3, 4, 8]) {
    for (const kind of ['dense', 'int32'] as const) {
      it(`C = ${C}, ${kind}: WebAssembly from the stored softmax = JS computing it again, to float32 rounding`, () => {
        const { recomputed, recomputedJsRuns, fromStore, storedRuns } = passes(C, kind, (p) => p);
        expect(storedRuns).toBe(2);
        expect(recomputedJsRuns).toBe(2);
        expectNear(fromStore, recomputed, 2e-6);
        // The JS tail (pixel 116 of each image) stored p in float32 and reads it back: the same rounding.
        expect(fromStore.every(Number.isFinite)).toBe(true);
      });
    }
  }

  for (const kind of ['dense', 'int32'] as const) {
    it(`the JS loops store the softmax too (${kind}), at the logits' places, and pass 2 reads it back`, () => {
      const before = softmaxRuns().jsStored;
      const { recomputed, fromStore, p, x } = passes(3, kind, (q) => q, false);
      expect(softmaxRuns().jsStored - before).toBe(2);
      expectNear(fromStore, recomputed, 1e-6);
      for (let s = 0; s < 2 * 117; s++) {
        const row = Array.from(x.subarray(3 * s, 3 * s + 3));
        const m = Math.max(...row);
        const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
        // Ignored pixels (label 255) are not stored.
        if (!Number.isNaN(p[3 * s]))
          for (let c = 0; c < 3; c++) expect(p[3 * s + c]).toBeCloseTo(Math.exp(row[c] - m) / z, 6);
      }
      const zeros = passes(3, kind, (q) => new Float32Array(q.length), false).fromStore;
      expect(zeros.every((v) => v === 0)).toBe(true);
    });
  }

  it('the dense kernels of C = 8 run pixel by pixel (the store keeps the logits layout), those of C = 4 by groups', () => {
    expect(SOFTMAX_PIXEL_MAJOR_C).toEqual(PIXEL_MAJOR_C);
    expect(SOFTMAX_PIXEL_MAJOR_C).toEqual([8]);
    for (const C of [4, 8]) {
      const { gt, pr } = logitPair(50 + C, [1, 10, 10, C], 'dense');
      const x = pr.data as Float32Array;
      const sums = () => new Float64Array(C);
      setSoftmaxWasmEnabled(true, 0);
      const p = new Float32Array(x.length).fill(NaN);
      expect(
        softmaxRegionStats(
          x,
          { kind: 'dense', g: gt.data as Float32Array },
          1,
          100,
          C,
          true,
          sums(),
          sums(),
          sums(),
          p,
        ),
      ).toBeNull();
      // The softmax of pixel s, channel c, in float64, against the store at s·C + c.
      let worst = 0;
      for (let s = 0; s < 100; s++) {
        const row = Array.from(x.subarray(s * C, s * C + C));
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let c = 0; c < C; c++) worst = Math.max(worst, Math.abs(p[s * C + c] - e[c] / z));
      }
      // Pixel-major: the same places (float32 rounding); group-major: channel c of four pixels side by side.
      if (C === 8) expect(worst).toBeLessThan(1e-6);
      else expect(worst).toBeGreaterThan(0.01);
    }
  });

  it('pass 2 does read the store: a store of zeros gives a zero gradient (WebAssembly pixels and JS tails)', () => {
    const { recomputed, fromStore } = passes(4, 'dense', (p) => new Float32Array(p.length));
    expect(fromStore.every((v) => v === 0)).toBe(true);
    expect(recomputed.some((v) => v !== 0)).toBe(true);
  });

  it('a loss stores it in { out } (or its own gradient array), also when out shares a buffer with the inputs, apart', () => {
    const { gt, pr } = logitPair(5, [2, 16, 16, 4], 'dense');
    const n = pr.data.length;
    setSoftmaxWasmEnabled(true, 0);
    // The two passes apart (the per-image fused form holds the softmax elsewhere: softmaxFused.test.ts).
    setSoftmaxFusedEnabled(false);
    const plain = monai().valueAndGrad(gt, pr);
    let before = softmaxRuns().stored;
    expect(monai().valueAndGrad(gt, pr, { out: new Float32Array(n) }).grad).toEqual(plain.grad);
    expect(softmaxRuns().stored - before).toBe(2);
    before = softmaxRuns().stored;
    // Logits and out in one buffer, apart: stored there too, same gradient.
    const buf = new Float32Array(2 * n);
    buf.set(pr.data as Float32Array);
    const shared = { data: buf.subarray(0, n), shape: pr.shape };
    const out = buf.subarray(n);
    const r = monai().valueAndGrad(gt, shared, { out });
    expect(r.grad).toBe(out);
    expect(r.grad).toEqual(plain.grad);
    expect(softmaxRuns().stored - before).toBe(2);
  });
});

describe('fused softmax region kernels: bad input names the function, the argument and the index', () => {
  const cases: [string, (gt: NdArray, pr: NdArray) => void, RegExp][] = [
    [
      'NaN logit',
      (_g, pr) => ((pr.data as Float32Array)[1234] = NaN),
      /diceLoss: pr must hold finite logits; got NaN at index 1234\./,
    ],
    [
      '+Inf logit',
      (_g, pr) => ((pr.data as Float32Array)[777] = Infinity),
      /diceLoss: pr must hold finite logits; got Infinity at index 777\./,
    ],
    [
      '-Inf logit',
      (_g, pr) => ((pr.data as Float32Array)[4001] = -Infinity),
      /diceLoss: pr must hold finite logits; got -Infinity at index 4001\./,
    ],
  ];
  for (const kind of ['dense', 'uint8'] as const) {
    for (const [what, spoil, message] of cases) {
      it(`${what} (${kind} targets), on both paths`, () => {
        for (const on of [false, true]) {
          const { gt, pr } = logitPair(5, [2, 40, 40, 4], kind);
          spoil(gt, pr);
          setSoftmaxWasmEnabled(on, 0);
          expect(() => monai().valueAndGrad(gt, pr)).toThrow(RangeError);
          expect(() => monai().value(gt, pr)).toThrow(message);
        }
      });
    }
  }

  it('NaN in a dense gt and a label out of range, on both paths', () => {
    for (const on of [false, true]) {
      setSoftmaxWasmEnabled(on, 0);
      const a = logitPair(6, [2, 40, 40, 4], 'dense');
      (a.gt.data as Float32Array)[2050] = NaN;
      expect(() => monai().value(a.gt, a.pr)).toThrow(
        /diceLoss: gt must hold finite values; got NaN at index 2050\./,
      );
      const b = logitPair(6, [2, 40, 40, 4], 'uint8');
      (b.gt.data as Uint8Array)[1601] = 4;
      expect(() => monai().value(b.gt, b.pr)).toThrow(
        /diceLoss: gt labels must be integers in \[0, 3\]; got 4 at gt index \[1,0,1\]\./,
      );
    }
  });
});

describe('the committed softmax modules', () => {
  it('match what scripts/build-wasm.mjs assembles (run npm run build:wasm after changing it)', async () => {
    const modules = await buildSoftmaxKernels();
    expect(readFileSync(SOFTMAX_OUTPUT as string, 'utf8')).toBe(softmaxBytesModule(modules));
  });
});
