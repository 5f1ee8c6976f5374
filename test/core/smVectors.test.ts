import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  regionWasmAvailable,
  regionWasmRuns,
  setRegionWasmEnabled,
} from '../../src/core/kernels/regionWasm.js';
import {
  close,
  gradMismatch,
  loadVectors,
  num,
  vectorFileNames,
  type VectorCase,
} from '../helpers/vectors.js';
import { SM_LOSSES, SM_METRICS, metricValueAndGrad, smOptions } from './smCases.js';
import type { NdArray } from '../../src/index.js';

const files = vectorFileNames('sm');

function inputs(c: VectorCase) {
  return { gt: { data: c.gt.data, shape: c.gt.shape }, pr: { data: c.pr.data, shape: c.pr.shape } };
}

function describeMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, at: number): string {
  return `grad[${at}] = ${actual[at]}, expected ${expected[at]}`;
}

describe('segmentation_models 1.0.1 reference vectors (test/vectors/sm)', () => {
  it('covers every sm file', () => {
    expect(files).toEqual([
      'BinaryCELoss',
      'BinaryFocalLoss',
      'CategoricalCELoss',
      'CategoricalFocalLoss',
      'DiceLoss',
      'JaccardLoss',
      'f_score',
      'iou_score',
      'precision',
      'recall',
    ]);
  });

  for (const name of files) {
    const file = loadVectors('sm', name);
    describe(`${name}: every case matches sm (values rtol 1e-5 / atol 1e-6, gradients 1e-5 of the largest)`, () => {
      it.each(file.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => checkCase(name, c, inputs(c)));
    });
  }
});

/** Checks one case: the value, and the gradient when the case has one. */
function checkCase(name: string, c: VectorCase, { gt, pr }: { gt: NdArray; pr: NdArray }): void {
  const options = smOptions(c);
  const expected = num(c.expected.value);
  const expectedGrad = c.expected.grad_pr?.map(num);
  let value: number;
  let grad: Float32Array | undefined;
  if (name in SM_METRICS) {
    if (expectedGrad) ({ value, grad } = metricValueAndGrad(name, options, gt, pr));
    else value = SM_METRICS[name].make(options).value(gt, pr);
  } else {
    const loss = SM_LOSSES[name](options);
    ({ value, grad } = loss.valueAndGrad(gt, pr));
    expect(loss.value(gt, pr)).toBe(value);
  }
  expect(close(value, expected), `value ${value}, expected ${expected}`).toBe(true);
  if (expectedGrad) {
    expect(grad).toBeDefined();
    const at = gradMismatch(grad as Float32Array, expectedGrad);
    expect(at, at >= 0 ? describeMismatch(grad as Float32Array, expectedGrad, at) : '').toBe(-1);
  }
}

/** The region files, whose Dice / Jaccard / F-score / IoU / precision / recall passes have WebAssembly kernels. */
const REGION_FILES = ['DiceLoss', 'JaccardLoss', 'f_score', 'iou_score', 'precision', 'recall'];

describe('the same sm region cases through the WebAssembly kernels (float32 inputs, every run length)', () => {
  beforeAll(() => setRegionWasmEnabled(true, 0));
  afterAll(() => setRegionWasmEnabled(true));

  it('the kernels instantiate here (Node 20 has WebAssembly SIMD)', () => {
    expect(regionWasmAvailable()).toBe(true);
  });

  for (const name of REGION_FILES) {
    const file = loadVectors('sm', name);
    it(`${name}: every float32 case matches sm and takes the WebAssembly path`, () => {
      const before = regionWasmRuns().runs;
      let f32Cases = 0;
      for (const c of file.cases) {
        const { gt, pr } = inputs(c);
        // Stored float32 values are exact in a Float32Array; float64 cases stay on the JS kernels.
        if (c.pr.dtype !== 'float32') continue;
        f32Cases++;
        checkCase(name, c, {
          gt: { data: Float32Array.from(gt.data), shape: gt.shape },
          pr: { data: Float32Array.from(pr.data), shape: pr.shape },
        });
      }
      expect(f32Cases).toBeGreaterThan(0);
      expect(regionWasmRuns().runs).toBeGreaterThan(before);
    });
  }
});

describe('the same sm region cases through the JS kernels (WebAssembly off)', () => {
  beforeAll(() => setRegionWasmEnabled(false));
  afterAll(() => setRegionWasmEnabled(true));

  for (const name of REGION_FILES) {
    const file = loadVectors('sm', name);
    it(`${name}: every case matches sm and no run takes the WebAssembly path`, () => {
      const before = regionWasmRuns().runs;
      for (const c of file.cases) {
        const { gt, pr } = inputs(c);
        const f32 = c.pr.dtype === 'float32';
        checkCase(name, c, {
          gt: f32 ? { data: Float32Array.from(gt.data), shape: gt.shape } : gt,
          pr: f32 ? { data: Float32Array.from(pr.data), shape: pr.shape } : pr,
        });
      }
      expect(regionWasmRuns().runs).toBe(before);
    });
  }
});
