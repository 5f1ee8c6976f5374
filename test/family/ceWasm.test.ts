/**
 * Softmax cross-entropy from logits on the WebAssembly kernels of the softmax focal loss (γ = 0; issue 10): the
 * CE term of `diceCELoss` and smp's `softCrossEntropyLoss`, label maps (with an ignored label) or dense targets,
 * channel weights, label smoothing, both reductions and both layouts (channels-first on the planar kernels
 * `softmax_focal2_cKF`). Checks which path ran, WebAssembly = JS within float32 rounding over random shapes
 * and options, channels-first = channels-last gradient bit for bit on transposed inputs (CE and focal), the
 * gradient against float64 finite differences, bad input with the JS path's error text, and the compounds'
 * gradient summed into `out` equal to the terms' sum.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diceCELoss,
  diceFocalLoss,
  diceLoss,
  focalLoss,
  generalizedDiceFocalLoss,
  softCrossEntropyLoss,
  type Loss,
  type NdArray,
} from '../../src/index.js';
import {
  elementwiseLastRuns,
  elementwisePlanarRuns,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { crossEntropyTerms } from '../../src/core/family/crossEntropy.js';
import { type Kind, pair, transpose } from './layouts.js';

afterEach(() => setElementwiseWasmEnabled(true));

type Layout = 'channelsLast' | 'channelsFirst';

/** `pair` of ./layouts.ts (logits in [−6, 6]; one-hot, soft or label-map targets, `ignore` on ~10 %), with C and P. */
function inputs(seed: number, N: number, spatial: number[], C: number, kind: Kind, ignore?: number) {
  return { ...pair(seed, N, spatial, C, kind, ignore), C, P: spatial.reduce((a, b) => a * b, 1) };
}

/** valueAndGrad with the elementwise kernels forced on (every size) or off, and the kernel calls it made. */
function run(wasm: boolean, loss: Loss, gt: NdArray, pr: NdArray, out?: Float32Array) {
  setElementwiseWasmEnabled(wasm, 0);
  const runs = elementwiseWasmRuns();
  const last = elementwiseLastRuns();
  const planar = elementwisePlanarRuns();
  try {
    const r = loss.valueAndGrad(gt, pr, out && { out });
    return {
      value: r.value,
      grad: Float32Array.from(r.grad),
      runs: elementwiseWasmRuns() - runs,
      last: elementwiseLastRuns() - last,
      planar: elementwisePlanarRuns() - planar,
    };
  } finally {
    setElementwiseWasmEnabled(true);
  }
}

/** |a − b| ≤ tol·(1 + |b|) for the value, and per gradient entry against the largest entry. */
function expectClose(a: { value: number; grad: Float32Array }, b: { value: number; grad: Float32Array }) {
  expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(b.value)));
  let big = 0;
  for (const v of b.grad) big = Math.max(big, Math.abs(v));
  for (let i = 0; i < a.grad.length; i++) {
    if (!(Math.abs(a.grad[i] - b.grad[i]) <= 2e-6 * big + 1e-9)) {
      expect.fail(`gradient entry ${i}: ${a.grad[i]} (WebAssembly) vs ${b.grad[i]} (JS)`);
    }
  }
}

const ceOf = (layout: Layout, o: Record<string, unknown> = {}): Loss =>
  diceCELoss({ preset: 'monai', fromLogits: true, layout, lambdaDice: 0, ...o });

describe('cross-entropy from logits: which path runs', () => {
  it('float32 logits of 2…8 channels take the kernels (channels-last: K kernels; channels-first: planar)', () => {
    for (const C of [2, 3, 8]) {
      const k = inputs(C, 2, [5, 7], C, 'dense');
      const a = run(true, ceOf('channelsLast'), k.last.gt, k.last.pr);
      expect([a.runs, a.last, a.planar]).toEqual([1, 1, 0]);
      const b = run(true, ceOf('channelsFirst'), k.first.gt, k.first.pr);
      expect([b.runs, b.last, b.planar]).toEqual([1, 0, 2]);
      const j = run(false, ceOf('channelsLast'), k.last.gt, k.last.pr);
      expect(j.runs).toBe(0);
    }
  });

  it('nine channels, float64 logits or a dense ignoreIndex stay on the JS loop', () => {
    const k = inputs(1, 2, [5, 7], 9, 'dense');
    expect(run(true, ceOf('channelsLast'), k.last.gt, k.last.pr).runs).toBe(0);
    const k4 = inputs(1, 2, [5, 7], 4, 'dense');
    const x64 = { data: Float64Array.from(k4.last.pr.data), shape: k4.last.pr.shape };
    expect(run(true, ceOf('channelsLast'), k4.last.gt, x64).runs).toBe(0);
    const ign = ceOf('channelsLast', { ignoreIndex: 1 });
    expect(run(true, ign, k4.last.gt, k4.last.pr).runs).toBe(0);
  });
});

describe('cross-entropy from logits: WebAssembly = JS (float32 rounding)', () => {
  it('over random shapes (odd sizes), C, layouts, targets, weights, smoothing and reductions', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          N: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 23 }),
          w: fc.integer({ min: 1, max: 19 }),
          C: fc.integer({ min: 2, max: 8 }),
          layout: fc.constantFrom<Layout>('channelsLast', 'channelsFirst'),
          kind: fc.constantFrom<Kind>('dense', 'soft', 'uint8', 'int32'),
          ignore: fc.boolean(),
          weights: fc.boolean(),
          smoothing: fc.constantFrom(0, 0.1, 1),
          reduction: fc.constantFrom<'mean' | 'sum'>('mean', 'sum'),
          smp: fc.boolean(),
        }),
        (o) => {
          const isMap = o.kind === 'uint8' || o.kind === 'int32';
          const ignore = isMap && o.ignore ? (o.kind === 'uint8' ? 255 : -100) : undefined;
          const k = inputs(o.seed, o.N, [o.h, o.w], o.C, o.kind, ignore);
          const io = o.layout === 'channelsLast' ? k.last : k.first;
          const ceWeights = o.weights ? Array.from({ length: o.C }, (_, c) => 0.5 + c / 3) : undefined;
          const loss = o.smp
            ? softCrossEntropyLoss({
                layout: o.layout,
                smoothFactor: o.smoothing,
                ignoreIndex: ignore ?? null,
                reduction: o.reduction,
              })
            : ceOf(o.layout, {
                ceWeights,
                labelSmoothing: o.smoothing,
                ignoreIndex: ignore,
                reduction: o.reduction,
              });
          const a = run(true, loss, io.gt, io.pr);
          const b = run(false, loss, io.gt, io.pr);
          expect(a.runs).toBe(1);
          expect(b.runs).toBe(0);
          expectClose(a, b);
        },
      ),
      { numRuns: 120, seed: 10 },
    );
  });

  it('agrees with the JS loop at the workloads size (two blocks and a short one per image)', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const k = inputs(5, 2, [97, 101], 4, 'uint8', 255);
      const io = layout === 'channelsLast' ? k.last : k.first;
      const loss = softCrossEntropyLoss({ layout, smoothFactor: 0.1, ignoreIndex: 255 });
      expectClose(run(true, loss, io.gt, io.pr), run(false, loss, io.gt, io.pr));
    }
  });
});

describe('channels-first = channels-last gradient bit for bit on transposed inputs (planar kernels)', () => {
  it('cross-entropy and softmax focal (γ = 2 and 0), C = 2…8, odd sizes', () => {
    for (let C = 2; C <= 8; C++) {
      for (const kind of ['dense', 'uint8'] as const) {
        const k = inputs(30 + C, 2, [13, 11], C, kind, kind === 'uint8' ? 255 : undefined);
        const losses = (layout: Layout): Loss[] => [
          softCrossEntropyLoss({ layout, smoothFactor: 0.1, ignoreIndex: kind === 'uint8' ? 255 : null }),
          ...(kind === 'dense'
            ? [
                ceOf(layout, { ceWeights: Array.from({ length: C }, (_, c) => 1 + c) }),
                focalLoss({ preset: 'monai', activation: 'softmax', layout }),
                focalLoss({ preset: 'monai', activation: 'softmax', layout, gamma: 0 }),
              ]
            : []),
        ];
        const L = losses('channelsLast');
        const F = losses('channelsFirst');
        for (let i = 0; i < L.length; i++) {
          const a = run(true, L[i], k.last.gt, k.last.pr);
          const b = run(true, F[i], k.first.gt, k.first.pr);
          expect(b.planar).toBe(2);
          // The gradient is per pixel: the same bits. The value's float32 partial sums group the pixels by
          // block (channels-first: one block per image), so it agrees to float32 rounding of those sums.
          expect(b.grad).toEqual(transpose(a.grad, C, k.P));
          expect(Math.abs(b.value - a.value)).toBeLessThanOrEqual(1e-6 * Math.abs(a.value));
        }
      }
    }
  });
});

describe('the kernels gradient against float64 finite differences', () => {
  it('label smoothing, weights, an ignored label, both layouts', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const C = 3;
      const k = inputs(77, 1, [9, 5], C, 'int32', -1);
      const io = layout === 'channelsLast' ? k.last : k.first;
      const cfg = {
        layout,
        weights: Float64Array.of(0.5, 2, 1),
        labelSmoothing: 0.2,
        ignoreIndex: -1,
        reduction: 'mean' as const,
      };
      setElementwiseWasmEnabled(true, 0);
      const runs = elementwiseWasmRuns();
      const r = crossEntropyTerms('ce', io.gt, io.pr, cfg, true);
      expect(elementwiseWasmRuns() - runs).toBe(1);
      setElementwiseWasmEnabled(true);
      // The float64 JS loop's value at x ± h (float64 logits never take the kernels).
      const x64 = Float64Array.from(io.pr.data);
      const f = (i: number, d: number): number => {
        const y = Float64Array.from(x64);
        y[i] += d;
        return crossEntropyTerms('ce', io.gt, { data: y, shape: io.pr.shape }, cfg, false).value;
      };
      const h = 1e-5;
      for (let i = 0; i < x64.length; i += 7) {
        const fd = (f(i, h) - f(i, -h)) / (2 * h);
        expect(Math.abs(r.grad![i] - fd)).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
      }
    }
  });
});

describe('bad input keeps the JS path error text', () => {
  it('a non-finite logit: the first offending index; one in an ignored pixel: no error (it is not read)', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const k = inputs(9, 2, [8, 8], 4, 'int32', -100);
      const io = layout === 'channelsLast' ? k.last : k.first;
      const loss = softCrossEntropyLoss({ layout });
      for (const bad of [NaN, Infinity, -Infinity]) {
        const x = Float32Array.from(io.pr.data);
        // first counted pixel after 100 and an index of its channel 2
        let q = 100;
        while ((io.gt.data as Int32Array)[q] === -100) q++;
        const i = layout === 'channelsLast' ? q * 4 + 2 : Math.floor(q / 64) * 256 + 2 * 64 + (q % 64);
        x[i] = bad;
        const msgs = [true, false].map((wasm) => {
          setElementwiseWasmEnabled(wasm, 0);
          try {
            loss.valueAndGrad(io.gt, { data: x, shape: io.pr.shape });
            return 'no error';
          } catch (e) {
            return (e as Error).message;
          } finally {
            setElementwiseWasmEnabled(true);
          }
        });
        expect(msgs[0]).toBe(`softCrossEntropyLoss: pr must hold finite logits; got ${bad} at index ${i}.`);
        expect(msgs[1]).toBe(msgs[0]);
      }
      // A NaN logit in an ignored pixel only: both paths give a number, the same one.
      const x = Float32Array.from(io.pr.data);
      const q = (io.gt.data as Int32Array).indexOf(-100);
      x[layout === 'channelsLast' ? q * 4 + 1 : Math.floor(q / 64) * 256 + 64 + (q % 64)] = NaN;
      const a = run(true, loss, io.gt, { data: x, shape: io.pr.shape });
      const b = run(false, loss, io.gt, { data: x, shape: io.pr.shape });
      expect(Number.isFinite(a.value)).toBe(true);
      expectClose(a, b);
    }
  });

  it('a label outside [0, C): the label error at its gt index', () => {
    const k = inputs(3, 1, [6, 6], 4, 'int32');
    const labels = Int32Array.from(k.last.gt.data);
    labels[17] = 4;
    const msgs = [true, false].map((wasm) => {
      setElementwiseWasmEnabled(wasm, 0);
      try {
        softCrossEntropyLoss({ layout: 'channelsLast' }).value({ data: labels, shape: [1, 6, 6] }, k.last.pr);
        return '';
      } catch (e) {
        return (e as Error).message;
      } finally {
        setElementwiseWasmEnabled(true);
      }
    });
    expect(msgs[0]).toMatch(
      /^softCrossEntropyLoss: gt labels must be integers in \[0, 3\].*got 4 at gt index \[0,2,5\]/,
    );
    expect(msgs[1]).toBe(msgs[0]);
    // float64 labels: a fraction is not a label either
    const f64 = Float64Array.from(k.last.gt.data);
    f64[20] = 1.5;
    for (const wasm of [true, false]) {
      setElementwiseWasmEnabled(wasm, 0);
      expect(() =>
        softCrossEntropyLoss({ layout: 'channelsLast' }).value({ data: f64, shape: [1, 6, 6] }, k.last.pr),
      ).toThrow(/got 1\.5 at gt index \[0,3,2\]/);
      setElementwiseWasmEnabled(true);
    }
  });
});

describe('softmax focal from a label map: the targets written per block from the labels', () => {
  it('same bits as the one-hot dense targets on the kernels, = JS; an ignored label takes the general path', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      for (const C of [2, 4, 7]) {
        const map = inputs(40 + C, 2, [15, 9], C, 'uint8');
        const dense = inputs(40 + C, 2, [15, 9], C, 'dense');
        const m = layout === 'channelsLast' ? map.last : map.first;
        const d = layout === 'channelsLast' ? dense.last : dense.first;
        for (const loss of [
          focalLoss({ preset: 'smp', layout }),
          focalLoss({ preset: 'monai', activation: 'softmax', layout, alpha: 0.25, gamma: 2 }),
        ]) {
          const a = run(true, loss, m.gt, m.pr);
          const b = run(true, loss, d.gt, d.pr);
          expect(a.runs).toBe(1);
          expect(a.value).toBe(b.value);
          expect(a.grad).toEqual(b.grad);
          expectClose(a, run(false, loss, m.gt, m.pr));
        }
      }
      const k = inputs(3, 2, [15, 9], 4, 'int32', -1);
      const io = layout === 'channelsLast' ? k.last : k.first;
      const loss = focalLoss({ preset: 'smp', layout, ignoreIndex: -1 });
      const a = run(true, loss, io.gt, io.pr);
      expect(a.runs).toBe(0);
      expectClose(a, run(false, loss, io.gt, io.pr));
      // ignoreIndex 0, a class index: the general path (label 0 ignored), = JS
      const k0 = inputs(4, 2, [15, 9], 4, 'uint8');
      const io0 = layout === 'channelsLast' ? k0.last : k0.first;
      const l0 = focalLoss({ preset: 'smp', layout, ignoreIndex: 0 });
      const b = run(true, l0, io0.gt, io0.pr);
      expect(b.runs).toBe(0);
      expectClose(b, run(false, l0, io0.gt, io0.pr));
      // a label outside [0, C) in the last block: the general path's label error
      const bad = Uint8Array.from(io0.gt.data);
      bad[bad.length - 3] = 4;
      const msgs = [true, false].map((wasm) => {
        setElementwiseWasmEnabled(wasm, 0);
        try {
          focalLoss({ preset: 'smp', layout }).value({ data: bad, shape: io0.gt.shape }, io0.pr);
          return '';
        } catch (e) {
          return (e as Error).message;
        } finally {
          setElementwiseWasmEnabled(true);
        }
      });
      expect(msgs[0]).toMatch(/^focalLoss: gt labels must be integers in \[0, 3\]; got 4 at gt index/);
      expect(msgs[1]).toBe(msgs[0]);
    }
  });
});

describe('the compounds: each term on its fast path, the gradients summed into out', () => {
  it('diceCELoss, diceFocalLoss, generalizedDiceFocalLoss = λ₁·region + λ₂·term, into out and into a new array', () => {
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const k = inputs(11, 2, [17, 9], 4, 'dense');
      const io = layout === 'channelsLast' ? k.last : k.first;
      const base = { preset: 'monai' as const, fromLogits: true, layout };
      // [compound, region term, second term, λ₁, λ₂, elementwise kernel calls (the sigmoid focal: binary module)]
      const cases: [Loss, Loss, Loss, number, number, number][] = [
        [diceCELoss({ ...base, lambdaDice: 0.7, lambdaCE: 1.3 }), diceLoss(base), ceOf(layout), 0.7, 1.3, 1],
        [
          diceFocalLoss({ ...base, focalActivation: 'softmax' }),
          diceLoss(base),
          focalLoss({ preset: 'monai', activation: 'softmax', layout }),
          1,
          1,
          1,
        ],
        [
          generalizedDiceFocalLoss({ ...base, lambdaFocal: 2 }),
          generalizedDiceFocalLoss({ ...base, lambdaFocal: 0 }),
          focalLoss({ preset: 'monai', layout }),
          1,
          2,
          0,
        ],
      ];
      for (const [compound, region, term, l1, l2, runs] of cases) {
        const out = new Float32Array(io.pr.data.length).fill(7);
        const c = run(true, compound, io.gt, io.pr, out);
        const c2 = run(true, compound, io.gt, io.pr, out);
        const fresh = run(true, compound, io.gt, io.pr);
        const r = run(true, region, io.gt, io.pr);
        const t = run(true, term, io.gt, io.pr);
        expect(c.runs).toBe(runs);
        expect(c.value).toBeCloseTo(l1 * r.value + l2 * t.value, 6);
        expect(c2.grad).toEqual(c.grad);
        expect(fresh.grad).toEqual(c.grad);
        for (let i = 0; i < c.grad.length; i++) {
          expect(c.grad[i]).toBeCloseTo(l1 * r.grad[i] + l2 * t.grad[i], 6);
        }
      }
    }
  });

  it('diceCELoss: the CE adds into out on the kernels; a fallback in a later block redoes the call, not adds twice', () => {
    // 9,000 pixels of 4 channels: three blocks of the kernels (4,092 pixels each).
    const k = inputs(21, 1, [100, 90], 4, 'dense');
    const x = Float32Array.from(k.last.pr.data);
    const base = { preset: 'monai' as const, fromLogits: true, layout: 'channelsLast' as const };
    const compound = diceCELoss({ ...base, lambdaCE: 0.5 });
    const check = (xs: Float32Array) => {
      const pr = { data: xs, shape: k.last.pr.shape };
      const c = run(true, compound, k.last.gt, pr, new Float32Array(xs.length).fill(3));
      const r = run(true, diceLoss(base), k.last.gt, pr);
      const t = run(true, ceOf('channelsLast'), k.last.gt, pr);
      expect(c.value).toBeCloseTo(r.value + 0.5 * t.value, 5);
      for (let i = 0; i < xs.length; i++) expect(c.grad[i]).toBeCloseTo(r.grad[i] + 0.5 * t.grad[i], 6);
      return c;
    };
    expect(check(x).runs).toBe(1);
    // Pixel 8,500 (third block): finite logits whose x − max overflows float32; its target is channel 0.
    x.set([3e38, -3e38, 0, 0], 8500 * 4);
    const gt = k.last.gt.data as Float32Array;
    gt.fill(0, 8500 * 4, 8501 * 4);
    gt[8500 * 4] = 1;
    const c = check(x);
    expect(c.runs).toBe(0); // the kernels gave up (flagged block), the JS loop ran
    expect(Number.isFinite(c.value)).toBe(true);
  });
});
