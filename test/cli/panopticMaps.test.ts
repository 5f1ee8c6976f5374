/**
 * `segkit eval --panoptic --panoptic-divisor N [--panoptic-things LIST]` end to end: panoptic label maps
 * (`value = class · N + instance`) in 16-bit PNG and NIfTI, answers derived here; relabelling invariance,
 * shards merged, errors.
 *
 * 2-D case (PNG 16-bit, 3 × 6, divisor 1000; classes 0 background, 1 road (stuff), 2 car (thing)):
 *   gt                                   pred
 *   1    1    1 1    1    1              1    1    1    1    0    0
 *   2001 2001 0 2002 2002 2002           2007 2007 0    2003 2003 0
 *   2001 2001 0 2    2    0              2007 0    0    2009 2009 2009
 * - road: gt 6 pixels, pred 4 inside: IoU 4/6, a TP. PQ = SQ = 2/3, RQ 1.
 * - cars: A = 2001 (4 px), B = 2002 (3 px), and 2 (no instance id: 2 px). Pred 2007 (3 px) ⊂ A: IoU 3/4; 2003
 *   (2 px) ⊂ B: IoU 2/3; 2009 (3 px) covers the 2 id-less pixels and 1 background pixel.
 *   With `--panoptic-things 2` the id-less pixels are a crowd region: 2009 is 2/3 crowd, no FP. tp 2, fp 0,
 *   fn 0, SQ = PQ = (3/4 + 2/3)/2 = 17/24. Mean PQ (2/3 + 17/24)/2 = 11/16.
 *   Without it they are a segment (2, 0) of 2 px, matched by 2009 at IoU 2/(2 + 3 − 2) = 2/3: tp 3,
 *   SQ = PQ = (3/4 + 2/3 + 2/3)/3 = 25/36.
 * - The other metrics see the classes: car Dice 2·7/(9 + 8) = 14/17, road 2·4/(6 + 4) = 0.8.
 *
 * 3-D case (NIfTI 2 × 2 × 2, divisor 1000, class 1 a thing, `--ignore-index 9` = void):
 *   gt   z0: 1001 1001 / 1001 9     z1: 1002 1002 / 0 0
 *   pred z0: 1005 1005 / 1005 1005  z1: 0    1006 / 0 1006
 *   1005 (4 voxels, one void) vs 1001 (3): IoU 3/(3 + 4 − 3 − 1) = 1, a TP; 1006 (2) vs 1002 (2): overlap 1,
 *   IoU 1/3: 1002 a FN, 1006 a FP. tp 1, fp 1, fn 1: SQ 1, RQ 1/2, PQ 1/2.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grayPng, niftiFile, put, tempDir } from '../io/fixtures.js';
import { ensureBuilt, segkit } from './helpers.js';

const tmp = tempDir('segkit-panoptic-maps-');
afterAll(tmp.cleanup);
const d = tmp.dir;

const GT2 = [1, 1, 1, 1, 1, 1, 2001, 2001, 0, 2002, 2002, 2002, 2001, 2001, 0, 2, 2, 0];
const PRED2 = [1, 1, 1, 1, 0, 0, 2007, 2007, 0, 2003, 2003, 0, 2007, 0, 0, 2009, 2009, 2009];
/** The same prediction with other instance ids (7 → 1, 3 → 12, 9 → 999). */
const PRED2_RELABELLED = PRED2.map((v) => ({ 2007: 2001, 2003: 2012, 2009: 2999 })[v] ?? v);
const png = (v: number[]) => grayPng(v, 6, 3, 16);

/** `segkit eval` of two folders with `--panoptic --panoptic-divisor 1000`, in the main thread. */
const panopticEval = (gt: string, pred: string, numClasses: number, ...more: string[]) => [
  ...['eval', '--gt', gt, '--pred', pred, '--num-classes', String(numClasses), '--workers', '0'],
  ...['--panoptic', '--panoptic-divisor', '1000', ...more],
];
const args2 = (pred: string, ...more: string[]) =>
  panopticEval('gt2', pred, 3, '--labels', 'bg,road,car', '--metrics', 'dice', ...more);

/** The parts of the JSON these tests read. */
interface Result {
  settings: { panoptic: unknown };
  panoptic: { pq: number; classes: { pq: number; sq: number; [key: string]: unknown }[] };
  classes: { metrics: { dice: { mean: number } } }[];
}

function run(args: string[]): Result {
  const r = segkit([...args, '--json', '-'], d);
  expect(r.stderr).toMatch(/^segkit eval: \d pair\(s\) in /);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  ensureBuilt();
  put(join(d, 'gt2/a.png'), png(GT2));
  put(join(d, 'pred2/a.png'), png(PRED2));
  put(join(d, 'relabelled/a.png'), png(PRED2_RELABELLED));
  // Two images for the shards: the same pair twice.
  put(join(d, 'gt2s/a.png'), png(GT2));
  put(join(d, 'gt2s/b.png'), png(GT2));
  put(join(d, 'pred2s/a.png'), png(PRED2));
  put(join(d, 'pred2s/b.png'), png(PRED2_RELABELLED));
  const gt3 = new Uint16Array([1001, 1001, 1001, 9, 1002, 1002, 0, 0]);
  const pred3 = new Uint16Array([1005, 1005, 1005, 1005, 0, 1006, 0, 1006]);
  put(join(d, 'gt3/v.nii.gz'), niftiFile(gt3, [2, 2, 2], [1, 1, 1]));
  put(join(d, 'pred3/v.nii.gz'), niftiFile(pred3, [2, 2, 2], [1, 1, 1]));
});

describe('segkit eval --panoptic-divisor on 16-bit PNG panoptic maps', () => {
  it('with --panoptic-things: crowd pixels are no segment and clear the prediction on them', () => {
    const res = run(args2('pred2', '--panoptic-things', '2'));
    expect(res.settings.panoptic).toEqual({
      instances: 'divisor',
      connectivity: null,
      divisor: 1000,
      things: [2],
    });
    const [road, car] = res.panoptic.classes;
    expect(road).toMatchObject({ index: 1, name: 'road', tp: 1, fp: 0, fn: 0, rq: 1 });
    expect(road.pq).toBeCloseTo(2 / 3, 14);
    expect(car).toMatchObject({ index: 2, name: 'car', tp: 2, fp: 0, fn: 0, rq: 1 });
    expect(car.sq).toBeCloseTo(17 / 24, 14);
    expect(res.panoptic.pq).toBeCloseTo(11 / 16, 14);
    // Every other metric measures the classes of the maps.
    const dice = res.classes.map((c: { metrics: { dice: { mean: number } } }) => c.metrics.dice.mean);
    expect(dice[0]).toBeCloseTo(0.8, 14);
    expect(dice[1]).toBeCloseTo(14 / 17, 14);
  });

  it('without --panoptic-things the id-less pixels are a segment of their own', () => {
    const car = run(args2('pred2')).panoptic.classes[1];
    expect(car).toMatchObject({ tp: 3, fp: 0, fn: 0 });
    expect(car.pq).toBeCloseTo(25 / 36, 14);
  });

  it('does not change when the instance ids are renumbered', () => {
    const a = run(args2('pred2', '--panoptic-things', '2'));
    const b = run(args2('relabelled', '--panoptic-things', '2'));
    expect(b.panoptic).toEqual(a.panoptic);
    expect(b.classes).toEqual(a.classes);
  });

  it('prints the panoptic table with its instance source, and the report says it', () => {
    const r = segkit([...args2('pred2', '--panoptic-things', '2'), '--report', 'r.html'], d);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 car\s+0\.7083\s+0\.7083\s+1\.0000\s+2\s+0\s+0/);
    expect(r.stdout).toContain(
      'panoptic: instances from the panoptic maps (value = class·1000 + instance); gt pixels of the thing classes 2 without instance id are crowd regions',
    );
    expect(readFileSync(join(d, 'r.html'), 'utf8')).toContain(
      'Instances from the panoptic maps (value = class·1000',
    );
  });

  it('merges shards into the single run, byte for byte', () => {
    const common = (...more: string[]) =>
      panopticEval('gt2s', 'pred2s', 3, '--panoptic-things', '2', ...more);
    expect(segkit(common('--json', 'single.json'), d).status).toBe(0);
    expect(segkit(common('--shard', '1/2', '--state', 's1.json'), d).status).toBe(0);
    expect(segkit(common('--shard', '2/2', '--state', 's2.json'), d).status).toBe(0);
    expect(segkit(['merge', 's2.json', 's1.json', '--json', 'merged.json'], d).status).toBe(0);
    const single = readFileSync(join(d, 'single.json'), 'utf8');
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(single);
    // Two images of the 2-D case: the car counts double, the qualities stay.
    const car = JSON.parse(single).panoptic.classes[1];
    expect(car).toMatchObject({ tp: 4, fp: 0, fn: 0 });
    expect(car.pq).toBeCloseTo(17 / 24, 14);
  });
});

describe('segkit eval --panoptic-divisor on NIfTI volumes', () => {
  const args3 = (...more: string[]) => panopticEval('gt3', 'pred3', 2, ...more);

  it('leaves void (--ignore-index) out of the IoU', () => {
    const p = run(args3('--ignore-index', '9')).panoptic;
    expect(p.classes).toEqual([{ index: 1, name: '1', pq: 0.5, sq: 1, rq: 0.5, tp: 1, fp: 1, fn: 1 }]);
    expect(p.pq).toBe(0.5);
  });

  it('names the file, the value and its class when a class is out of range (exit 1)', () => {
    const r = segkit(args3(), d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /'gt3\/v\.nii\.gz' has value 9 at \(x=1, y=1, z=0\), class 9 with --panoptic-divisor 1000; classes must be in \[0, 1\] \(--num-classes 2\)\./,
    );
  });
});

describe('segkit eval --panoptic options: usage errors (exit 2)', () => {
  const base = ['eval', '--gt', 'gt2', '--pred', 'pred2', '--num-classes', '3'];
  const cases: [string[], RegExp][] = [
    [['--panoptic-divisor', '1000'], /--panoptic-divisor is only used with --panoptic\./],
    [['--panoptic', '--panoptic-things', '2'], /--panoptic-things is only used with --panoptic-divisor/],
    [
      ['--panoptic', '--panoptic-divisor', '1'],
      /--panoptic-divisor must be an integer in \[2, 2147483648\]; got "1"\./,
    ],
    [
      ['--panoptic', '--panoptic-divisor', '1000', '--panoptic-things', '3'],
      /--panoptic-things must be comma-separated classes in \[1, 2\]; got "3"\./,
    ],
    [
      ['--panoptic', '--panoptic-divisor', '1000', '--connectivity', '4'],
      /--connectivity is not used with --panoptic-divisor \(the maps give the instances\)/,
    ],
  ];
  for (const [args, message] of cases) {
    it(`refuses ${args.join(' ')}`, () => {
      const r = segkit([...base, ...args], d);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it('without --panoptic-divisor the maps are label maps: their values are out of range (exit 1)', () => {
    const r = segkit([...base, '--panoptic', '--workers', '0'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/'gt2\/a\.png' has label 2001/);
  });
});
