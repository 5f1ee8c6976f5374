/**
 * `segkit eval --lesions --lesion-dilation N --lesion-thresh N` (BraTS 2023) end to end on a 3-D NIfTI
 * volume whose answers are derived here, and the options' usage errors, state and merge.
 *
 * Volume [D, H, W] = [3, 3, 14], one foreground class (label 1). Ground truth:
 * - A: the slab x ∈ {0, 1, 2} (all of z, y): 27 voxels;
 * - B: the voxel (1, 1, 6); C: the voxel (1, 1, 13).
 * Prediction: P1 = the slab x ∈ {0, 1} (18 voxels), P2 = the voxel (1, 1, 7) (next to B, not on it).
 * - No options: lesions A, B, C; A matched by P1 with Dice 2·18/(27+18) = 0.8; B, C missed; P2 a false
 *   positive. gt 3, tp 1, fn 2, fp 1, lesion Dice 0.8 / (3 + 1) = 0.2.
 * - Dilation 1: A reaches x = 3, B's zone x ∈ [5, 7], C's x ∈ [12, 13]: three zones; P2 lies in B's zone, so B
 *   is detected with Dice 0 and P2 is no false positive. gt 3, tp 2, fn 1, fp 0, lesion Dice 0.8 / 3.
 * - Dilation 2: A reaches x = 4 and B's zone x ∈ [4, 8]: A and B are one lesion of 28 voxels, matched by P1 and
 *   P2: Dice 2·18/(28+19) = 36/47; C (zone x ∈ [11, 13]) stays apart and missed. gt 2, tp 1, fn 1, fp 0.
 * - Size threshold 1 (BraTS: volume ≤ 1 dropped), no dilation: only A is scored; P2 touches no lesion: fp 1;
 *   lesion Dice 0.8 / (1 + 1) = 0.4. With dilation 1 as well: P2 matched the dropped B, so fp 0: 0.8 / 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niftiFile, put, tempDir } from '../io/fixtures.js';
import { ensureBuilt, segkit } from './helpers.js';

const tmp = tempDir('segkit-lesion-options-');
afterAll(tmp.cleanup);
const d = tmp.dir;
const [D, H, W] = [3, 3, 14];
const at = (z: number, y: number, x: number) => (z * H + y) * W + x;
const base = ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '2', '--workers', '0', '--lesions'];

/** The lesion row of class 1 from `--json -`. */
function lesionRow(args: string[]): Record<string, unknown> {
  const r = segkit([...base, ...args, '--json', '-'], d);
  expect(r.stderr).toMatch(/^segkit eval: 1 pair\(s\) in /);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout).lesions.results[0];
}

beforeAll(() => {
  ensureBuilt();
  const gt = new Uint8Array(D * H * W);
  const pred = new Uint8Array(D * H * W);
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < 3; x++) gt[at(z, y, x)] = 1;
      for (let x = 0; x < 2; x++) pred[at(z, y, x)] = 1;
    }
  gt[at(1, 1, 6)] = 1;
  gt[at(1, 1, 13)] = 1;
  pred[at(1, 1, 7)] = 1;
  put(join(d, 'gt/case1.nii.gz'), niftiFile(gt, [D, H, W], [1, 1, 1]));
  put(join(d, 'pred/case1.nii.gz'), niftiFile(pred, [D, H, W], [1, 1, 1]));
});

describe('segkit eval --lesions with the BraTS 2023 options', () => {
  it('without options: three lesions, one found', () => {
    expect(lesionRow([])).toMatchObject({ gtLesions: 3, predLesions: 2, tp: 1, fn: 2, fp: 1, tpPred: 1 });
    expect(lesionRow([]).lesionDice).toBeCloseTo(0.8 / 4, 14);
  });

  it('--lesion-dilation 1 detects B through its zone; 2 merges A and B', () => {
    const one = lesionRow(['--lesion-dilation', '1']);
    expect(one).toMatchObject({ gtLesions: 3, predLesions: 2, tp: 2, fn: 1, fp: 0, tpPred: 2 });
    expect(one.lesionDice).toBeCloseTo(0.8 / 3, 14);
    const two = lesionRow(['--lesion-dilation', '2']);
    expect(two).toMatchObject({ gtLesions: 2, predLesions: 2, tp: 1, fn: 1, fp: 0, tpPred: 2 });
    expect(two.lesionDice).toBeCloseTo(36 / 47 / 2, 14);
  });

  it('--lesion-thresh 1 leaves the one-voxel lesions unscored', () => {
    const thr = lesionRow(['--lesion-thresh', '1']);
    expect(thr).toMatchObject({
      gtLesions: 1,
      tp: 1,
      fn: 0,
      fp: 1,
      tpPred: 1,
      sensitivity: 1,
      precision: 0.5,
    });
    expect(thr.lesionDice).toBeCloseTo(0.4, 14);
    const both = lesionRow(['--lesion-thresh', '1', '--lesion-dilation', '1']);
    expect(both).toMatchObject({ gtLesions: 1, tp: 1, fn: 0, fp: 0, tpPred: 2 });
    expect(both.lesionDice).toBeCloseTo(0.8, 14);
  });

  it('records the options in the settings, the table and the report; states with other options do not merge', () => {
    const r = segkit(
      [...base, '--lesion-dilation', '3', '--lesion-thresh', '50', '--json', 'r.json', '--report', 'r.html'],
      d,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'lesions matched through the ground truth dilated 3 times (BraTS 2023), ground-truth lesions of ≤ 50 voxels not scored',
    );
    const res = JSON.parse(readFileSync(join(d, 'r.json'), 'utf8'));
    expect(res.settings.lesions).toEqual({
      connectivity: null,
      iouThreshold: 0,
      dilation: 3,
      sizeThreshold: 50,
    });
    expect(readFileSync(join(d, 'r.html'), 'utf8')).toContain('dilated 3 times (BraTS 2023)');
    expect(segkit([...base, '--state', 's1.json'], d).status).toBe(0);
    expect(segkit([...base, '--lesion-dilation', '1', '--state', 's2.json'], d).status).toBe(0);
    const m = segkit(['merge', 's1.json', 's2.json', '--json', '-'], d);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/settings/);
  });

  it('refuses bad values and the options without --lesions (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['--lesion-dilation', '-1'], /--lesion-dilation must be an integer in \[0, 100\]; got "-1"\./],
      [['--lesion-dilation', '1.5'], /--lesion-dilation must be an integer in \[0, 100\]; got "1\.5"\./],
      [['--lesion-thresh', 'x'], /--lesion-thresh must be an integer ≥ 0; got "x"\./],
      [
        ['--lesion-dilation', '1', '--lesion-iou', '0.5'],
        /--lesion-iou and --lesion-dilation exclude each other/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = segkit([...base, ...args], d);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const without = segkit(
      ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '2', '--lesion-dilation', '3'],
      d,
    );
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/--lesion-dilation is only used with --lesions\./);
  });
});
