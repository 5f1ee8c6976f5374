/**
 * Panoptic quality on true instance label maps: the label-divisor split, crowd (group) regions of thing classes,
 * hand cases derived on paper, and properties over random instance maps — agreement with a transcription of
 * panopticapi's `pq_compute_single_core`, invariance under relabelling instance ids, and gt/pred symmetry where
 * the definition is symmetric (no void, no crowd).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  panopticCounts,
  splitPanopticLabels,
  type PanopticCounts,
} from '../../src/core/evaluation/panoptic.js';

const nd = (data: number[], shape: number[]) => ({ data, shape });

/**
 * panopticapi `pq_compute_single_core`, transcribed for (class, instance) maps: segments are (class, id) pairs
 * of classes not ignored; gt `voidLabel` is VOID; gt (thing, 0) is the class's crowd segment. Matching over
 * pairs of the same class, crowd excluded, `union = |p| + |g| − |g ∩ p| − |VOID ∩ p|`, IoU > 0.5. FN: unmatched
 * gt segments that are not crowd. FP: unmatched p unless (|VOID ∩ p| + |crowd_c ∩ p|) / |p| > 0.5.
 */
function panopticapi(
  gc: number[],
  gi: number[],
  pc: number[],
  pi: number[],
  voidLabel: number | null,
  things: number[],
): PanopticCounts {
  const gArea = new Map<string, number>();
  const pArea = new Map<string, number>();
  const pair = new Map<string, number>();
  const out: PanopticCounts = {};
  const at = (c: number) => (out[c] ??= { tp: 0, fp: 0, fn: 0, iouSum: 0 });
  for (let i = 0; i < gc.length; i++) {
    const g = gc[i] === voidLabel ? 'VOID' : gc[i] === 0 ? null : `${gc[i]}/${gi[i]}`;
    const p = pc[i] === 0 ? null : `${pc[i]}/${pi[i]}`;
    if (g && g !== 'VOID') gArea.set(g, (gArea.get(g) ?? 0) + 1);
    if (p) pArea.set(p, (pArea.get(p) ?? 0) + 1);
    if (g && p) pair.set(`${g}|${p}`, (pair.get(`${g}|${p}`) ?? 0) + 1);
  }
  const isCrowd = (g: string) => things.includes(+g.split('/')[0]) && g.split('/')[1] === '0';
  const gMatched = new Set<string>();
  const pMatched = new Set<string>();
  for (const [key, inter] of pair) {
    const [g, p] = key.split('|');
    if (g === 'VOID' || isCrowd(g) || g.split('/')[0] !== p.split('/')[0]) continue;
    const union = pArea.get(p)! + gArea.get(g)! - inter - (pair.get(`VOID|${p}`) ?? 0);
    const iou = inter / union;
    if (iou > 0.5) {
      gMatched.add(g);
      pMatched.add(p);
      at(+g.split('/')[0]).tp++;
      at(+g.split('/')[0]).iouSum += iou;
    }
  }
  for (const g of gArea.keys()) if (!gMatched.has(g) && !isCrowd(g)) at(+g.split('/')[0]).fn++;
  for (const [p, area] of pArea) {
    if (pMatched.has(p)) continue;
    const c = p.split('/')[0];
    let inter = pair.get(`VOID|${p}`) ?? 0;
    if (things.includes(+c)) inter += pair.get(`${c}/0|${p}`) ?? 0;
    if (inter / area > 0.5) continue;
    at(+c).fp++;
  }
  return out;
}

/** Counts compared with the IoU sums to 1e-12 (they are summed in another order). */
function expectCounts(got: PanopticCounts, want: PanopticCounts): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const c of Object.keys(want).map(Number)) {
    expect({ ...got[c], iouSum: 0 }).toEqual({ ...want[c], iouSum: 0 });
    expect(got[c].iouSum).toBeCloseTo(want[c].iouSum, 12);
  }
}

describe('splitPanopticLabels', () => {
  it('splits class · divisor + instance, and a value below the divisor is a class without instance', () => {
    const s = splitPanopticLabels([0, 7, 26001, 26002, 24000, 999, 33001], 1000);
    expect([...s.classes]).toEqual([0, 7, 26, 26, 24, 999, 33]);
    expect([...s.instances]).toEqual([0, 0, 1, 2, 0, 0, 1]);
    // The largest 32-bit value with divisor 256: class 0xffffff, instance 255.
    const big = splitPanopticLabels(new Uint32Array([0xffffffff]), 256);
    expect([big.classes[0], big.instances[0]]).toEqual([0xffffff, 255]);
  });

  it('round-trips class · divisor + instance for every instance ≥ 1 (and class ≥ 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 4999 })), {
          minLength: 1,
        }),
        (divisor, pairs) => {
          const ok = pairs.filter(([, k]) => k < divisor);
          const s = splitPanopticLabels(
            ok.map(([c, k]) => c * divisor + k),
            divisor,
          );
          expect([...s.classes]).toEqual(ok.map(([c]) => c));
          expect([...s.instances]).toEqual(ok.map(([, k]) => k));
        },
      ),
      { seed: 1000, numRuns: 100 },
    );
  });

  it('rejects a bad divisor or value, naming it', () => {
    expect(() => splitPanopticLabels([1], 1)).toThrow(
      /splitPanopticLabels: divisor must be an integer ≥ 2; got 1\./,
    );
    expect(() => splitPanopticLabels([1], 2.5)).toThrow(RangeError);
    expect(() => splitPanopticLabels([3, -1], 1000)).toThrow(
      /splitPanopticLabels: values must be integers in \[0, 2³² − 1\]; got -1 at index 1\./,
    );
  });
});

describe('panopticCounts on instance maps with crowd regions', () => {
  // 2-D, 3 × 4, class 1 a thing. gt: instance A = (1, 1) on the left 2×2 block; crowd (1, 0) on columns 2–3 of
  // rows 0–1 (4 pixels). pred: P1 = A exactly; P2 = 2 crowd pixels + 1 background pixel (column 2); P3 = 1 crowd
  // pixel + 1 background pixel (column 3).
  //   gt classes      gt ids         pred classes    pred ids
  //   1 1 1 1         1 1 0 0        1 1 1 1         1 1 2 3
  //   1 1 1 1         1 1 0 0        1 1 1 0         1 1 2 0
  //   0 0 0 0         0 0 0 0        0 0 1 1         0 0 2 3
  const gt = {
    classes: nd([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0], [3, 4]),
    instances: nd([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0], [3, 4]),
  };
  const pred = {
    classes: nd([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1], [3, 4]),
    instances: nd([1, 1, 2, 3, 1, 1, 2, 0, 0, 0, 2, 3], [3, 4]),
  };

  it('a crowd region is no segment, and a prediction more than half on it is no false positive', () => {
    // P1 matches A (IoU 1); P2 is 2/3 crowd > 1/2: not a FP; P3 is 1/2 crowd, not above one half: a FP.
    expect(panopticCounts(gt, pred, { thingClasses: [1] })).toEqual({
      1: { tp: 1, fp: 1, fn: 0, iouSum: 1 },
    });
    // Without thing classes the crowd pixels are the segment (1, 0) of 4 pixels: P2 overlaps it by 2
    // (IoU 2/(4 + 3 − 2) = 2/5), P3 by 1: it is a false negative and P2, P3 are false positives.
    expect(panopticCounts(gt, pred)).toEqual({ 1: { tp: 1, fp: 2, fn: 1, iouSum: 1 } });
  });

  it('the 50 % rule counts void and crowd of the class together, strictly above one half', () => {
    // 1-D, 6 pixels, class 1 a thing, void label 9. Each predicted segment has 3 pixels.
    // gt:   classes 9 1 1 | 0 0 0 ; ids 0 0 0 | 0 0 0   (pixel 0 void, pixels 1–2 crowd of class 1)
    // pred: P1 = pixels 0, 1, 3 (1 void + 1 crowd + 1 background = 2/3 > 1/2: not a FP)
    //       P2 = pixels 2, 4, 5 (1 crowd of 3 = 1/3: a FP)
    const g = { classes: nd([9, 1, 1, 0, 0, 0], [6]), instances: nd([0, 0, 0, 0, 0, 0], [6]) };
    const p = { classes: nd([1, 1, 1, 1, 1, 1], [6]), instances: nd([1, 1, 2, 1, 2, 2], [6]) };
    expect(panopticCounts(g, p, { voidLabel: 9, thingClasses: [1] })).toEqual({
      1: { tp: 0, fp: 1, fn: 0, iouSum: 0 },
    });
    // Void alone (1/3) would not clear P1: without thing classes the crowd is a gt segment (1, 0) of 2 pixels,
    // missed (IoU with P1: 1/(2 + 3 − 1 − 1) = 1/3), and P1, P2 are both FPs.
    expect(panopticCounts(g, p, { voidLabel: 9 })).toEqual({ 1: { tp: 0, fp: 2, fn: 1, iouSum: 0 } });
    // A crowd of another class does not clear a prediction: P1, P2 as class 2 (a thing too).
    const p2 = { classes: nd([2, 2, 2, 2, 2, 2], [6]), instances: p.instances };
    expect(panopticCounts(g, p2, { voidLabel: 9, thingClasses: [1, 2] })).toEqual({
      2: { tp: 0, fp: 2, fn: 0, iouSum: 0 },
    });
  });

  it('a 3-D volume: stuff as one segment, a thing instance at IoU 2/3, a prediction mostly on the crowd', () => {
    // 2 × 2 × 3 (z, y, x), index z·6 + y·3 + x; class 1 stuff (one segment, id 0), class 2 a thing.
    // gt: z = 0 all stuff (6 voxels); z = 1 class 2 with ids 5 5 5 (y = 0: the instance) / 0 0 0 (y = 1: crowd).
    const gc = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];
    const gi = [0, 0, 0, 0, 0, 0, 5, 5, 5, 0, 0, 0];
    // pred: stuff on voxels 0–4 (∩ 5, union 6 + 5 − 5: IoU 5/6, a TP); thing id 3 on voxels 6, 7 (∩ 2 with the
    // instance, union 3 + 2 − 2: IoU 2/3, a TP); thing id 8 on voxels 5, 9, 10, 11 (3 of 4 on the class-2 crowd:
    // 3/4 > 1/2, no FP); voxel 8 background.
    const pc = [1, 1, 1, 1, 1, 2, 2, 2, 0, 2, 2, 2];
    const pi = [0, 0, 0, 0, 0, 8, 3, 3, 0, 8, 8, 8];
    const counts = panopticCounts(
      { classes: nd(gc, [2, 2, 3]), instances: nd(gi, [2, 2, 3]) },
      { classes: nd(pc, [2, 2, 3]), instances: nd(pi, [2, 2, 3]) },
      { thingClasses: [2] },
    );
    expect(counts).toEqual({
      1: { tp: 1, fp: 0, fn: 0, iouSum: 5 / 6 },
      2: { tp: 1, fp: 0, fn: 0, iouSum: 2 / 3 },
    });
  });
});

/** A random panoptic pair: classes 0–3, ids 0–3, optional void 9 in the gt. */
const pairs = fc
  .tuple(fc.constantFrom<number[]>([12], [3, 5], [2, 3, 4]), fc.integer({ min: 1, max: 2 ** 31 - 2 }))
  .map(([shape, seed]) => {
    let s = seed; // in [1, 2³¹ − 2]: the Lehmer generator never reaches 0
    const rand = () => ((s = (s * 48271) % 2147483647) - 1) / 2147483646;
    const n = shape.reduce((a, b) => a * b, 1);
    const cls = () => Array.from({ length: n }, () => Math.floor(rand() * 4));
    const ids = () => Array.from({ length: n }, () => Math.floor(rand() * 4));
    const gc = cls().map((c) => (rand() < 0.1 ? 9 : c));
    return { shape, gc, gi: ids(), pc: cls(), pi: ids() };
  });

describe('panopticCounts: properties over random instance maps', () => {
  it('equals the transcription of panopticapi (void and crowd included)', () => {
    fc.assert(
      fc.property(pairs, fc.subarray([1, 2, 3]), ({ shape, gc, gi, pc, pi }, things) => {
        const got = panopticCounts(
          { classes: nd(gc, shape), instances: nd(gi, shape) },
          { classes: nd(pc, shape), instances: nd(pi, shape) },
          { voidLabel: 9, thingClasses: things },
        );
        expectCounts(got, panopticapi(gc, gi, pc, pi, 9, things));
      }),
      { seed: 2019, numRuns: 300 },
    );
  });

  it('does not change when instance ids are renumbered (per class, 0 kept for the things)', () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: 1, max: 1000 }), ({ shape, gc, gi, pc, pi }, shift) => {
        const opts = { voidLabel: 9, thingClasses: [2] };
        // A bijection of ids per class: class c maps id k ≥ 1 to k · 7 + c + shift; id 0 of a thing stays 0.
        const relabel = (c: number[], i: number[]) =>
          i.map((k, j) => (k === 0 && c[j] === 2 ? 0 : k * 7 + c[j] + shift));
        const before = panopticCounts(
          { classes: nd(gc, shape), instances: nd(gi, shape) },
          { classes: nd(pc, shape), instances: nd(pi, shape) },
          opts,
        );
        const after = panopticCounts(
          { classes: nd(gc, shape), instances: nd(relabel(gc, gi), shape) },
          { classes: nd(pc, shape), instances: nd(relabel(pc, pi), shape) },
          opts,
        );
        expectCounts(after, before);
      }),
      { seed: 77, numRuns: 200 },
    );
  });

  it('is symmetric without void and crowd: swapping gt and pred swaps FP and FN', () => {
    fc.assert(
      fc.property(pairs, ({ shape, gc, gi, pc, pi }) => {
        const g = {
          classes: nd(
            gc.map((c) => (c === 9 ? 0 : c)),
            shape,
          ),
          instances: nd(gi, shape),
        };
        const p = { classes: nd(pc, shape), instances: nd(pi, shape) };
        const ab = panopticCounts(g, p);
        const ba = panopticCounts(p, g);
        const swapped: PanopticCounts = {};
        for (const [c, e] of Object.entries(ba)) swapped[+c] = { ...e, fp: e.fn, fn: e.fp };
        expectCounts(ab, swapped);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('rejects thingClasses that are not integers', () => {
    const m = { instances: nd([1], [1]) };
    expect(() => panopticCounts(m, m, { thingClasses: [1.5] })).toThrow(
      /panopticCounts: thingClasses must be an array of integers; got \[1\.5\]\./,
    );
  });
});
