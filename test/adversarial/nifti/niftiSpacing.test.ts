/**
 * NIfTI spacing: a bad pixdim (0, negative, NaN, ±Infinity) on any axis is an error naming the file and the
 * values, never a silent 1; `--spacing` / `options.spacing` replaces the headers and is what the JSON records;
 * headers that disagree give a warning saying whose spacing is used.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMask, decodeMaskPair, encodeNifti, maskHeader } from '../../../src/io/index.js';
import { ensureBuilt, segkit } from '../../cli/helpers.js';
import { blocks, grayPng, put, tempDir } from '../../io/fixtures.js';
import { evalArgs } from '../helpers.js';

const tmp = tempDir('segkit-adv-nifti-');
afterAll(tmp.cleanup);
beforeAll(ensureBuilt);

const SHAPE = [3, 6, 8]; // z, y, x
const GT = blocks(8, 6, 3, 0, 3);
const PRED = blocks(8, 6, 3, 1, 3);
/** A .nii.gz whose pixdim[1..3] (x, y, z) are `xyz`. */
const vol = (data: Uint8Array, xyz: number[]) =>
  encodeNifti({ data, shape: SHAPE, spacing: [...xyz].reverse() }, { gzip: true });

const BAD: [string, number[]][] = [
  ['0 on x', [0, 1, 1]],
  ['negative on y', [1, -0.5, 1]],
  ['NaN on z', [1, 1, NaN]],
  ['+Infinity on x', [Infinity, 1, 1]],
  ['-Infinity on z', [1, 1, -Infinity]],
];

describe('decodeMask refuses a bad pixdim', () => {
  it.each(BAD)('pixdim %s: a DataError naming the file and every pixdim', (_, xyz) => {
    const text = xyz.map(String).join(', ');
    const msg = `readMask: the pixdim of 'gt/v.nii.gz' must be positive and finite on every axis (it is the voxel spacing); got pixdim[1..3] (x,y,z) = [${text}]. Fix the header, or give the spacing (segkit eval --spacing x,y,z).`;
    expect(() => decodeMask(vol(GT, xyz), 'gt/v.nii.gz')).toThrow(msg);
    expect(() => maskHeader(vol(GT, xyz), 'gt/v.nii.gz')).toThrow(msg);
  });

  it('options.spacing replaces the header (bad or not); "ignore" skips it', () => {
    const bad = vol(GT, [0, 1, 1]);
    expect(decodeMask(bad, 'v.nii.gz', { spacing: [2, 3, 4] }).spacing).toEqual([2, 3, 4]);
    expect(decodeMask(bad, 'v.nii.gz', { spacing: [0.5] }).spacing).toEqual([0.5, 0.5, 0.5]);
    expect(decodeMask(bad, 'v.nii.gz', { spacing: 'ignore' }).spacing).toBeUndefined();
    expect(decodeMask(vol(GT, [0.5, 0.75, 2]), 'v.nii.gz').spacing).toEqual([2, 0.75, 0.5]);
    expect(() => decodeMask(bad, 'v.nii.gz', { spacing: [1, 2] })).toThrow(
      'readMask: options.spacing must be one positive number or 3 (one per axis); got [1,2].',
    );
  });

  it('a 2-D volume checks only its two axes', () => {
    const flat = encodeNifti({ data: GT.subarray(0, 48), shape: [6, 8], spacing: [0.5, 0.25] });
    expect(decodeMask(flat, 'f.nii').spacing).toEqual([0.5, 0.25]);
  });
});

describe('decodeMaskPair settles one spacing', () => {
  it('headers that differ: the ground truth is used, with a warning naming both', () => {
    const p = decodeMaskPair(vol(GT, [1, 1, 2]), 'gt/v.nii.gz', vol(PRED, [1, 1, 3]), 'pred/v.nii.gz');
    expect(p.spacing).toEqual([2, 1, 1]);
    expect(p.gt.spacing).toEqual([2, 1, 1]);
    expect(p.pred.spacing).toEqual([2, 1, 1]);
    expect(p.warnings).toEqual([
      "'pred/v.nii.gz' has spacing [1, 1, 3] and 'gt/v.nii.gz' [1, 1, 2] (x, y, z); the ground truth's is used.",
    ]);
  });

  it('a bad pixdim on the prediction is an error too, naming the prediction', () => {
    expect(() =>
      decodeMaskPair(vol(GT, [1, 1, 2]), 'gt/v.nii.gz', vol(PRED, [1, 0, 2]), 'pred/v.nii.gz'),
    ).toThrow(/the pixdim of 'pred\/v.nii.gz' must be positive and finite/);
  });

  it('a PNG paired with a 2-D NIfTI takes the NIfTI spacing', () => {
    const png = grayPng(GT.subarray(0, 48), 8, 6);
    const nii = encodeNifti({ data: PRED.subarray(0, 48), shape: [6, 8], spacing: [0.5, 0.25] });
    expect(decodeMaskPair(png, 'gt/a.png', nii, 'pred/a.nii').spacing).toEqual([0.5, 0.25]);
    expect(decodeMaskPair(png, 'gt/a.png', png, 'pred/a.png').spacing).toEqual([1, 1]);
  });
});

describe('segkit eval with NIfTI spacing', () => {
  const run = (d: string, ...extra: string[]) => segkit(evalArgs('--metrics', 'dice,hd', ...extra), d);

  it.each(BAD)('pixdim %s: exit 1 naming the file, nothing on stdout', (name, xyz) => {
    const d = join(tmp.dir, `bad-${name.replace(/\W/g, '')}`);
    put(join(d, 'gt/v.nii.gz'), vol(GT, xyz));
    put(join(d, 'pred/v.nii.gz'), vol(PRED, [1, 1, 1]));
    const r = run(d, '--json', '-');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /segkit eval: readMask: the pixdim of 'gt\/v\.nii\.gz' must be positive and finite/,
    );
  });

  it('--spacing is applied to NIfTI files (bad headers included) and recorded as used', () => {
    const d = join(tmp.dir, 'override');
    put(join(d, 'gt/v.nii.gz'), vol(GT, [0, 1, 1]));
    put(join(d, 'pred/v.nii.gz'), vol(PRED, [1, 1, 1]));
    const r = run(d, '--spacing', '2', '--json', '-');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.settings.spacing).toEqual([2]);
    expect(out.images[0].spacing).toEqual([2, 2, 2]);
    // the same masks with a valid unit header and no --spacing: distances half as large
    const u = join(tmp.dir, 'unit');
    put(join(u, 'gt/v.nii.gz'), vol(GT, [1, 1, 1]));
    put(join(u, 'pred/v.nii.gz'), vol(PRED, [1, 1, 1]));
    const one = JSON.parse(run(u, '--json', '-').stdout);
    expect(one.images[0].spacing).toEqual([1, 1, 1]);
    expect(out.images[0].metrics.hd).toEqual(one.images[0].metrics.hd.map((v: number) => 2 * v));
  });

  it('--spacing x,y,z applies per axis (x first); a wrong count is a data error naming the file', () => {
    const d = join(tmp.dir, 'xyz');
    put(join(d, 'gt/v.nii.gz'), vol(GT, [1, 1, 1]));
    put(join(d, 'pred/v.nii.gz'), vol(PRED, [1, 1, 1]));
    const r = run(d, '--spacing', '0.5,0.25,4', '--json', '-');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).images[0].spacing).toEqual([4, 0.25, 0.5]);
    const w = run(d, '--spacing', '1,2');
    expect(w.status).toBe(1);
    expect(w.stderr).toContain("--spacing has 2 values but 'gt/v.nii.gz' has 3 axes; give one value or 3.");
  });

  it('headers that disagree: a warning on stderr says the ground truth is used, and the JSON records it', () => {
    const d = join(tmp.dir, 'disagree');
    put(join(d, 'gt/v.nii.gz'), vol(GT, [1, 1, 2]));
    put(join(d, 'pred/v.nii.gz'), vol(PRED, [1, 1, 3]));
    const r = run(d, '--json', '-');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      "segkit eval: warning: 'pred/v.nii.gz' has spacing [1, 1, 3] and 'gt/v.nii.gz' [1, 1, 2] (x, y, z); the ground truth's is used.\n",
    );
    expect(JSON.parse(r.stdout).images[0].spacing).toEqual([2, 1, 1]);
  });

  it('segkit weights does not need the spacing: a bad pixdim is no error there', () => {
    const d = join(tmp.dir, 'weights');
    put(join(d, 'gt/v.nii.gz'), vol(GT, [0, NaN, -1]));
    const r = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--workers', '0'], d);
    expect(r.stderr).not.toMatch(/pixdim/);
    expect(r.status).toBe(0);
  });
});
