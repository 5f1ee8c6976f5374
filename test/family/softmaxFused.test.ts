/**
 * The per-image fused form of the softmax region path (family/region.ts `fusedRegionValueAndGrad`, kernels/
 * softmaxRegion.ts `softmaxRegionFused`): for per-image losses, pass 2 of image b runs right after its pass 1,
 * with image b's coefficients from the loss's own reduction on the sums so far. Checked against the two passes
 * apart (the same kernels: the same bits), for the softmax held in the module's memory and stored in `out`, on
 * dense and label-map targets; a reduction that couples the images (γ on the mean) is detected and those
 * images' gradients computed again; bad input in a later image is still reported with its index.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diceLoss,
  generalizedDiceLoss,
  jaccardLoss,
  tverskyLoss,
  type Loss,
  type NdArray,
} from '../../src/index.js';
import {
  SOFTMAX_MAX_C,
  SOFTMAX_RECORD_AT,
  setSoftmaxFusedEnabled,
  setSoftmaxMemoryCap,
  setSoftmaxWasmEnabled,
  softmaxFusedRuns,
  softmaxRuns,
} from '../../src/core/kernels/softmaxRegion.js';
import { rng } from './helpers.js';

afterEach(() => {
  setSoftmaxWasmEnabled(true);
  setSoftmaxFusedEnabled(true);
});

type Kind = 'dense' | 'uint8' | 'int32';

/** Seeded channels-last float32 logits in [−6, 6] and targets (one-hot float32 or a label map; `ignore` 10 %). */
function pair(seed: number, shape: number[], kind: Kind, ignore?: number): { gt: NdArray; pr: NdArray } {
  const r = rng(seed);
  const C = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 12 * r() - 6;
  const labels = new Int32Array(n / C);
  const dense = new Float32Array(n);
  for (let s = 0; s < labels.length; s++) {
    labels[s] = ignore !== undefined && r() < 0.1 ? ignore : Math.floor(r() * C);
    if (labels[s] !== ignore) dense[s * C + labels[s]] = 1;
  }
  const gt: NdArray =
    kind === 'dense'
      ? { data: dense, shape }
      : { data: kind === 'uint8' ? Uint8Array.from(labels) : labels, shape: shape.slice(0, -1) };
  return { gt, pr: { data: x, shape } };
}

/** valueAndGrad with { out }, fused (softmax held, or in `out` with hold 0) or not; counts fused images. */
function run(loss: Loss, gt: NdArray, pr: NdArray, mode: 'apart' | 'hold' | 'out') {
  setSoftmaxWasmEnabled(true, 0);
  setSoftmaxFusedEnabled(mode !== 'apart', mode === 'out' ? 0 : undefined);
  const before = { ...softmaxFusedRuns };
  const out = new Float32Array(pr.data.length).fill(NaN);
  const r = loss.valueAndGrad(gt, pr, { out });
  expect(r.grad).toBe(out);
  return {
    value: r.value,
    grad: out,
    fused: softmaxFusedRuns.fused - before.fused,
    redone: softmaxFusedRuns.redone - before.redone,
  };
}

const monaiDice = (o: object = {}) =>
  diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast', ...o });

describe('per-image fused softmax region path', () => {
  for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
    for (const kind of ['dense', 'uint8'] as const) {
      it(`C = ${C}, ${kind}: the same value and gradient bits as the two passes apart (held and in out)`, () => {
        // 3 images of 2100 pixels: two blocks each, 0 pixels in JS; then 3 × 2103: 3 pixels per image in JS.
        for (const pixels of [2100, 2103]) {
          const { gt, pr } = pair(C * 7 + pixels, [3, pixels, C], kind);
          const loss = monaiDice();
          const apart = run(loss, gt, pr, 'apart');
          expect(apart.fused).toBe(0);
          for (const mode of ['hold', 'out'] as const) {
            const fused = run(loss, gt, pr, mode);
            expect(fused.fused).toBe(3);
            expect(fused.redone).toBe(0);
            expect(fused.value).toBe(apart.value);
            expect(fused.grad).toEqual(apart.grad);
          }
        }
      });
    }
  }

  it('reads the bit record of one-hot targets in pass 2, and the targets where a block is not 0 / 1', () => {
    const { gt, pr } = pair(3, [2, 5000, 4], 'dense');
    const g = gt.data as Float32Array;
    g[4 * 4100 + 2] = 0.25; // image 0, block 2
    const loss = monaiDice();
    const apart = run(loss, gt, pr, 'apart');
    const before = softmaxRuns();
    const fused = run(loss, gt, pr, 'hold');
    const after = softmaxRuns();
    // 3 blocks per image (5000 pixels, 2032 per block), one of them soft.
    expect(after.recorded - before.recorded).toBe(5);
    expect(after.fromRecord - before.fromRecord).toBe(5);
    expect(fused.grad).toEqual(apart.grad);
  });

  it('ignoreIndex on label maps, class selection, Jaccard, Tversky and generalized Dice: as apart', () => {
    const { gt, pr } = pair(4, [3, 1500, 5], 'int32', 255);
    const losses: Loss[] = [
      monaiDice({ ignoreIndex: 255 }),
      monaiDice({ ignoreIndex: 255, classIndexes: [1, 3] }),
      jaccardLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast', ignoreIndex: 255 }),
      tverskyLoss({
        preset: 'monai',
        fromLogits: true,
        layout: 'channelsLast',
        alpha: 0.3,
        beta: 0.7,
        ignoreIndex: 255,
      }),
      generalizedDiceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast', ignoreIndex: 255 }),
    ];
    for (const loss of losses) {
      const apart = run(loss, gt, pr, 'apart');
      const fused = run(loss, gt, pr, 'hold');
      expect(fused.fused).toBe(3);
      expect(fused.redone).toBe(0);
      expect(fused.value).toBe(apart.value);
      expect(fused.grad).toEqual(apart.grad);
    }
  });

  it('a reduction that couples the images (γ on the mean) is caught: those images are computed again', () => {
    const { gt, pr } = pair(5, [3, 2000, 4], 'dense');
    const loss = tverskyLoss({
      preset: 'monai',
      fromLogits: true,
      layout: 'channelsLast',
      gamma: 2,
      gammaOn: 'mean',
    });
    const apart = run(loss, gt, pr, 'apart');
    const fused = run(loss, gt, pr, 'hold');
    expect(fused.fused).toBe(3);
    // The last image saw every image's sums: its guess is the final one.
    expect(fused.redone).toBe(2);
    expect(fused.value).toBe(apart.value);
    // Computed again from the logits: the same bits where WebAssembly ran (all pixels here: 2000 = 4·500).
    expect(fused.grad).toEqual(apart.grad);
  });

  it('batch-wide losses (sm, smp presets) and the JS kernels take the two passes apart', () => {
    const { gt, pr } = pair(6, [2, 1200, 4], 'dense');
    expect(run(diceLoss({ fromLogits: true, layout: 'channelsLast' }), gt, pr, 'hold').fused).toBe(0);
    expect(
      run(diceLoss({ preset: 'smp', fromLogits: true, layout: 'channelsLast' }), gt, pr, 'hold').fused,
    ).toBe(0);
    setSoftmaxWasmEnabled(false);
    const before = softmaxFusedRuns.fused;
    monaiDice().valueAndGrad(gt, pr, { out: new Float32Array(pr.data.length) });
    expect(softmaxFusedRuns.fused - before).toBe(0);
  });

  it('bad input in a later image is reported with its index, held or in out', () => {
    for (const mode of ['hold', 'out'] as const) {
      for (const kind of ['dense', 'uint8'] as const) {
        const { gt, pr } = pair(7, [3, 1600, 4], kind);
        (pr.data as Float32Array)[2 * 1600 * 4 + 33] = NaN;
        expect(() => run(monaiDice(), gt, pr, mode)).toThrow(
          new RegExp(`diceLoss: pr must hold finite logits; got NaN at index ${2 * 1600 * 4 + 33}\\.`),
        );
        const b = pair(8, [3, 1600, 4], kind);
        if (kind === 'dense') {
          (b.gt.data as Float32Array)[1600 * 4 + 9] = Infinity;
          expect(() => run(monaiDice(), b.gt, b.pr, mode)).toThrow(
            /diceLoss: gt must hold finite values; got Infinity at index 6409\./,
          );
        } else {
          (b.gt.data as Uint8Array)[1600 + 9] = 7;
          expect(() => run(monaiDice(), b.gt, b.pr, mode)).toThrow(
            /diceLoss: gt labels must be integers in \[0, 3\]/,
          );
        }
      }
    }
  });

  it('checkInputs: false on bad input gives what the two passes apart give (the general path)', () => {
    const { gt, pr } = pair(9, [2, 1600, 4], 'dense');
    (pr.data as Float32Array)[1600 * 4 + 5] = NaN;
    const loss = monaiDice({ checkInputs: false });
    const apart = run(loss, gt, pr, 'apart');
    const fused = run(loss, gt, pr, 'hold');
    expect(fused.fused).toBe(2);
    expect(Number.isNaN(apart.value)).toBe(true);
    expect(Number.isNaN(fused.value)).toBe(true);
    expect(fused.grad).toEqual(apart.grad);
  });

  it('property: random C, sizes, batch, targets and options: fused = apart (value and gradient bits)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: SOFTMAX_MAX_C }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1100, max: 4500 }),
        fc.constantFrom<Kind>('dense', 'uint8', 'int32'),
        fc.constantFrom('dice', 'jaccard', 'tversky', 'generalized'),
        fc.constantFrom('hold', 'out'),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (C, batch, pixels, kind, which, mode, seed) => {
          const { gt, pr } = pair(seed, [batch, pixels, C], kind);
          const o = { preset: 'monai' as const, fromLogits: true, layout: 'channelsLast' as const };
          const loss =
            which === 'dice'
              ? diceLoss(o)
              : which === 'jaccard'
                ? jaccardLoss(o)
                : which === 'tversky'
                  ? tverskyLoss({ ...o, alpha: 0.7, beta: 0.3, gamma: 1.5 })
                  : generalizedDiceLoss(o);
          const apart = run(loss, gt, pr, 'apart');
          const fused = run(loss, gt, pr, mode as 'hold' | 'out');
          expect(fused.fused).toBe(batch);
          expect(fused.value).toBe(apart.value);
          expect(fused.grad).toEqual(apart.grad);
        },
      ),
      { seed: 20261204, numRuns: 30 },
    );
  });
});

describe('a module memory that cannot grow', () => {
  afterEach(() => setSoftmaxMemoryCap());

  it('leaves out what needs more memory (held softmax, bit record, fused form) and gives the same value and gradient', () => {
    // 2 images of 5000 pixels, C = 4: the bit record of one image ends at REC + 2504 bytes, its held softmax 80 KB
    // later; both passes apart record 2 × 1250 groups × 2 bytes.
    const { gt, pr } = pair(11, [2, 5000, 4], 'dense');
    const loss = monaiDice();
    const apart = run(loss, gt, pr, 'apart');
    const REC = SOFTMAX_RECORD_AT;
    const cases = [
      { cap: undefined, fused: 2, recorded: 6 }, // everything fits
      { cap: REC + 2512, fused: 2, recorded: 6 }, // the record of one image, not its softmax: held in `out`
      { cap: REC + 2511, fused: 0, recorded: 0 }, // not even that: the two passes apart, reading the targets again
    ];
    for (const { cap, fused, recorded } of cases) {
      setSoftmaxMemoryCap(cap);
      const before = softmaxRuns();
      const r = run(loss, gt, pr, 'hold');
      const after = softmaxRuns();
      expect(r.fused).toBe(fused);
      expect(after.recorded - before.recorded).toBe(recorded);
      expect(r.value).toBe(apart.value);
      expect(r.grad).toEqual(apart.grad);
    }
  });
});
