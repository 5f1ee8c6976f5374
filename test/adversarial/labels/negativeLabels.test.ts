/**
 * Negative and other out-of-range labels: every one gets the message that names the file, the pixel and the
 * allowed range (exit 1), whatever the ignore index; an explicit negative `--ignore-index` still works.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLabels, firstInvalidLabel } from '../../../src/io/index.js';
import { ensureBuilt, segkit } from '../../cli/helpers.js';
import { niftiFile, put, tempDir } from '../../io/fixtures.js';

const tmp = tempDir('segkit-adv-labels-');
afterAll(tmp.cleanup);
beforeAll(ensureBuilt);

// a 2×3×4 volume (z, y, x) with classes 0..2
const SHAPE = [2, 3, 4];
const base = () => Int16Array.from({ length: 24 }, (_, i) => i % 3);
/** Flat index of (x, y, z). */
const at = (x: number, y: number, z: number) => (z * 3 + y) * 4 + x;

function folder(name: string, gt: Int16Array, pred: Int16Array): string {
  const d = join(tmp.dir, name);
  put(join(d, 'gt/v.nii.gz'), niftiFile(gt, SHAPE, [1, 1, 1]));
  put(join(d, 'pred/v.nii.gz'), niftiFile(pred, SHAPE, [1, 1, 1]));
  return d;
}
const evalIn = (d: string, ...extra: string[]) =>
  segkit(['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--workers', '0', ...extra], d);

describe('segkit eval names the file of a negative label', () => {
  it('gt −1 without --ignore-index: exit 1 naming the gt file and the voxel', () => {
    const gt = base();
    gt[at(2, 1, 1)] = -1;
    const r = evalIn(folder('gt-neg', gt, base()));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      "segkit eval: 'gt/v.nii.gz' has label -1 at (x=2, y=1, z=1); labels must be in [0, 2] (--num-classes 3).\n",
    );
  });

  it('gt −1 with --ignore-index 255: exit 1 naming the file and the ignore index', () => {
    const gt = base();
    gt[at(0, 2, 0)] = -1;
    const r = evalIn(folder('gt-neg-ig', gt, base()), '--ignore-index', '255');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "segkit eval: 'gt/v.nii.gz' has label -1 at (x=0, y=2, z=0); labels must be in [0, 2] or the ignore index 255 (--num-classes 3).\n",
    );
  });

  it('pred −1 (with or without an ignore index): exit 1 naming the pred file', () => {
    const pred = base();
    pred[at(3, 0, 1)] = -1;
    const d = folder('pred-neg', base(), pred);
    for (const extra of [[], ['--ignore-index', '255']]) {
      const r = evalIn(d, ...extra);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        "segkit eval: 'pred/v.nii.gz' has label -1 at (x=3, y=0, z=1); labels must be in [0, 2] (--num-classes 3).\n",
      );
    }
  });

  it('pred −7 or 9 under an ignored gt voxel is still named, with and without distance metrics', () => {
    for (const bad of [-7, 9]) {
      const gt = base();
      const pred = base();
      gt[at(1, 1, 0)] = 255;
      pred[at(1, 1, 0)] = bad;
      const d = folder(`pred-under-ignored${bad}`, gt, pred);
      for (const metrics of ['dice', 'dice,hd95']) {
        const r = evalIn(d, '--ignore-index', '255', '--metrics', metrics);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(
          `segkit eval: 'pred/v.nii.gz' has label ${bad} at (x=1, y=1, z=0); labels must be in [0, 2] (--num-classes 3).\n`,
        );
      }
    }
  });

  it('an explicit --ignore-index -1 skips the −1 voxels (exit 0) and counts the others', () => {
    const gt = base();
    gt[at(0, 0, 0)] = -1;
    gt[at(1, 0, 0)] = -1;
    const r = evalIn(folder('ig-neg', gt, base()), '--ignore-index', '-1', '--json', '-');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.images[0].metrics.dice).toEqual([1, 1]); // classes 1, 2 (background excluded by default)
  });

  it('segkit weights names the file of a −1', () => {
    const gt = base();
    gt[at(3, 2, 1)] = -1;
    const d = folder('w-neg', gt, base());
    const r = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--workers', '0'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "segkit weights: 'gt/v.nii.gz' has label -1 at (x=3, y=2, z=1); labels must be in [0, 2] (--num-classes 3).\n",
    );
  });
});

describe('firstInvalidLabel / checkLabels', () => {
  it('−1 is invalid without an ignore index, and only the ignore index is skipped', () => {
    const data = Int16Array.from([0, 1, -1, 2]);
    expect(firstInvalidLabel(data, 3, undefined)).toBe(2);
    expect(firstInvalidLabel(data, 3, 255)).toBe(2);
    expect(firstInvalidLabel(data, 3, -1)).toBe(-1);
    expect(firstInvalidLabel(Int16Array.from([0, 3]), 3, undefined)).toBe(1);
    expect(() => checkLabels(data, [2, 2], 3, undefined, 'a.nii', '--num-classes')).toThrow(
      "'a.nii' has label -1 at (x=0, y=1); labels must be in [0, 2] (--num-classes 3).",
    );
  });
});
