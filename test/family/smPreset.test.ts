/**
 * sm's region losses and metrics are the 'segmentation_models' preset of the one region pipeline: the same
 * numbers as naming the preset explicitly, sm's input checks kept, and the dense statistics stage (WebAssembly
 * or JS kernels) serving every preset's probability inputs.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diceLoss,
  fScore,
  iouScore,
  jaccardLoss,
  kernelBackend,
  precision,
  recall,
  type NdArray,
} from '../../src/index.js';
import { regionWasmRuns, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';
import { rng } from '../core/random.js';

afterEach(() => setRegionWasmEnabled(true));

/** float32 one-hot gt and probabilities of `shape` (channels on `axis`). */
function pair(seed: number, shape: number[], axis: number): { gt: NdArray; pr: NdArray } {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const C = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const gt = new Float32Array(n);
  const pr = new Float32Array(n);
  for (let i = 0; i < n; i++) pr[i] = r();
  for (let o = 0; o < n / (C * inner); o++) {
    for (let s = 0; s < inner; s++) gt[(o * C + Math.floor(r() * C)) * inner + s] = 1;
  }
  return { gt: { data: gt, shape }, pr: { data: pr, shape } };
}

const optionsArb = fc.record(
  {
    perImage: fc.boolean(),
    smooth: fc.constantFrom(0.5, 1e-5, 1),
    classIndexes: fc.constantFrom([0, 2], [2, 1], 1, [0, 1, 2]),
    classWeights: fc.constantFrom(1, 2, [0.5, 2, 1]),
  },
  { requiredKeys: [] },
);

describe("sm's options are the 'segmentation_models' preset, not a second engine", () => {
  it('every sm factory gives the bits of the same call with preset: segmentation_models named (WebAssembly and JS)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        optionsArb,
        fc.boolean(),
        (seed, N, H, first, opts, wasm) => {
          setRegionWasmEnabled(wasm, 0);
          const layout = first ? ('channelsFirst' as const) : ('channelsLast' as const);
          const shape = first ? [N, 3, H, 7] : [N, H, 7, 3];
          const { gt, pr } = pair(seed, shape, first ? 1 : 3);
          const o = { ...opts, layout };
          if (Array.isArray(o.classWeights)) {
            const K = typeof o.classIndexes === 'number' ? 1 : (o.classIndexes ?? [0, 1, 2]).length;
            o.classWeights = o.classWeights.slice(0, K);
          }
          const named = { ...o, preset: 'segmentation_models' as const };
          for (const [make, beta] of [
            [diceLoss, true],
            [jaccardLoss, false],
          ] as const) {
            const extra = beta ? { beta: 2 } : {};
            const a = make({ ...o, ...extra }).valueAndGrad(gt, pr);
            const b = make({ ...named, ...extra }).valueAndGrad(gt, pr);
            expect(Object.is(a.value, b.value)).toBe(true);
            expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
          }
          for (const make of [fScore, iouScore, precision, recall]) {
            for (const threshold of [undefined, 0.5]) {
              const a = make({ ...o, threshold });
              const b = make({ ...named, threshold });
              expect(Object.is(a.value(gt, pr), b.value(gt, pr))).toBe(true);
              expect(a.perClass(gt, pr)).toEqual(b.perClass(gt, pr));
            }
          }
        },
      ),
      { seed: 20261204, numRuns: 60 },
    );
  });

  it("sm's option set keeps sm's input checks; the named preset also takes a label map", () => {
    const { gt, pr } = pair(3, [2, 4, 4, 3], 3);
    const labels = { data: new Float32Array(2 * 4 * 4), shape: [2, 4, 4] };
    expect(() => diceLoss.value(labels, pr)).toThrow(
      /^diceLoss: gt and pr must have the same shape; got \[2,4,4\] and \[2,4,4,3\]\.$/,
    );
    expect(() => fScore({ classWeights: [1, 2] }).value(gt, pr)).toThrow(
      /^fScore: classWeights must have 3 entries, one per selected class; got 2\.$/,
    );
    // The same labels as one-hot targets: the named preset reads the label map and gives the same loss.
    const onehot = new Float32Array(pr.data.length);
    for (let p = 0; p < 32; p++) onehot[p * 3] = 1;
    const viaLabels = diceLoss({ preset: 'segmentation_models' }).value(labels, pr);
    expect(viaLabels).toBeCloseTo(diceLoss.value({ data: onehot, shape: pr.shape }, pr), 12);
  });
});

describe('the dense statistics stage serves every preset', () => {
  it('MONAI and smp probabilities take the WebAssembly kernels and equal the general JS loops', () => {
    setRegionWasmEnabled(true, 0);
    const { gt, pr } = pair(11, [2, 3, 16, 16], 1);
    for (const preset of ['monai', 'smp'] as const) {
      const o = { preset, fromLogits: false, softLabel: false };
      const before = regionWasmRuns().runs;
      const dense = diceLoss(o).valueAndGrad(gt, pr);
      expect(regionWasmRuns().runs).toBeGreaterThan(before);
      // An ignoreIndex that no pixel holds sends the call to the general path: same numbers.
      const after = regionWasmRuns().runs;
      const general = diceLoss({ ...o, ignoreIndex: -7 }).valueAndGrad(gt, pr);
      expect(regionWasmRuns().runs).toBe(after);
      expect(dense.value).toBeCloseTo(general.value, 12);
      for (let i = 0; i < pr.data.length; i++) expect(dense.grad[i]).toBeCloseTo(general.grad[i], 7);
    }
  });
});

describe("kernelBackend('modules') reports every module", () => {
  it('Node 20 runs all three in WebAssembly SIMD; turning one off shows in the record and the summary', () => {
    expect(kernelBackend('modules')).toEqual({
      region: 'wasm-simd',
      softmaxRegion: 'wasm-simd',
      elementwise: 'wasm-simd',
      binary: 'wasm-simd',
    });
    expect(kernelBackend()).toBe('wasm-simd');
    setRegionWasmEnabled(false);
    expect(kernelBackend('modules').region).toBe('js');
    expect(kernelBackend()).toBe('js');
  });
  it('an unknown detail is a TypeError', () => {
    expect(() => (kernelBackend as (d: unknown) => unknown)('all')).toThrow(
      /^kernelBackend: detail must be 'modules' or left out; got 'all'\.$/,
    );
  });
});
