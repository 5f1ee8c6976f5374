/**
 * The WebAssembly SIMD kernels of the region passes against the JS kernels they replace: same values and
 * gradients (up to the order of float64 additions) for every channel count, tail length, layout and score,
 * the JS fallback where they do not apply, and the committed bytes in sync with their generator.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diceLoss,
  fScore,
  iouScore,
  jaccardLoss,
  precision,
  recall,
  type Layout,
  type Loss,
  type Metric,
  type NdArray,
} from '../../src/index.js';
import {
  WASM_MIN_ELEMENTS,
  affinePixels,
  regionWasmRuns,
  setRegionWasmEnabled,
  startRegionTape,
  sumsPixels,
} from '../../src/core/kernels/regionWasm.js';
import { affineAdjacent } from '../../src/core/kernels/affineGrad.js';
import {
  OUTPUT,
  SIGMOID_OUTPUT,
  SQUARED_OUTPUT,
  SOFTMAX_SQUARED_OUTPUT,
  buildRegionKernels,
  buildRegionSigmoidKernels,
  buildRegionFusedKernels,
  buildRegionSquaredKernels,
  FUSED_OUTPUT,
  fusedBytesModule,
  buildSoftmaxSquaredKernels,
  bytesModule,
  sigmoidBytesModule,
  squaredBytesModule,
  softmaxSquaredBytesModule,
  // @ts-expect-error: a plain .mjs build script without type declarations.
} from '../../scripts/build-wasm.mjs';
import { randomPair, rng, toChannelsFirst } from './random.js';

afterEach(() => setRegionWasmEnabled(true));

/** A float32 channels-last pair: one-hot gt (or soft labels in [0, 1)), pr in (0, 1). */
function pair(seed: number, shape: number[], soft = false): { gt: NdArray; pr: NdArray } {
  const p = randomPair(seed, shape);
  if (soft) p.gt.data.set(p.pr.data.map((x) => 1 - x));
  return { gt: asFloat32(p.gt), pr: asFloat32(p.pr) };
}

function asFloat32(x: NdArray): NdArray {
  return { data: Float32Array.from(x.data), shape: x.shape };
}

/**
 * Runs `f` on the JS kernels, then on the WebAssembly ones (from `from` elements per run); counts the runs
 * that took the WebAssembly kernels and the pass-2 blocks built from pass 1's masks.
 */
function bothPaths<T>(f: () => T, from = 0): { js: T; wasm: T; wasmRuns: number; maskedBlocks: number } {
  setRegionWasmEnabled(false);
  const js = f();
  setRegionWasmEnabled(true, from);
  const before = regionWasmRuns();
  const wasm = f();
  const after = regionWasmRuns();
  return {
    js,
    wasm,
    wasmRuns: after.runs - before.runs,
    maskedBlocks: after.maskedBlocks - before.maskedBlocks,
  };
}

function expectClose(a: number, b: number, rel = 1e-12): void {
  if (Number.isNaN(a)) expect(b).toBeNaN();
  else expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(a)));
}

/** Same value (to 1e-12) and gradient (to 1e-6 of the largest) on both paths; returns the masked-block count. */
function expectSameLoss(loss: Loss, gt: NdArray, pr: NdArray, expectWasm = true): number {
  const { js, wasm, wasmRuns, maskedBlocks } = bothPaths(() => loss.valueAndGrad(gt, pr));
  expect(wasmRuns > 0).toBe(expectWasm);
  expectClose(js.value, wasm.value);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < js.grad.length; i++) {
    scale = Math.max(scale, Math.abs(js.grad[i]));
    worst = Math.max(worst, Math.abs(js.grad[i] - wasm.grad[i]));
  }
  // Pass 2 rounds a·g + b exactly as JS does; a and b may differ in their last bits (summation order).
  expect(worst).toBeLessThanOrEqual(1e-6 * scale);
  return maskedBlocks;
}

function expectSameMetric(metric: Metric, gt: NdArray, pr: NdArray): void {
  const { js, wasm, wasmRuns } = bothPaths(() => metric.perClass(gt, pr));
  expect(wasmRuns).toBeGreaterThan(0);
  js.forEach((v, k) => expectClose(v, wasm[k]));
}

describe('WebAssembly region kernels = JS kernels', () => {
  // C = 5, 7, 9, 10, 11 have no kernel (period > 3 vectors) and must fall back.
  for (let C = 1; C <= 12; C++) {
    const hasKernel = [1, 2, 3, 4, 6, 8, 12].includes(C);
    it(`C = ${C}: Dice value and gradient, odd pixel count (tail on the JS kernels)${hasKernel ? '' : ', JS fallback'}`, () => {
      const { gt, pr } = pair(C, [2, 37, 29, C]);
      expectSameLoss(diceLoss, gt, pr, hasKernel);
    });
  }

  it('Jaccard, F2, perImage and soft labels', () => {
    const { gt, pr } = pair(21, [3, 41, 43, 4], true);
    expectSameLoss(jaccardLoss, gt, pr);
    expectSameLoss(diceLoss({ beta: 2, perImage: true }), gt, pr);
    expectSameLoss(diceLoss({ classWeights: [1, 2, 3, 4], smooth: 1 }), gt, pr);
  });

  it('channels-first planes and a 3-D volume', () => {
    const { gt, pr } = pair(22, [2, 9, 17, 19, 3]);
    const cf = (x: NdArray) => asFloat32(toChannelsFirst(x));
    expectSameLoss(diceLoss({ layout: 'channelsFirst' as Layout }), cf(gt), cf(pr));
    expectSameLoss(
      jaccardLoss({ layout: 'channelsFirst', classIndexes: [2, 0], perImage: true }),
      cf(gt),
      cf(pr),
    );
  });

  it('every region metric, including recall (whose pass 1 swaps gt and pr)', () => {
    const { gt, pr } = pair(23, [2, 50, 50, 3]);
    for (const metric of [fScore, fScore({ beta: 0.5 }), iouScore, precision, recall]) {
      expectSameMetric(metric, gt, pr);
    }
  });

  it('NaN, ±Inf and values outside [0, 1] in pr, and NaN in gt, are RangeErrors with the first index on both paths', () => {
    const messageOf = (f: () => unknown) => () => {
      try {
        f();
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    const { gt, pr } = pair(24, [1, 64, 64, 4]);
    const x = pr.data as Float32Array;
    for (const [bad, shown] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [1.5, '1.5'],
      [-0.25, '-0.25'],
    ] as const) {
      x[9000] = bad;
      x[77] = bad;
      const want = `RangeError: diceLoss: pr must hold probabilities in [0, 1]; got ${shown} at index 77.`;
      const a = bothPaths(messageOf(() => diceLoss.valueAndGrad(gt, pr)));
      expect([a.js, a.wasm]).toEqual([want, want]);
      const b = bothPaths(messageOf(() => precision.perClass(gt, pr)));
      expect([b.js, b.wasm]).toEqual([
        want.replace('diceLoss', 'precision'),
        want.replace('diceLoss', 'precision'),
      ]);
      x[9000] = 0.5;
      x[77] = 0.5;
    }
    (gt.data as Float32Array)[5] = Number.NaN;
    const g = bothPaths(messageOf(() => jaccardLoss.value(gt, pr)));
    const want = 'RangeError: jaccardLoss: gt must hold finite values; got NaN at index 5.';
    expect([g.js, g.wasm]).toEqual([want, want]);
    (gt.data as Float32Array)[5] = 0;
    // A thresholded metric scores any numbers (7 counts as positive), but not NaN.
    x[77] = 7;
    const h = bothPaths(() => precision({ threshold: 0.5 }).value(gt, pr));
    expect(h.js).toBe(h.wasm);
    expect(h.js).toBeGreaterThan(0);
    x[77] = Number.NaN;
    const t = bothPaths(messageOf(() => recall({ threshold: 0.5 }).value(gt, pr)));
    const wantT = 'RangeError: recall: pr must hold numbers (no NaN); got NaN at index 77.';
    expect([t.js, t.wasm]).toEqual([wantT, wantT]);
  });

  it('a class subset in channels-last, float64 data and short runs stay on the JS kernels', () => {
    const { gt, pr } = pair(25, [2, 64, 64, 4]);
    expect(bothPaths(() => diceLoss({ classIndexes: [0, 1, 2] }).value(gt, pr)).wasmRuns).toBe(0);
    const gt64 = { data: Float64Array.from(gt.data), shape: gt.shape };
    const pr64 = { data: Float64Array.from(pr.data), shape: pr.shape };
    expect(bothPaths(() => diceLoss.value(gt64, pr64)).wasmRuns).toBe(0);
    const small = pair(26, [1, 10, 10, 4]);
    expect(bothPaths(() => diceLoss.value(small.gt, small.pr), WASM_MIN_ELEMENTS).wasmRuns).toBe(0);
    expect(bothPaths(() => diceLoss.value(gt, pr), WASM_MIN_ELEMENTS).wasmRuns).toBeGreaterThan(0);
  });

  it('{ out } and fresh gradients agree on the WebAssembly path', () => {
    const { gt, pr } = pair(27, [2, 40, 40, 8]);
    setRegionWasmEnabled(true, 0);
    const fresh = diceLoss.valueAndGrad(gt, pr);
    const out = new Float32Array(pr.data.length).fill(Number.NaN);
    expect(Array.from(diceLoss.valueAndGrad(gt, pr, { out }).grad)).toEqual(Array.from(fresh.grad));
  });

  it('one-hot targets: pass 2 builds the gradient from the masks of pass 1, with the bits of the JS kernel', () => {
    const { gt, pr } = pair(28, [2, 96, 96, 4]);
    expect(expectSameLoss(diceLoss, gt, pr)).toBeGreaterThan(0);
    // The three pass-2 kernels on the same coefficients (signs and zeros included): bit-identical.
    setRegionWasmEnabled(true, 0);
    for (const C of [1, 3, 4, 8]) {
      const p = pair(40 + C, [2, 50, 61, C]);
      const [g, x] = [p.gt.data as Float32Array, p.pr.data as Float32Array];
      const n = g.length;
      const tape = startRegionTape();
      sumsPixels(g, x, 0, n, C, new Float64Array(3 * C), 0, new Float64Array([Infinity, -Infinity]), tape);
      const r = rng(C);
      const coef = Float64Array.from({ length: 2 * C }, (_, i) => (i === 1 ? 0 : i === 3 ? -0 : r() - 0.5));
      const viaMasks = new Float32Array(n);
      const before = regionWasmRuns().maskedBlocks;
      affinePixels(g, viaMasks, 0, n, C, coef, 0, tape);
      expect(regionWasmRuns().maskedBlocks).toBeGreaterThan(before);
      const viaAffine = new Float32Array(n);
      affinePixels(g, viaAffine, 0, n, C, coef, 0);
      const viaJs = new Float32Array(n);
      affineAdjacent(g, viaJs, 0, n, C, C, coef, 0);
      const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer));
      expect(bits(viaMasks)).toEqual(bits(viaJs));
      expect(bits(viaAffine)).toEqual(bits(viaJs));
    }
  });

  it('inputs whose masks pass the initial memory: it grows (views made again), masks kept, the JS results', () => {
    // The module starts with 4 pages (262144 bytes); the masks start at byte 198656, one byte per 4 gt values:
    // 2·192·192·4 = 294912 values need 73728 bytes, so the memory grows during pass 1; the larger input after it
    // grows it again.
    for (const shape of [
      [2, 192, 192, 4],
      [3, 256, 200, 4],
    ]) {
      const { gt, pr } = pair(shape[1], shape);
      expect(expectSameLoss(diceLoss, gt, pr)).toBeGreaterThan(0);
    }
  });

  it('gt values other than exact 1.0 / +0.0 (soft labels, -0, 2) take the affine kernel, never the masks', () => {
    const soft = pair(29, [2, 64, 64, 4], true);
    expect(expectSameLoss(diceLoss, soft.gt, soft.pr)).toBe(0);
    for (const odd of [-0, 2, 1 + 2 ** -23]) {
      const { gt, pr } = pair(30, [1, 60, 60, 4]); // one block
      (gt.data as Float32Array)[5] = odd; // in the first block
      const { js, wasm, maskedBlocks } = bothPaths(() => diceLoss.valueAndGrad(gt, pr));
      expect(Object.is(js.grad[5], wasm.grad[5]) || Math.abs(js.grad[5] - wasm.grad[5]) <= 1e-9).toBe(true);
      expect(maskedBlocks).toBe(0);
    }
  });

  it('a metric without gradient and recall (gt in the second slot) leave no masks behind', () => {
    const { gt, pr } = pair(31, [2, 64, 64, 4]);
    expect(bothPaths(() => recall.perClass(gt, pr)).maskedBlocks).toBe(0);
    expect(bothPaths(() => diceLoss.value(gt, pr)).maskedBlocks).toBe(0);
  });

  it('property: random shapes, channel counts and values (fast-check, seeded)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 2, 3, 4, 6, 8),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (N, H, W, C, perImage, seed) => {
          const { gt, pr } = pair(seed, [N, H, W, C], seed % 2 === 0);
          expectSameLoss(diceLoss({ perImage }), gt, pr);
        },
      ),
      { seed: 20261129, numRuns: 80 },
    );
  });
});

describe('the committed WebAssembly bytes', () => {
  it('match what scripts/build-wasm.mjs assembles (run npm run build:wasm after changing it)', async () => {
    const bytes = (await buildRegionKernels()) as Uint8Array;
    expect(readFileSync(OUTPUT as string, 'utf8')).toBe(bytesModule(bytes));
    const sigmoid = (await buildRegionSigmoidKernels()) as Uint8Array;
    expect(readFileSync(SIGMOID_OUTPUT as string, 'utf8')).toBe(sigmoidBytesModule(sigmoid));
    const squared = (await buildRegionSquaredKernels()) as Uint8Array;
    expect(readFileSync(SQUARED_OUTPUT as string, 'utf8')).toBe(squaredBytesModule(squared));
    const softmax = (await buildSoftmaxSquaredKernels()) as Uint8Array;
    expect(readFileSync(SOFTMAX_SQUARED_OUTPUT as string, 'utf8')).toBe(softmaxSquaredBytesModule(softmax));
    const fused = (await buildRegionFusedKernels()) as Uint8Array;
    expect(readFileSync(FUSED_OUTPUT as string, 'utf8')).toBe(fusedBytesModule(fused));
  });

  it('each region module stays under the 4 KiB a browser main thread compiles synchronously', async () => {
    expect(((await buildRegionKernels()) as Uint8Array).length).toBeLessThan(4096);
    expect(((await buildRegionSigmoidKernels()) as Uint8Array).length).toBeLessThan(4096);
    expect(((await buildRegionSquaredKernels()) as Uint8Array).length).toBeLessThan(4096);
    expect(((await buildSoftmaxSquaredKernels()) as Uint8Array).length).toBeLessThan(4096);
    expect(((await buildRegionFusedKernels()) as Uint8Array).length).toBeLessThan(4096);
  });
});
