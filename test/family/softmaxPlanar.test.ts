/**
 * The channels-first (planar) form of the fused softmax region path (kernels/softmaxRegion.ts with the `…F`
 * kernels of scripts/wasm/softmaxRegion.mjs): the layout of the `smp` and `monai` presets and of PyTorch. A
 * channels-first call on the transpose of a channels-last call computes the same softmax, sums and gradient in
 * the same order, so both layouts give the same bits: on WebAssembly, on the JS loops, fused per image (softmax
 * held or in `out`), with the bit record of one-hot targets or soft targets, label maps with an ignored label,
 * and under a memory that cannot grow. Bad input is reported at its lowest flat index, as the general path does.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss, jaccardLoss, tverskyLoss, type Loss } from '../../src/index.js';
import {
  SOFTMAX_BLOCK_PIXELS,
  SOFTMAX_MAX_C,
  SOFTMAX_PIXEL_MAJOR_C,
  setSoftmaxFusedEnabled,
  setSoftmaxMemoryCap,
  setSoftmaxWasmEnabled,
  softmaxFusedRuns,
  SOFTMAX_PLANAR_X,
  SOFTMAX_RECORD_AT,
  softmaxPlanePixels,
  softmaxRuns,
} from '../../src/core/kernels/softmaxRegion.js';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { PLANE_BYTES, SOFTMAX_LAYOUT } from '../../scripts/wasm/softmaxRegion.mjs';
import { type Kind, type Pair, pair, transpose } from './layouts.js';

afterEach(() => {
  setSoftmaxWasmEnabled(true);
  setSoftmaxFusedEnabled(true);
  setSoftmaxMemoryCap();
});

const losses = {
  dice: (layout: string, o: object = {}) =>
    diceLoss({ preset: 'monai', fromLogits: true, layout, ...o } as never),
  jaccard: (layout: string, o: object = {}) =>
    jaccardLoss({ preset: 'monai', fromLogits: true, layout, ...o } as never),
  tversky: (layout: string, o: object = {}) =>
    tverskyLoss({ preset: 'monai', fromLogits: true, layout, alpha: 0.3, beta: 0.7, ...o } as never),
};

/** valueAndGrad of both layouts (with `out` when asked), and the WebAssembly / JS image-runs of the channels-first call. */
function both(make: (layout: string) => Loss, p: Pair, withOut: boolean) {
  const n = p.last.pr.data.length;
  const outL = withOut ? new Float32Array(n).fill(NaN) : undefined;
  const outF = withOut ? new Float32Array(n).fill(NaN) : undefined;
  const last = make('channelsLast').valueAndGrad(p.last.gt, p.last.pr, outL && { out: outL });
  const before = softmaxRuns();
  const first = make('channelsFirst').valueAndGrad(p.first.gt, p.first.pr, outF && { out: outF });
  const after = softmaxRuns();
  return { last, first, wasm: after.wasm - before.wasm, js: after.js - before.js };
}

/**
 * Both layouts give the same value and the same gradient bits (the channels-first one transposed back) where they
 * add the same float32 partial sums: on the JS loops, and on WebAssembly while an image fits one block in both
 * layouts (SOFTMAX_BLOCK_PIXELS pixels; channels-first blocks are longer, softmaxPlanePixels(C), so the float32
 * chunks of later blocks start elsewhere), except where channels-last runs the pixel-major kernels (C = 8, dense
 * targets). Elsewhere the two agree to float32 rounding (values 1e-6, gradients 2e-6 of the largest).
 */
function expectSameBits(make: (layout: string) => Loss, p: Pair, withOut = true) {
  const r = both(make, p, withOut);
  const C = p.first.pr.shape[1];
  const P = p.first.pr.data.length / (p.first.pr.shape[0] * C);
  const back = Array.from(transpose(r.last.grad as Float32Array, C, P));
  const pixelMajor =
    SOFTMAX_PIXEL_MAJOR_C.includes(C) &&
    !(p.first.gt.data instanceof Uint8Array) &&
    !(p.first.gt.data instanceof Int32Array);
  const exact = r.wasm === 0 || (!pixelMajor && P <= SOFTMAX_BLOCK_PIXELS);
  if (exact) {
    expect(r.first.value).toBe(r.last.value);
    expect(Array.from(r.first.grad)).toEqual(back);
    return r;
  }
  expect(Math.abs(r.first.value - r.last.value)).toBeLessThanOrEqual(1e-6);
  let worst = 0;
  let scale = 1e-30;
  back.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(r.first.grad[i] - v));
    scale = Math.max(scale, Math.abs(v));
  });
  expect(worst).toBeLessThanOrEqual(2e-6 * scale);
  return r;
}

describe('channels-first softmax region kernels: the same bits as channels-last', () => {
  it('the driver and the generator agree on the plane of each C, and C planes fill at most a scratch block', () => {
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
      expect(softmaxPlanePixels(C) * 4).toBe(PLANE_BYTES(C));
      expect(softmaxPlanePixels(C) % 4).toBe(0);
      expect(C * PLANE_BYTES(C)).toBeLessThanOrEqual(SOFTMAX_LAYOUT.PLANAR_BLOCK_BYTES);
      // An odd number of 64-byte lines (never a multiple of 4 KiB), the longest that fits.
      expect((PLANE_BYTES(C) / 64) % 2).toBe(1);
      expect(C * (PLANE_BYTES(C) + 128)).toBeGreaterThan(SOFTMAX_LAYOUT.PLANAR_BLOCK_BYTES);
    }
    expect([2, 3, 4, 8].map(softmaxPlanePixels)).toEqual([16368, 10896, 8176, 4080]);
    // The three planar blocks sit between the channels-last ones and the bit record, in the initial memory.
    expect(SOFTMAX_PLANAR_X).toBe(SOFTMAX_LAYOUT.PLANAR_X);
    expect(SOFTMAX_LAYOUT.X + 3 * SOFTMAX_LAYOUT.BLOCK_BYTES).toBeLessThanOrEqual(SOFTMAX_PLANAR_X);
    expect(SOFTMAX_PLANAR_X + 3 * SOFTMAX_LAYOUT.PLANAR_BLOCK_BYTES).toBeLessThanOrEqual(SOFTMAX_RECORD_AT);
    expect(SOFTMAX_RECORD_AT).toBeLessThanOrEqual(SOFTMAX_LAYOUT.PAGES * 65536);
  });

  for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
    for (const kind of ['dense', 'soft', 'uint8', 'int32'] as const) {
      it(`C = ${C}, ${kind} targets, 3 images of 13 × 11 pixels (tails of 3): WebAssembly, then JS`, () => {
        const p = pair(C * 17 + kind.length, 3, [13, 11], C, kind);
        setSoftmaxWasmEnabled(true, 0);
        for (const perImage of [true, false]) {
          const r = expectSameBits((l) => losses.dice(l, { perImage }), p);
          expect(r.wasm).toBeGreaterThan(0);
        }
        setSoftmaxWasmEnabled(false);
        const r = expectSameBits((l) => losses.dice(l), p);
        expect(r.wasm).toBe(0);
        expect(r.js).toBeGreaterThan(0);
      });
    }
  }

  it('several blocks per image (C = 3: 24000 pixels, 10896 per plane; C = 8: 9000, 4080), fused with the softmax held, in `out`, and apart', () => {
    const sizes: Record<number, number[]> = { 3: [150, 160], 8: [90, 100] };
    const kinds = ['dense', 'soft', 'uint8'] as const;
    for (const [C, kind] of [3, 8].flatMap((c) => kinds.map((k) => [c, k] as const))) {
      const p = pair(5, 2, sizes[C], C, kind);
      setSoftmaxWasmEnabled(true, 0);
      const runs: { value: number; grad: number[] }[] = [];
      for (const [fused, hold] of [
        [true, undefined],
        [true, 0],
        [false, undefined],
      ] as const) {
        setSoftmaxFusedEnabled(fused, hold);
        const before = softmaxFusedRuns.fused;
        const r = expectSameBits((l) => losses.dice(l), p);
        // Both layouts ran fused (2 images each), or neither.
        expect(softmaxFusedRuns.fused - before).toBe(fused ? 4 : 0);
        expect(r.wasm).toBeGreaterThan(0);
        // Channels-first: the same bits fused (held or in out) as apart.
        runs.push({ value: r.first.value, grad: Array.from(r.first.grad) });
      }
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    }
  });

  it('the bit record of one-hot targets serves pass 2 in channels-first too', () => {
    const p = pair(8, 2, [64, 70], 4, 'dense');
    setSoftmaxWasmEnabled(true, 0);
    setSoftmaxFusedEnabled(false);
    const before = softmaxRuns();
    both((l) => losses.dice(l), p, true);
    const after = softmaxRuns();
    // 2 images × 3 blocks of 2032 pixels channels-last, × 1 block of 8176 channels-first, recorded in pass 1
    // and read in pass 2.
    expect(after.recorded - before.recorded).toBe(8);
    expect(after.fromRecord - before.fromRecord).toBe(8);
  });

  it('label maps with ignoreIndex, class selection, Jaccard and Tversky, no `out`', () => {
    for (const ignore of [255, 0]) {
      const p = pair(30 + ignore, 2, [21, 17], 5, 'uint8', ignore);
      setSoftmaxWasmEnabled(true, 0);
      expectSameBits((l) => losses.dice(l, { ignoreIndex: ignore }), p, false);
      expectSameBits((l) => losses.jaccard(l, { includeBackground: false, ignoreIndex: ignore }), p);
      expectSameBits((l) => losses.tversky(l, { ignoreIndex: ignore }), p);
    }
  });

  it('a reduction that couples the images (γ on the mean): the images redone give the bits of the passes apart', () => {
    const p = pair(3, 3, [40, 50], 4, 'dense');
    setSoftmaxWasmEnabled(true, 0);
    const make = (l: string) => losses.tversky(l, { gamma: 2, gammaOn: 'mean' });
    const before = { ...softmaxFusedRuns };
    const r = expectSameBits(make, p);
    expect(softmaxFusedRuns.fused - before.fused).toBe(6);
    expect(softmaxFusedRuns.redone - before.redone).toBe(4);
    setSoftmaxFusedEnabled(false);
    const n = p.first.pr.data.length;
    const apart = make('channelsFirst').valueAndGrad(p.first.gt, p.first.pr, { out: new Float32Array(n) });
    expect(r.first.value).toBe(apart.value);
    expect(Array.from(r.first.grad)).toEqual(Array.from(apart.grad));
  });

  it('a memory that cannot grow: no held softmax, no bit record, no fused form, the same bits', () => {
    const p = pair(11, 2, [50, 100], 4, 'dense');
    setSoftmaxWasmEnabled(true, 0);
    const reference = both((l) => losses.dice(l), p, true);
    const REC = SOFTMAX_RECORD_AT;
    for (const cap of [REC + 2512, REC + 2511]) {
      setSoftmaxMemoryCap(cap);
      const r = both((l) => losses.dice(l), p, true);
      expect(r.first.value).toBe(reference.first.value);
      expect(Array.from(r.first.grad)).toEqual(Array.from(reference.first.grad));
    }
  });

  it('property: random batch, size, C, targets and per-image / batch sums give the same bits in both layouts', () => {
    setSoftmaxWasmEnabled(true, 0);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 2, max: SOFTMAX_MAX_C }),
        fc.constantFrom<Kind>('dense', 'soft', 'int32'),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (N, h, w, C, kind, batch, seed) => {
          expectSameBits((l) => losses.dice(l, { perImage: batch }), pair(seed, N, [h, w], C, kind));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('channels-first softmax region kernels: bad input', () => {
  it('reports the lowest flat index of a bad logit (the general path’s index), then of a bad target', () => {
    const p = pair(4, 2, [40, 30], 3, 'dense');
    setSoftmaxWasmEnabled(true, 0);
    const loss = losses.dice('channelsFirst');
    const x = Float32Array.from(p.first.pr.data as Float32Array);
    const P = 1200;
    // Image 1: a NaN in channel 2 at pixel 10 and an Inf in channel 0 at pixel 900: channel 0's is first in memory.
    x[P * 3 + 2 * P + 10] = NaN;
    x[P * 3 + 900] = Infinity;
    const general = () =>
      loss.valueAndGrad(p.first.gt, { data: Float64Array.from(x), shape: p.first.pr.shape });
    expect(general).toThrow(`at index ${P * 3 + 900}.`);
    expect(() => loss.valueAndGrad(p.first.gt, { data: x, shape: p.first.pr.shape })).toThrow(
      /^diceLoss: pr must hold finite logits; got Infinity at index 4500\.$/,
    );
    const g = Float32Array.from(p.first.gt.data as Float32Array);
    g[P * 3 + P + 7] = NaN;
    expect(() =>
      loss.valueAndGrad({ data: g, shape: p.first.gt.shape }, p.first.pr, {
        out: new Float32Array(x.length),
      }),
    ).toThrow(`gt must hold finite values; got NaN at index ${P * 3 + P + 7}.`);
  });
});
