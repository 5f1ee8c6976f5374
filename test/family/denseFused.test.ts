/**
 * The per-image fused form of the dense region stage (family/denseFused.ts): sigmoid logits (plain and squared
 * form), both passes image by image with σ and the targets' bits held in the fused WebAssembly module's memory.
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
  denseFused.minImage = 2 ** 20;
  denseSigmoid.enabled = true;
  denseSquared.enabled = true;
});

type Layout = 'channelsLast' | 'channelsFirst';
/** The form from sigmoid logits: plain or squared. */
type Input = 'sigmoid' | 'sigmoidSquared';

/** Seeded float32 logits in (−8, 8) (a few ±30) and a 0/1 or soft float32 mask. */
function pair(seed: number, shape: number[], soft = false) {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = r() < 0.01 ? (r() < 0.5 ? -30 : 30) : 16 * r() - 8;
    g[i] = soft ? r() : r() < 0.35 ? 1 : 0;
  }
  return { gt: { data: g, shape }, pr: { data: x, shape } };
}

const options = (input: Input, o: object) => ({
  preset: 'monai' as const,
  squared: input !== 'sigmoid',
  fromLogits: true,
  activation: 'sigmoid' as const,
  ...o,
});

type Mode = 'fused' | 'apart' | 'general' | 'js';

/** valueAndGrad into a NaN-filled `out` on one path, with the fused images and held pass-2 runs it took. */
function run(loss: Loss, gt: NdArray, pr: NdArray, mode: Mode) {
  setRegionWasmEnabled(mode !== 'js', 0);
  denseFused.minImage = 0; // the test shapes are small
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
  it('takes plain sigmoid calls per image, both layouts, with the bits of the passes apart; not the squared form', () => {
    for (const input of ['sigmoid', 'sigmoidSquared'] as const) {
      for (const layout of ['channelsLast', 'channelsFirst'] as const) {
        for (const C of [1, 3]) {
          const { gt, pr } = pair(C, shapeOf(layout, 3, 41, 53, C));
          const loss = diceLoss(options(input, { layout }));
          const redone = denseFused.redone;
          const f = run(loss, gt, pr, 'fused');
          if (input === 'sigmoidSquared') {
            // Fused, the squared form measured slower than its passes apart: it always runs them apart.
            expect(f.images + f.held).toBe(0);
            const a = run(loss, gt, pr, 'apart');
            expect(f.value).toBe(a.value);
            expect(f.grad).toEqual(a.grad);
            continue;
          }
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
          // Images under denseFused.minImage elements stay on the passes apart (their data stays in cache).
          denseFused.enabled = true;
          denseFused.minImage = 41 * 53 * C + 1;
          const before = denseFused.images;
          loss.valueAndGrad(gt, pr, { out: new Float32Array(pr.data.length) });
          expect(denseFused.images).toBe(before);
          // Squared probabilities stay on the passes apart too.
          const prob = diceLoss({ preset: 'monai', squared: true, layout });
          expect(
            run(
              prob,
              gt,
              { data: Float32Array.from(pr.data, (v) => 1 / (1 + Math.exp(-v))), shape: pr.shape },
              'fused',
            ).images,
          ).toBe(0);
        }
      }
    }
  });

  it('soft targets: pass 2 reads them again (no bits); a C = 2 channels-last call takes the fused module too', () => {
    for (const [shape, layout] of [
      [[2, 3, 45, 47], 'channelsFirst'],
      [[2, 45, 47, 2], 'channelsLast'],
    ] as const) {
      {
        const { gt, pr } = pair(3, [...shape], true);
        const loss = diceLoss(options('sigmoid', { layout }));
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
        fc.constantFrom<Input>('sigmoid', 'sigmoidSquared'),
        fc.constantFrom('all', 'subset', 'noBackground'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'logDice'),
        fc.boolean(),
        fc.integer({ min: 1, max: 1e6 }),
        ({ N, H, W, C, layout }, input, classes, which, weighted, seed) => {
          const { gt, pr } = pair(seed, shapeOf(layout, N, H, W, C), seed % 3 === 0);
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
          // Soft targets of the plain sigmoid form (MONAI: not smp's soft-label form) take the stage too; the
          // squared form runs its passes apart.
          expect(f.images).toBe(input === 'sigmoid' ? N : 0);
          expect(f.value).toBe(a.value);
          expect(f.grad).toEqual(a.grad);
          expectClose(f, g, 2e-6);
        },
      ),
      { seed: 20261206, numRuns: 50 },
    );
  });

  it("an image whose coefficients depend on later images (emptyClass 'skip'): its passes again, the same numbers", () => {
    const { gt, pr } = pair(5, [3, 2, 40, 44]);
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

  for (const input of ['sigmoid', 'sigmoidSquared'] as const) {
    it(`${input}: the fused gradient equals float64 central differences of the general path`, () => {
      const { gt, pr } = pair(11, [2, 3, 33, 35]);
      const loss = diceLoss(options(input, { layout: 'channelsFirst', classWeights: [1, 2, 0.5] }));
      const x64 = Float64Array.from(pr.data);
      const f = (x: Float64Array) => loss.value(gt, { data: x, shape: pr.shape });
      const { grad, images } = run(loss, gt, pr, 'fused');
      expect(images).toBe(input === 'sigmoid' ? 2 : 0);
      expectCentralDifferences(grad, f, x64, 1e-4);
    });
  }
});

describe('bad input on the fused form', () => {
  it('a bad logit or target in a later image: the first offending index, as the passes apart', () => {
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
      ['sigmoid', 'gt', 3 * 1600 + 1, NaN, /^diceLoss: gt must hold finite values; got NaN at index 4801\.$/],
    ];
    for (const [input, where, at, v, message] of cases) {
      const { gt, pr } = pair(8, [2, 3, 40, 40]);
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
    const { gt, pr } = pair(9, [2, 40, 40, 3]);
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
