/**
 * The BraTS 2023 options of the lesion-wise counts: ground-truth dilation and the lesion size threshold. Hand
 * cases derived on paper in 2-D and 3-D, and a property against an oracle that follows the published BraTS code
 * step by step (per-lesion dilation, not the zones the core uses), over random masks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lesionCounts, lesionMetrics, type LesionCounts } from '../../src/core/evaluation/components.js';
import { dilateBraTS } from '../../src/core/kernels/dilate.js';
import { floodFill, naiveDilation } from '../helpers/floodFill.js';

/** Lesion counts in the order gtLesions, predLesions, tp, fn, fp, tpPred, lesionDiceSum. */
const counts = (...v: number[]): LesionCounts => ({
  gtLesions: v[0],
  predLesions: v[1],
  tp: v[2],
  fn: v[3],
  fp: v[4],
  tpPred: v[5],
  lesionDiceSum: v[6],
});

const grid = (rows: string[]): { data: number[]; shape: number[] } => ({
  data: rows.flatMap((r) => [...r].map((c) => (c === '#' ? 1 : 0))),
  shape: [rows.length, rows[0].length],
});

/**
 * BraTS 2023 `get_lesion_wise_score` + the threshold of `get_lesion_wise_results`, transcribed: components (26 / 8)
 * of gt and pred, gt dilated and its components used to group gt lesions, then per lesion its own dilation, the
 * predicted components inside it, the Dice of their union against the lesion; lesions of volume ≤ threshold
 * dropped from TP/FN/Dice; FP = components in no lesion's list.
 */
function bratsOracle(gt: number[], pred: number[], shape: number[], dil: number, thr: number): LesionCounts {
  const full = shape.length === 2 ? 8 : 26;
  const predCc = floodFill(pred, shape, full);
  const gtDilCc = floodFill(naiveDilation(gt, shape, dil), shape, full);
  const lesions = new Map<number, number[]>();
  gt.forEach((v, i) => {
    if (v) lesions.set(gtDilCc[i], [...(lesions.get(gtDilCc[i]) ?? []), i]);
  });
  const tpList = new Set<number>();
  let gtLesions = 0;
  let tp = 0;
  let lesionDiceSum = 0;
  for (const voxels of lesions.values()) {
    const one = gt.map(() => 0);
    for (const i of voxels) one[i] = 1;
    const zone = naiveDilation(one, shape, dil);
    const hit = new Set<number>();
    zone.forEach((z, i) => z && predCc[i] && hit.add(predCc[i]));
    hit.forEach((c) => tpList.add(c));
    let predSize = 0;
    let inter = 0;
    predCc.forEach((c, i) => {
      if (hit.has(c)) {
        predSize++;
        inter += one[i];
      }
    });
    if (voxels.length <= thr) continue;
    gtLesions++;
    if (hit.size) tp++;
    lesionDiceSum += (2 * inter) / (predSize + voxels.length);
  }
  const predLesions = Math.max(0, ...predCc);
  return {
    gtLesions,
    predLesions,
    tp,
    fn: gtLesions - tp,
    fp: predLesions - tpList.size,
    tpPred: tpList.size,
    lesionDiceSum,
  };
}

describe('dilateBraTS', () => {
  it('dilates by the 3×3 square in 2-D and by the 18-neighbourhood (no corners) in 3-D', () => {
    const d2 = dilateBraTS([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3], 1);
    expect([...d2]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const one = new Array(27).fill(0);
    one[13] = 1; // the centre of 3×3×3
    const d3 = dilateBraTS(one, [3, 3, 3], 1);
    // 1 centre + 6 faces + 12 edges; the 8 corners stay background.
    expect(d3.reduce((s, v) => s + v, 0)).toBe(1 + 6 + 12);
    for (const corner of [0, 2, 6, 8, 18, 20, 24, 26]) expect(d3[corner]).toBe(0);
    // A second step reaches the corners (a corner is two edge steps away).
    expect(dilateBraTS(one, [3, 3, 3], 2).reduce((s, v) => s + v, 0)).toBe(27);
  });

  it('equals the iterated scipy-style dilation on random masks (2-D and 3-D, 0–3 iterations)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([5, 7], [4, 5, 6], [1, 6, 3]),
        fc.integer({ min: 0, max: 3 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (shape, it, rand) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const mask = Array.from({ length: n }, () => (rand.next().value < 0.1 ? 1 : 0));
          expect([...dilateBraTS(mask, shape, it)]).toEqual(naiveDilation(mask, shape, it));
        },
      ),
      { seed: 1404, numRuns: 120 },
    );
  });
});

describe('lesionCounts with the BraTS 2023 options', () => {
  it('merges ground-truth lesions whose dilations touch (2-D, hand case)', () => {
    // gt: two lesions two columns apart; pred: one component on the left lesion only.
    const gt = grid(['#..#', '#..#']);
    const pred = grid(['#...', '....']);
    // Without dilation: 2 lesions, the left one found with Dice 2·1/(2+1), the right one missed.
    expect(lesionCounts(gt, pred)).toEqual(counts(2, 1, 1, 1, 0, 1, (2 * 1) / (2 + 1)));
    // Dilation 1: the dilations (columns 0–1 and 2–3) touch, so one lesion of 4 pixels, Dice 2·1/(4+1).
    expect(lesionCounts(gt, pred, { dilation: 1 })).toEqual(counts(1, 1, 1, 0, 0, 1, (2 * 1) / (4 + 1)));
    expect(lesionMetrics(lesionCounts(gt, pred, { dilation: 1 })).lesionDice).toBeCloseTo(2 / 5, 15);
  });

  it('groups dilated lesions that touch only corner to corner (full connectivity, as cc3d in BraTS)', () => {
    // gt pixels (1,1) and (4,4): their dilations [0,2]² and [3,5]² meet only at the corners (2,2)–(3,3).
    const gt = grid(['......', '.#....', '......', '......', '....#.', '......']);
    const pred = grid(['......', '......', '......', '......', '....#.', '......']);
    // One lesion of 2 pixels, matched, Dice 2·1/(2+1); with 4-connected zones there would be two lesions.
    expect(lesionCounts(gt, pred, { dilation: 1, connectivity: 4 })).toEqual(
      counts(1, 1, 1, 0, 0, 1, (2 * 1) / (2 + 1)),
    );
  });

  it('matches a nearby prediction through the dilated lesion, with Dice against the undilated lesion', () => {
    // gt lesion at column 0, pred component at column 2 (no overlap): missed and a false positive without
    // dilation; with dilation 2 the lesion's zone reaches column 2: a match with Dice 0 (no shared pixel).
    const gt = grid(['#....']);
    const pred = grid(['..#..']);
    expect(lesionCounts(gt, pred)).toMatchObject({ tp: 0, fn: 1, fp: 1, lesionDiceSum: 0 });
    expect(lesionCounts(gt, pred, { dilation: 1 })).toMatchObject({ tp: 0, fn: 1, fp: 1 });
    expect(lesionCounts(gt, pred, { dilation: 2 })).toEqual(counts(1, 1, 1, 0, 0, 1, 0));
    // BraTS lesion Dice: 0 / (1 lesion + 0 FP) = 0, against 0 / (1 + 1) without dilation.
    expect(lesionMetrics(lesionCounts(gt, pred, { dilation: 2 })).lesionDice).toBe(0);
  });

  it('does not reach a 3-D corner neighbour in one step (18-neighbourhood), but in two', () => {
    // 2×2×2 volume: gt at (0,0,0), pred at (1,1,1) — a corner (26-) neighbour.
    const gt = { data: [1, 0, 0, 0, 0, 0, 0, 0], shape: [2, 2, 2] };
    const pred = { data: [0, 0, 0, 0, 0, 0, 0, 1], shape: [2, 2, 2] };
    expect(lesionCounts(gt, pred, { dilation: 1 })).toMatchObject({ tp: 0, fn: 1, fp: 1 });
    expect(lesionCounts(gt, pred, { dilation: 2 })).toMatchObject({ tp: 1, fn: 0, fp: 0, tpPred: 1 });
  });

  it('leaves small ground-truth lesions unscored, and their predictions are no false positives', () => {
    // gt: a 1-pixel lesion (left) and a 3-pixel lesion (right); pred: a component on each, plus a stray one.
    const gt = grid(['#...###', '.......', '.......']);
    const pred = grid(['#....##', '.......', '..#....']);
    // Threshold 1 (BraTS: volume ≤ 1 dropped): one scored lesion, Dice 2·2/(3+2); the left component matched
    // a dropped lesion, so only the stray component is a false positive.
    expect(lesionCounts(gt, pred, { sizeThreshold: 1 })).toEqual(counts(1, 3, 1, 0, 1, 2, (2 * 2) / (3 + 2)));
    // Threshold 3 drops both lesions: nothing scored; lesion Dice = 0 / (0 + 1 FP) = 0.
    const none = lesionCounts(gt, pred, { sizeThreshold: 3 });
    expect(none).toMatchObject({ gtLesions: 0, tp: 0, fn: 0, fp: 1, tpPred: 2 });
    expect(lesionMetrics(none).lesionDice).toBe(0);
    expect(lesionMetrics(none).sensitivity).toBeNaN();
    // Threshold 0 is the default: both lesions scored.
    expect(lesionCounts(gt, pred, { sizeThreshold: 0 })).toEqual(lesionCounts(gt, pred));
  });

  it('equals the transcribed BraTS 2023 procedure on random 2-D and 3-D masks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([6, 7], [9, 5], [4, 5, 5], [3, 6, 4]),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (shape, dilation, thr, rand) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const gt = Array.from({ length: n }, () => (rand.next().value < 0.15 ? 1 : 0));
          const pred = Array.from({ length: n }, () => (rand.next().value < 0.15 ? 1 : 0));
          const got = lesionCounts(
            { data: gt, shape },
            { data: pred, shape },
            { dilation, sizeThreshold: thr },
          );
          const want = bratsOracle(gt, pred, shape, dilation, thr);
          expect({ ...got, lesionDiceSum: 0 }).toEqual({ ...want, lesionDiceSum: 0 });
          expect(got.lesionDiceSum).toBeCloseTo(want.lesionDiceSum, 12);
        },
      ),
      { seed: 2023, numRuns: 150 },
    );
  });

  it('rejects bad options with a message naming them', () => {
    const m = { data: [1, 0], shape: [1, 2] };
    expect(() => lesionCounts(m, m, { dilation: -1 })).toThrow(
      /lesionCounts: dilation must be an integer ≥ 0; got -1\./,
    );
    expect(() => lesionCounts(m, m, { dilation: 1.5 })).toThrow(/dilation must be an integer ≥ 0; got 1\.5/);
    expect(() => lesionCounts(m, m, { dilation: 1, iouThreshold: 0.5 })).toThrow(
      /lesionCounts: iouThreshold must be 0 with dilation .*; got 0\.5\./,
    );
    expect(() => lesionCounts(m, m, { sizeThreshold: -2 })).toThrow(
      /lesionCounts: sizeThreshold must be a finite number ≥ 0; got -2\./,
    );
    expect(() => lesionCounts(m, m, { sizeThreshold: NaN })).toThrow(RangeError);
  });
});
