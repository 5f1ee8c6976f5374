/**
 * The per-image fused form of the dense region stage (family/denseFused.ts): sigmoid logits (plain and squared
 * form) and squared probabilities, both passes image by image with p held in the WebAssembly module's memory.
 * Checked against the two passes apart (the same kernels: the same bits), the general path, float64 central
 * differences, and bad input (the first offending index; unchecked, the general path's numbers).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss, type Loss, type NdArray } from '../../src/index.js';
import { denseFused } from '../../src/core/family/denseFused.js';
import { denseSigmoid, denseSquared } from '../../src/core/family/denseStats.js';
import {
  fusedBlocks,
  regionSigmoidRuns,
  regionSquaredRuns,
  setRegionWasmEnabled,
} from '../../src/core/kernels/regionWasm.js';
import { rng } from '../core/random.js';
import { classChoice, expectCentralDifferences, expectClose, regionLossOf, stageShape } from './helpers.js';

afterEach(() => {
  setRegionWasmEnabled(true);
  denseFused.enabled = true;
  denseSigmoid.enabled = true;
  denseSquared.enabled = true;
});

type Layout = 'channelsLast' | 'channelsFirst';
/** What the loss reads: sigmoid logits (plain or squared form) or squared probabilities. */
type Input = 'sigmoid' | 'sigmoidSquared' | 'squaredProb';

/** Seeded float32 inputs (logits in (−8, 8) with a few ±30, or probabilities in [0, 1)) and a 0/1 or soft mask. */
function pair(seed: number, shape: number[], logits: boolean, soft = false) {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = logits ? (r() < 0.01 ? (r() < 0.5 ? -30 : 30) : 16 * r() - 8) : r();
    g[i] = soft ? r() : r() < 0.35 ? 1 : 0;
  }
  return { gt: { data: g, shape }, pr: { data: x, shape } };
}

const options = (input: Input, o: object) => ({
  preset: 'monai' as const,
  squared: input !== 'sigmoid',
  ...(input === 'squaredProb' ? {} : { fromLogits: true, activation: 'sigmoid' as const }),
  ...o,
});

type Mode = 'fused' | 'apart' | 'general' | 'js';

/** valueAndGrad into a NaN-filled `out` on one path, with the fused images and held pass-2 runs it took. */
function run(loss: Loss, gt: NdArray, pr: NdArray, mode: Mode) {
  setRegionWasmEnabled(mode !== 'js', 0);
  denseFused.enabled = mode === 'fused';
  denseSigmoid.enabled = mode !== 'general';
  denseSquared.enabled = mode !== 'general';
  const images = denseFused.images;
  const held = regionSigmoidRuns().held + regionSquaredRuns().held;
  const blocks = { ...fusedBlocks };
  const out = new Float32Array(pr.data.length).fill(NaN);
  const r = loss.valueAndGrad(gt, pr, { out });
  expect(r.grad).toBe(out);
  return {
    value: r.value,
    grad: out,
    images: denseFused.images - images,
    held: regionSigmoidRuns().held + regionSquaredRuns().held - held,
    masked: fusedBlocks.masked - blocks.masked,
    read: fusedBlocks.read - blocks.read,
  };
}

const shapeOf = (layout: Layout, N: number, H: number, W: number, C: number) =>
  layout === 'channelsLast' ? [N, H, W, C] : [N, C, H, W];

describe('the per-image fused form of the dense stage', () => {
  it('takes sigmoid, squared sigmoid and squared probability calls per image, both layouts, with the bits of the passes apart', () => {
    for (const input of ['sigmoid', 'sigmoidSquared', 'squaredProb'] as const) {
      for (const layout of ['channelsLast', 'channelsFirst'] as const) {
        for (const C of [1, 3]) {
          const { gt, pr } = pair(C, shapeOf(layout, 3, 41, 53, C), input !== 'squaredProb');
          const loss = diceLoss(options(input, { layout }));
          const redone = denseFused.redone;
          const f = run(loss, gt, pr, 'fused');
          expect(f.images).toBe(3);
          // The fused module takes runs of period 1 (channels-first planes, C = 1 channels-last); C = 3
          // channels-last runs its passes apart within the image loop.
          if (layout === 'channelsFirst' || C === 1) {
            expect(f.held).toBeGreaterThan(0);
            expect(f.masked).toBeGreaterThan(0); // 0/1 targets: pass 2 from the bits
            expect(f.read).toBe(0);
          } else expect(f.held).toBe(0);
          expect(denseFused.redone).toBe(redone); // a mean of per-image terms: the guessed coefficients hold
          const a = run(loss, gt, pr, 'apart');
          expect(a.images + a.held).toBe(0);
          expect(f.value).toBe(a.value);
          expect(f.grad).toEqual(a.grad);
          // Without WebAssembly, or not per image, the passes run apart.
          expect(run(loss, gt, pr, 'js').images).toBe(0);
          const batch = diceLoss(options(input, { layout, perImage: false }));
          expect(run(batch, gt, pr, 'fused').images).toBe(0);
        }
      }
    }
  });

  it('soft targets: pass 2 reads them again (no bits); a C = 2 channels-last call takes the fused module too', () => {
    for (const [shape, layout] of [
      [[2, 3, 45, 47], 'channelsFirst'],
      [[2, 45, 47, 2], 'channelsLast'],
    ] as const) {
      for (const input of ['sigmoid', 'sigmoidSquared', 'squaredProb'] as const) {
        const { gt, pr } = pair(3, [...shape], input !== 'squaredProb', true);
        const loss = diceLoss(options(input, { layout }));
        const f = run(loss, gt, pr, 'fused');
        expect(f.held).toBeGreaterThan(0);
        expect(f.read).toBeGreaterThan(0);
        expect(f.masked).toBe(0);
        const a = run(loss, gt, pr, 'apart');
        expect(f.value).toBe(a.value);
        expect(f.grad).toEqual(a.grad);
      }
    }
  });

  it('fused = apart (bit for bit) and ≈ the general path: random shapes, odd pixel counts, classes, weights, losses', () => {
    fc.assert(
      fc.property(
        stageShape(),
        fc.constantFrom<Input>('sigmoid', 'sigmoidSquared', 'squaredProb'),
        fc.constantFrom('all', 'subset', 'noBackground'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'logDice'),
        fc.boolean(),
        fc.integer({ min: 1, max: 1e6 }),
        ({ N, H, W, C, layout }, input, classes, which, weighted, seed) => {
          const logits = input !== 'squaredProb';
          const { gt, pr } = pair(seed, shapeOf(layout, N, H, W, C), logits, seed % 3 === 0);
          const { sel, K } = classChoice(classes, C);
          const o = options(input, {
            layout,
            ...sel,
            ...(weighted ? { classWeights: Array.from({ length: K }, (_, k) => 0.5 + k) } : {}),
          });
          const loss = regionLossOf(which, o, () => diceLoss({ ...o, logLoss: true }));
          const f = run(loss, gt, pr, 'fused');
          const a = run(loss, gt, pr, 'apart');
          const g = run(loss, gt, pr, 'general');
          // Soft targets of the plain sigmoid form (MONAI: not smp's soft-label form) take the stage too.
          expect(f.images).toBe(N);
          expect(f.value).toBe(a.value);
          expect(f.grad).toEqual(a.grad);
          expectClose(f, g, logits ? 2e-6 : 2 ** -23);
        },
      ),
      { seed: 20261206, numRuns: 50 },
    );
  });

  it("an image whose coefficients depend on later images (emptyClass 'skip'): its passes again, the same numbers", () => {
    const { gt, pr } = pair(5, [3, 2, 40, 44], true);
    // Class 1 is empty in image 2 only: skipped there, so the mean of images 0 and 1 has fewer terms than the
    // stand-ins (copies of the image itself) gave.
    const P = 40 * 44;
    gt.data.fill(0, (2 * 2 + 1) * P, (2 * 2 + 2) * P);
    const loss = diceLoss(options('sigmoid', { layout: 'channelsFirst', emptyClass: 'skip' }));
    const redone = denseFused.redone;
    const f = run(loss, gt, pr, 'fused');
    expect(f.images).toBe(3);
    expect(denseFused.redone - redone).toBe(2);
    const a = run(loss, gt, pr, 'apart');
    expect(f.value).toBe(a.value);
    expect(f.grad).toEqual(a.grad);
  });

  for (const input of ['sigmoid', 'sigmoidSquared', 'squaredProb'] as const) {
    it(`${input}: the fused gradient equals float64 central differences of the general path`, () => {
      const logits = input !== 'squaredProb';
      const { gt, pr } = pair(11, [2, 3, 33, 35], logits);
      const loss = diceLoss(options(input, { layout: 'channelsFirst', classWeights: [1, 2, 0.5] }));
      const x64 = Float64Array.from(pr.data);
      const f = (x: Float64Array) => loss.value(gt, { data: x, shape: pr.shape });
      const { grad, images } = run(loss, gt, pr, 'fused');
      expect(images).toBe(2);
      if (logits) expectCentralDifferences(grad, f, x64, 1e-4);
      else expectCentralDifferences(grad, f, x64, 1e-5, (v) => v > 1e-3 && v < 1 - 1e-3);
    });
  }
});

describe('bad input on the fused form', () => {
  it('a bad logit, probability or target in a later image: the first offending index, as the passes apart', () => {
    const cases: [Input, 'pr' | 'gt', number, number, RegExp][] = [
      [
        'sigmoid',
        'pr',
        3 * 1600 + 17,
        NaN,
        /^diceLoss: pr must hold finite logits; got NaN at index 4817\.$/,
      ],
      [
        'sigmoidSquared',
        'pr',
        5 * 1600 + 3,
        -Infinity,
        /^diceLoss: pr must hold finite logits; got -Infinity at index 8003\.$/,
      ],
      [
        'squaredProb',
        'pr',
        4 * 1600,
        1.5,
        /^diceLoss: pr must hold probabilities in \[0, 1\]; got 1\.5 at index 6400\.$/,
      ],
      ['sigmoid', 'gt', 3 * 1600 + 1, NaN, /^diceLoss: gt must hold finite values; got NaN at index 4801\.$/],
    ];
    for (const [input, where, at, v, message] of cases) {
      const { gt, pr } = pair(8, [2, 3, 40, 40], input !== 'squaredProb');
      (where === 'pr' ? pr : gt).data[at] = v;
      // A second, later bad value: the message names the first.
      (where === 'pr' ? pr : gt).data[at + 1000] = v;
      const loss = diceLoss(options(input, { layout: 'channelsFirst' }));
      for (const mode of ['fused', 'apart', 'general'] as const) {
        expect(() => run(loss, gt, pr, mode)).toThrow(message);
      }
    }
  });

  it('a bad logit in a channel not selected; checkInputs: false gives the general path its numbers', () => {
    const { gt, pr } = pair(9, [2, 40, 40, 3], true);
    pr.data[1600 * 3 + 3 * 7 + 1] = Infinity; // image 1, pixel 7, channel 1
    const o = { layout: 'channelsLast' as const, classIndexes: [0, 2] };
    const checked = diceLoss(options('sigmoid', o));
    expect(() => run(checked, gt, pr, 'fused')).toThrow(
      /^diceLoss: pr must hold finite logits; got Infinity at index 4822\.$/,
    );
    const unchecked = diceLoss(options('sigmoid', { ...o, checkInputs: false }));
    const f = run(unchecked, gt, pr, 'fused');
    const g = run(unchecked, gt, pr, 'general');
    expect(f.images).toBe(0);
    expect(f.value).toBe(g.value);
    expect(Array.from(f.grad)).toEqual(Array.from(g.grad));
  });
});
