/**
 * maskedDiceLoss's mask passes (family/masked.ts: one scan of the mask for its runs of ones, the masked inputs
 * copied there and multiplied elsewhere, the gradient's factor skipped there): against MONAI's MaskedLoss written
 * out here (the mask expanded over the channels, gt·mask and pr·mask element by element, the Dice loss, the
 * gradient times the mask) — the same bits, on float32 and float64, both layouts, label maps and dense targets,
 * shared and per-image masks, blob and scattered masks; float64 central differences; bad masks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diceLoss, maskedDiceLoss, type NdArray } from '../../src/index.js';
import { rng } from '../core/random.js';
import { expectCentralDifferences } from './helpers.js';
import { regionWasmRuns, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';

type Layout = 'channelsLast' | 'channelsFirst';

/** The mask factor of every element of pr, expanded (MONAI broadcasts [N or 1, 1, ...spatial]). */
function expand(mask: ArrayLike<number>, shared: boolean, N: number, P: number, C: number, layout: Layout) {
  const f = new Float64Array(N * P * C);
  for (let b = 0; b < N; b++)
    for (let q = 0; q < P; q++)
      for (let c = 0; c < C; c++) {
        const i = layout === 'channelsLast' ? (b * P + q) * C + c : (b * C + c) * P + q;
        f[i] = mask[(shared ? 0 : b * P) + q];
      }
  return f;
}

interface Case {
  N: number;
  H: number;
  W: number;
  C: number;
  layout: Layout;
  labels: boolean;
  shared: boolean;
  kind: 'blob' | 'scattered' | 'soft';
  f64: boolean;
  seed: number;
}

function build(k: Case) {
  const { N, H, W, C, layout } = k;
  const P = H * W;
  const r = rng(k.seed);
  const shape = layout === 'channelsLast' ? [N, H, W, C] : [N, C, H, W];
  const n = N * P * C;
  const values = Array.from({ length: n }, () => 8 * r() - 4);
  const x = k.f64 ? Float64Array.from(values) : Float32Array.from(values);
  const lab = Int32Array.from({ length: N * P }, () => Math.floor(r() * C));
  const dense = new (k.f64 ? Float64Array : Float32Array)(n);
  for (let b = 0; b < N; b++)
    for (let q = 0; q < P; q++) {
      const c = lab[b * P + q];
      dense[layout === 'channelsLast' ? (b * P + q) * C + c : (b * C + c) * P + q] = 1;
    }
  const images = k.shared ? 1 : N;
  const mask = new (k.kind === 'soft' && k.f64 ? Float64Array : Float32Array)(images * P);
  const cx = r() * W;
  const cy = r() * H;
  for (let j = 0; j < images; j++)
    for (let y = 0; y < H; y++)
      for (let z = 0; z < W; z++) {
        const inside = (y - cy) ** 2 + (z - cx) ** 2 < ((H * W) / 4) * r() + 20;
        mask[j * P + y * W + z] =
          k.kind === 'blob'
            ? inside
              ? 1
              : 0
            : k.kind === 'scattered'
              ? r() < 0.6
                ? 1
                : 0
              : inside
                ? 1
                : r();
      }
  const maskShape = layout === 'channelsLast' ? [images, H, W, 1] : [images, 1, H, W];
  return {
    pr: { data: x, shape } as NdArray,
    gt: (k.labels ? { data: lab, shape: [N, H, W] } : { data: dense, shape }) as NdArray,
    mask: { data: mask, shape: maskShape } as NdArray,
    f: expand(mask, k.shared, N, P, C, layout),
  };
}

/** MONAI's MaskedLoss around diceLoss, element by element (the masked label map: trunc(label·mask)). */
function monaiMasked(k: Case, io: ReturnType<typeof build>, opts: object) {
  const { pr, gt, f } = io;
  const P = k.H * k.W;
  const mp = new (pr.data instanceof Float32Array ? Float32Array : Float64Array)(pr.data.length);
  for (let i = 0; i < mp.length; i++) mp[i] = pr.data[i] * f[i];
  let mg: NdArray;
  if (k.labels) {
    const l = new Int32Array(gt.data.length);
    for (let q = 0; q < l.length; q++) {
      const b = Math.floor(q / P);
      l[q] = Math.trunc(gt.data[q] * io.mask.data[(k.shared ? 0 : b * P) + (q % P)]);
    }
    mg = { data: l, shape: gt.shape };
  } else {
    const g = new (gt.data instanceof Float32Array ? Float32Array : Float64Array)(gt.data.length);
    for (let i = 0; i < g.length; i++) g[i] = gt.data[i] * f[i];
    mg = { data: g, shape: gt.shape };
  }
  const r = diceLoss({ preset: 'monai', ...opts }).valueAndGrad(mg, { data: mp, shape: pr.shape });
  for (let i = 0; i < r.grad.length; i++) r.grad[i] *= f[i];
  return r;
}

/** A fixed case: channels-last, per-image blob mask over a label map, float32, unless `o` says otherwise. */
const fixed = (o: Partial<Case>): Case => ({
  N: 2,
  H: 20,
  W: 20,
  C: 3,
  layout: 'channelsLast',
  labels: true,
  shared: false,
  kind: 'blob',
  f64: false,
  seed: 1,
  ...o,
});

const caseArb = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 40 }),
  W: fc.integer({ min: 1, max: 41 }),
  C: fc.integer({ min: 2, max: 5 }),
  layout: fc.constantFrom<Layout>('channelsLast', 'channelsFirst'),
  labels: fc.boolean(),
  shared: fc.boolean(),
  kind: fc.constantFrom<'blob' | 'scattered' | 'soft'>('blob', 'scattered', 'soft'),
  f64: fc.boolean(),
  seed: fc.nat(),
});

describe('maskedDiceLoss mask passes', () => {
  for (const mode of ['wasm', 'js'] as const) {
    it(`give MONAI's MaskedLoss element by element, value and gradient bit for bit (${mode} products)`, () => {
      const before = regionWasmRuns().scaled;
      setRegionWasmEnabled(mode === 'wasm', 0);
      try {
        fc.assert(
          fc.property(caseArb, fc.constantFrom('softmax', 'sigmoid'), (k, activation) => {
            const io = build(k);
            const opts = { layout: k.layout, fromLogits: true, activation } as const;
            const want = monaiMasked(k, io, opts);
            const out = new Float32Array(io.pr.data.length).fill(NaN);
            const got = maskedDiceLoss(opts).valueAndGrad(io.gt, io.pr, io.mask, { out });
            expect(got.grad).toBe(out);
            expect(got.value).toBe(want.value);
            for (let i = 0; i < out.length; i++)
              if (!Object.is(out[i], want.grad[i])) expect([i, out[i]]).toEqual([i, want.grad[i]]);
          }),
          { numRuns: 60 },
        );
      } finally {
        setRegionWasmEnabled(true);
      }
      // Float32 products by float32 mask values take the scale kernel (float64 masks of non-float32 values not).
      expect(regionWasmRuns().scaled > before).toBe(mode === 'wasm');
    });
  }

  it('reuses one scratch across calls of different sizes and masks (results unchanged)', () => {
    const loss = maskedDiceLoss({ layout: 'channelsFirst', fromLogits: true, activation: 'softmax' });
    const first = { layout: 'channelsFirst' } as const;
    const ks = [
      fixed({ ...first, H: 30, W: 30 }),
      fixed({ ...first, N: 1, H: 8, W: 9, labels: false, shared: true, kind: 'scattered', seed: 2 }),
      fixed({ ...first, N: 3, H: 40, W: 20, shared: true, kind: 'soft', seed: 3 }),
    ];
    for (const k of [...ks, ...ks]) {
      const io = build(k);
      const want = monaiMasked(k, io, { layout: k.layout, fromLogits: true, activation: 'softmax' });
      const got = loss.valueAndGrad(io.gt, io.pr, io.mask);
      expect(got.value).toBe(want.value);
      expect(Array.from(got.grad)).toEqual(Array.from(want.grad));
    }
  });

  it('the gradient matches float64 central differences (blob mask, label map, softmax)', () => {
    const k = fixed({ H: 24, W: 24, f64: true, seed: 9 });
    const io = build(k);
    const loss = maskedDiceLoss({ layout: k.layout, fromLogits: true, activation: 'softmax' });
    const r = loss.valueAndGrad(io.gt, io.pr, io.mask);
    expectCentralDifferences(
      r.grad,
      (x) => loss.value(io.gt, { data: x, shape: io.pr.shape }, io.mask),
      Float64Array.from(io.pr.data),
      1e-5,
      () => true,
      40,
    );
  });

  it('a non-finite mask value: the first offending index, per-image and shared masks', () => {
    const k = fixed({ seed: 4 });
    const io = build(k);
    const m = Float32Array.from(io.mask.data);
    m[450] = Infinity;
    m[700] = NaN;
    const loss = maskedDiceLoss({ layout: k.layout });
    expect(() => loss.value(io.gt, io.pr, { data: m, shape: io.mask.shape })).toThrow(
      /^maskedDiceLoss: mask must hold finite numbers; got Infinity at mask\.data\[450\]\.$/,
    );
    const shared = Float32Array.from(m.subarray(0, 400));
    shared[399] = NaN;
    expect(() => loss.value(io.gt, io.pr, { data: shared, shape: [1, 20, 20, 1] })).toThrow(
      /got NaN at mask\.data\[399\]\./,
    );
  });
});
