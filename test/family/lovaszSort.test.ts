/**
 * The Lovász losses on the radix sort (issue 10) against the implementation they replace (the comparator sort
 * over float64 errors, kept as the oracle in lovaszOracle.ts): equal values and gradients within float rounding
 * on drawn inputs, ties included (probabilities and logits on coarse grids, soft targets, ignored pixels, every
 * option); the sort itself against a stable comparator sort; central differences in float64; scratch reuse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescendingSort } from '../../src/core/kernels/radixSort.js';
import { lossFromTerms } from '../../src/core/family/termsLoss.js';
import type { Loss } from '../../src/core/loss.js';
import { lovaszHingeLoss, lovaszLoss, lovaszSoftmaxLoss } from '../../src/core/losses/index.js';
import type { NdArray } from '../../src/core/types.js';
import { fdError, inputs, rng, toLast } from './helpers.js';
import { oldLovaszHingeTerms, oldLovaszSoftmaxTerms } from './lovaszOracle.js';

/**
 * Value and gradient of `a` and `b` agree to float rounding (value 1e-12 relative, gradient 1e-6 of its largest, and
 * 1e-12 absolute: where every entry is rounding noise, e.g. one pixel whose softmax Jacobian cancels, the largest is
 * itself ~1e-17).
 */
function expectSame(a: Loss, b: Loss, gt: NdArray, pr: NdArray, what: string): void {
  const ra = a.valueAndGrad(gt, pr);
  const rb = b.valueAndGrad(gt, pr);
  expect(Math.abs(ra.value - rb.value), `${what} value ${ra.value} vs ${rb.value}`).toBeLessThanOrEqual(
    1e-12 * Math.max(1, Math.abs(rb.value)),
  );
  let top = 0;
  for (const v of rb.grad) top = Math.max(top, Math.abs(v));
  for (let i = 0; i < rb.grad.length; i++) {
    if (!(Math.abs(ra.grad[i] - rb.grad[i]) <= 1e-6 * top + 1e-12))
      throw new Error(`${what}: grad[${i}] ${ra.grad[i]} ≠ ${rb.grad[i]}`);
  }
}

describe('DescendingSort', () => {
  /** The order of a stable comparator sort of `exact` (decreasing), as the old implementation sorted. */
  const oracle = (exact: Float64Array) => Array.from(exact.keys()).sort((a, b) => exact[b] - exact[a]);
  const sortOf = (s: DescendingSort, exact: Float64Array) => {
    const { keys, values } = s.reserve(exact.length);
    for (let k = 0; k < exact.length; k++) {
      keys[k] = exact[k];
      values[k] = k;
    }
    return Array.from(s.sort(exact.length, exact));
  };

  it('is a stable sort by decreasing float64 value (ties, values equal in float32 only, long runs)', () => {
    const s = new DescendingSort(); // one instance: scratch reused across sizes
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 8 }).map((k) => k / 8), // exact ties
            fc.integer({ min: 0, max: 40 }).map((k) => 0.3 + k * 1e-12), // one float32 key, distinct float64
            fc.double({ min: 0, max: 1e6, noNaN: true }),
            fc.double({ min: 0, max: 1e-40, noNaN: true }), // subnormal float32 keys
          ),
          { maxLength: 300 },
        ),
        (xs) => {
          const exact = Float64Array.from(xs);
          expect(sortOf(s, exact)).toEqual(oracle(exact));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sorts a long list (16-bit digits) with ties the same way', () => {
    const r = rng(5);
    const n = (1 << 17) + 3;
    const exact = new Float64Array(n);
    for (let k = 0; k < n; k++) exact[k] = k % 3 === 0 ? Math.floor(r() * 64) / 64 : 0.5 + r() * 1e-9;
    const got = sortOf(new DescendingSort(), exact);
    const want = oracle(exact);
    const first = want.findIndex((v, k) => got[k] !== v); // (a short message rather than a diff of 131075 entries)
    expect(first).toBe(-1);
  });

  it('leaves the order of equal keys without exact values (stable)', () => {
    const s = new DescendingSort();
    const { keys, values } = s.reserve(4);
    keys.set([1, 2, 1, 2]);
    values.set([0, 1, 2, 3]);
    expect(Array.from(s.sort(4))).toEqual([1, 3, 0, 2]);
  });
});

/** A value drawn on a grid of `steps` (ties) or continuous. */
const gridOr = (r: () => number, steps: number) => (steps > 0 ? Math.floor(r() * steps) / steps : r());

describe('Lovász-Softmax: new = old (comparator sort) within float rounding', () => {
  const arb = fc.record({
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    N: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 4 }),
    P: fc.integer({ min: 1, max: 30 }),
    layout: fc.constantFrom('channelsFirst' as const, 'channelsLast' as const),
    perImage: fc.boolean(),
    fromLogits: fc.boolean(),
    classes: fc.constantFrom('present', 'all', 'list'),
    targets: fc.constantFrom('labels', 'dense', 'soft'),
    ignore: fc.boolean(),
    steps: fc.constantFrom(0, 2, 4, 8),
  });
  it('on drawn inputs with ties, every option', () => {
    fc.assert(
      fc.property(arb, (o) => {
        const r = rng(o.seed);
        const { N, C, P } = o;
        const last = o.layout === 'channelsLast';
        const at = (b: number, s: number, c: number) => (last ? (b * P + s) * C + c : (b * C + c) * P + s);
        const hi = C === 1 ? 2 : C;
        const labels = Array.from({ length: N * P }, () => Math.floor(r() * hi));
        const ignoreIndex = o.ignore ? 255 : undefined;
        if (o.ignore) for (let q = 0; q < labels.length; q++) if (r() < 0.2) labels[q] = 255;
        const x = new Float32Array(N * C * P);
        for (let i = 0; i < x.length; i++)
          x[i] = o.fromLogits ? 4 * gridOr(r, o.steps) - 2 : gridOr(r, o.steps);
        const pr: NdArray = { data: x, shape: last ? [N, P, C] : [N, C, P] };
        let gt: NdArray;
        if (o.targets === 'labels') gt = { data: Int32Array.from(labels), shape: [N, P] };
        else {
          const g = new Float64Array(x.length);
          for (let b = 0; b < N; b++)
            for (let s = 0; s < P; s++)
              for (let c = 0; c < C; c++) {
                const l = labels[b * P + s];
                const hot = C === 1 ? l === 1 : l === c;
                g[at(b, s, c)] =
                  l === 255 ? 255 : o.targets === 'soft' ? (hot ? 0.7 : 0.1) * gridOr(r, 4) : hot ? 1 : 0;
              }
          gt = { data: g, shape: pr.shape };
        }
        const classes =
          o.classes === 'list'
            ? [Math.floor(r() * C), Math.floor(r() * C)]
            : (o.classes as 'present' | 'all');
        const opts = {
          layout: o.layout,
          perImage: o.perImage,
          fromLogits: o.fromLogits,
          classes,
          ignoreIndex,
        };
        const old = lossFromTerms('old', oldLovaszSoftmaxTerms('old', opts));
        expectSame(lovaszSoftmaxLoss(opts), old, gt, pr, JSON.stringify(o));
      }),
      { numRuns: 400 },
    );
  });

  it('on a list long enough for 16-bit digits, probabilities on a grid (many ties), both layouts', () => {
    const r = rng(11);
    const shape = [2, 256, 256, 2];
    const x = new Float32Array(2 * 256 * 256 * 2);
    for (let i = 0; i < x.length; i++) x[i] = i % 2 ? gridOr(r, 1024) : r();
    const labels = Int32Array.from({ length: x.length / 2 }, () => (r() < 0.3 ? 1 : 0));
    const gt: NdArray = { data: labels, shape: [2, 256, 256] };
    for (const fromLogits of [false, true]) {
      const opts = { layout: 'channelsLast' as const, fromLogits };
      const old = lossFromTerms('old', oldLovaszSoftmaxTerms('old', opts));
      expectSame(lovaszSoftmaxLoss(opts), old, gt, { data: x, shape }, `fromLogits ${fromLogits}`);
    }
  });
});

describe('Lovász hinge: new = old (comparator sort) within float rounding', () => {
  it('on drawn inputs with ties (binary and multilabel, ignoreIndex)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          N: fc.integer({ min: 1, max: 3 }),
          C: fc.integer({ min: 1, max: 3 }),
          P: fc.integer({ min: 1, max: 40 }),
          perImage: fc.boolean(),
          ignore: fc.boolean(),
          steps: fc.constantFrom(0, 2, 4, 16),
        }),
        (o) => {
          const r = rng(o.seed);
          const n = o.N * o.C * o.P;
          const x = Float32Array.from({ length: n }, () => 4 * gridOr(r, o.steps) - 2);
          const g = Float64Array.from({ length: n }, () => (o.ignore && r() < 0.2 ? 255 : r() < 0.4 ? 1 : 0));
          const ignoreIndex = o.ignore ? 255 : undefined;
          const what = JSON.stringify(o);
          if (o.C === 1) {
            const shape = [o.N, 1, o.P];
            const opts = { layout: 'channelsFirst' as const, perImage: o.perImage, ignoreIndex };
            const old = lossFromTerms('old', oldLovaszHingeTerms('old', opts));
            expectSame(lovaszHingeLoss(opts), old, { data: g, shape }, { data: x, shape }, what);
          } else {
            // smp's multilabel: every channel of the image (or batch) in one list, the oracle on the folded array.
            const shape = [o.N, o.C, o.P];
            const folded = [o.N, 1, o.C * o.P];
            const old = lossFromTerms(
              'old',
              oldLovaszHingeTerms('old', { perImage: o.perImage, ignoreIndex, layout: 'channelsFirst' }),
            );
            const a = lovaszLoss({ mode: 'multilabel', perImage: o.perImage, ignoreIndex }).valueAndGrad(
              { data: g, shape },
              { data: x, shape },
            );
            const b = old.valueAndGrad({ data: g, shape: folded }, { data: x, shape: folded });
            expect(Math.abs(a.value - b.value), what).toBeLessThanOrEqual(
              1e-12 * Math.max(1, Math.abs(b.value)),
            );
            expect(Array.from(a.grad), what).toEqual(Array.from(b.grad));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('on a list long enough for 16-bit digits, logits on a grid', () => {
    const r = rng(12);
    const shape = [2, 256, 256, 1];
    const x = Float32Array.from({ length: 2 * 256 * 256 }, () => Math.round(r() * 512 - 256) / 64);
    const g = Float32Array.from({ length: x.length }, () => (r() < 0.5 ? 1 : 0));
    for (const perImage of [false, true]) {
      const opts = { perImage };
      const old = lossFromTerms('old', oldLovaszHingeTerms('old', opts));
      expectSame(lovaszHingeLoss(opts), old, { data: g, shape }, { data: x, shape }, `perImage ${perImage}`);
    }
  });
});

describe('Lovász losses: gradients against central differences (float64)', () => {
  const X = inputs(21, [2, 3, 4, 5]);
  const ignored: NdArray = {
    data: X.labels.data.map((v, i) => (i % 4 === 1 ? 255 : v)),
    shape: X.labels.shape,
  };
  const bin = inputs(22, [2, 1, 5, 5]);
  const binGt: NdArray = {
    data: bin.logits.data.map((_, i) => (i % 3 === 0 ? 1 : 0)),
    shape: bin.logits.shape,
  };
  const cases: [string, Loss, NdArray, NdArray][] = [
    [
      'lovaszSoftmaxLoss channels-last, logits, ignoreIndex',
      lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255 }),
      ignored,
      toLast(X.logits),
    ],
    [
      'lovaszSoftmaxLoss channels-first, probabilities, per image, all classes',
      lovaszSoftmaxLoss({ layout: 'channelsFirst', perImage: true, classes: 'all' }),
      X.labels,
      X.probs,
    ],
    [
      'lovaszLoss multiclass per image',
      lovaszLoss({ mode: 'multiclass', perImage: true }),
      X.labels,
      X.logits,
    ],
    ['lovaszLoss multilabel', lovaszLoss({ mode: 'multilabel' }), X.onehot, X.logits],
    [
      'lovaszHingeLoss over the batch',
      lovaszHingeLoss({ layout: 'channelsFirst', perImage: false }),
      binGt,
      bin.logits,
    ],
  ];
  it.each(cases)('%s', (_name, loss, gt, pr) => {
    expect(fdError(loss, gt, pr)).toBeLessThan(2e-5);
  });
});

describe('Lovász losses reuse their scratch', () => {
  it('give the same numbers after a larger and a smaller input, in `out` when given', () => {
    const big = inputs(31, [3, 4, 8, 8]);
    const small = inputs(32, [1, 2, 3, 3]);
    const make = () => lovaszSoftmaxLoss({ layout: 'channelsFirst', fromLogits: true, ignoreIndex: 255 });
    const used = make();
    const ignored: NdArray = {
      data: small.labels.data.map((v, i) => (i === 4 ? 255 : v)),
      shape: small.labels.shape,
    };
    used.valueAndGrad(big.labels, big.logits);
    const out = new Float32Array(small.logits.data.length).fill(7);
    const r = used.valueAndGrad(ignored, small.logits, { out });
    expect(r.grad).toBe(out);
    const fresh = make().valueAndGrad(ignored, small.logits);
    expect(r.value).toBe(fresh.value);
    expect(Array.from(r.grad)).toEqual(Array.from(fresh.grad));
    // And the larger input again, after the smaller one.
    expect(used.valueAndGrad(big.labels, big.logits).value).toBe(make().value(big.labels, big.logits));
    const hinge = lovaszHingeLoss({ layout: 'channelsFirst' });
    const bg = { data: big.onehot.data.slice(0, 3 * 64), shape: [3, 1, 8, 8] };
    const bx = { data: big.logits.data.slice(0, 3 * 64), shape: [3, 1, 8, 8] };
    const first = hinge.valueAndGrad(bg, bx);
    hinge.valueAndGrad({ data: [1, 0], shape: [1, 1, 2] }, { data: [0.5, -3], shape: [1, 1, 2] });
    const again = hinge.valueAndGrad(bg, bx, { out: new Float32Array(3 * 64).fill(9) });
    expect(again.value).toBe(first.value);
    expect(Array.from(again.grad)).toEqual(Array.from(first.grad));
  });
});
