/**
 * `segkit eval --regions / --lesions / --panoptic` end to end on BraTS-like synthetic volumes whose answers are
 * derived below, shards merged, other region definitions refused, and state version 2 still read.
 *
 * Volumes 8×8×8 (labels 0 background, 1 edema, 2 necrosis, 3 enhancing tumour):
 * - case1, ground truth: edema box [1,7)³ (216 voxels) around a core box [2,6)³ (64) of label 2 around an
 *   enhancing box [3,5)³ (8) of label 3; so label 1 has 216 − 64 = 152 voxels, label 2 has 64 − 8 = 56.
 *   Prediction: the same, with the enhancing box moved by one voxel along x ([3,5)×[3,5)×[4,6)), still inside
 *   the core. WT and TC are predicted exactly (Dice 1); ET overlaps on 2·2·1 = 4 voxels: tp 4, fp 4, fn 4,
 *   Dice 8/16. Label 2: gt 56, pred 56, overlap 64 − |gtET ∪ predET| = 64 − 12 = 52, Dice 104/112.
 * - case2: empty ground truth; the prediction has one voxel of label 1 at (0,0,0): WT tp 0, fp 1 (Dice 0); TC
 *   and ET empty in both (NaN, skipped).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niftiFile, put, tempDir } from '../io/fixtures.js';
import { ensureBuilt, segkit } from './helpers.js';

const tmp = tempDir('segkit-regions-');
afterAll(tmp.cleanup);
const N = 8;
const at = (z: number, y: number, x: number) => (z * N + y) * N + x;

function box(v: Uint8Array, lo: [number, number, number], hi: [number, number, number], label: number): void {
  for (let z = lo[0]; z < hi[0]; z++)
    for (let y = lo[1]; y < hi[1]; y++) for (let x = lo[2]; x < hi[2]; x++) v[at(z, y, x)] = label;
}

function tumour(etShift: number): Uint8Array {
  const v = new Uint8Array(N ** 3);
  box(v, [1, 1, 1], [7, 7, 7], 1);
  box(v, [2, 2, 2], [6, 6, 6], 2);
  box(v, [3, 3, 3 + etShift], [5, 5, 5 + etShift], 3);
  return v;
}

const REGIONS = '{"WT":[1,2,3],"TC":[2,3],"ET":[3]}';
const base = ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '4', '--workers', '0'];
const d = tmp.dir;
const json = (file: string) => JSON.parse(readFileSync(join(d, file), 'utf8'));

beforeAll(() => {
  ensureBuilt();
  const vol = (data: Uint8Array) => niftiFile(data, [N, N, N], [1, 1, 1]);
  put(join(d, 'gt/case1.nii.gz'), vol(tumour(0)));
  put(join(d, 'pred/case1.nii.gz'), vol(tumour(1)));
  put(join(d, 'gt/case2.nii.gz'), vol(new Uint8Array(N ** 3)));
  const one = new Uint8Array(N ** 3);
  one[0] = 1;
  put(join(d, 'pred/case2.nii.gz'), vol(one));
  writeFileSync(join(d, 'regions.json'), REGIONS);
});

describe('segkit eval --regions', () => {
  it('reports per region Dice = 2tp/(2tp+fp+fn) per image, NaN (skipped) when the region is absent from both', () => {
    const r = segkit([...base, '--regions', REGIONS, '--metrics', 'dice,iou', '--json', 'r.json'], d);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const res = json('r.json');
    expect(res.version).toBe(2);
    expect(res.settings.regions).toEqual([
      { name: 'WT', labels: [1, 2, 3] },
      { name: 'TC', labels: [2, 3] },
      { name: 'ET', labels: [3] },
    ]);
    expect(res.regions.images.map((i: { dice: unknown }) => i.dice)).toEqual([
      [1, 1, 8 / 16],
      [0, 'NaN', 'NaN'],
    ]);
    expect(res.regions.images[0].iou).toEqual([1, 1, 4 / 12]);
    const [wt, tc, et] = res.regions.regions;
    expect(wt).toMatchObject({ name: 'WT', support: 216, predicted: 217 });
    expect(wt.metrics.dice).toEqual({ mean: 0.5, std: 0.5, n: 2, skipped: 0 });
    expect(tc.metrics.dice).toEqual({ mean: 1, std: 0, n: 1, skipped: 1 });
    expect(et.metrics.dice).toMatchObject({ mean: 0.5, n: 1, skipped: 1 });
    // Pooled over the dataset: WT tp 216, fp 1, fn 0.
    expect(wt.pooled.dice).toBe((2 * 216) / (2 * 216 + 1));
    expect(res.regions.summary.dice).toEqual({
      value: (0.5 + 1 + 0.5) / 3,
      reduction: 'macro-imagewise',
      skipped: 2, // TC and ET of case2
    });
    // The classes are unchanged by --regions.
    expect(res.images[0].metrics.dice).toEqual([1, 104 / 112, 8 / 16]);
    // The table lists the regions after the classes; the CSV has one column per metric and region.
    expect(r.stdout).toMatch(/region WT \{1,2,3\}\s+0\.5000 ± 0\.5000/);
    expect(r.stdout).toMatch(/region mean\s+0\.6667/);
  });

  it('reads --regions from a file, gives region surface metrics of the binarised masks, and CSV columns', () => {
    const r = segkit(
      [...base, '--regions', 'regions.json', '--metrics', 'dice,hd', '--csv', 'r.csv', '--json', 'h.json'],
      d,
    );
    expect(r.status).toBe(0);
    const res = json('h.json');
    // case1: WT and TC identical masks → Hausdorff 0; ET moved by one voxel → 1. case2: WT one empty → Infinity.
    expect(res.regions.images.map((i: { hd: unknown }) => i.hd)).toEqual([
      [0, 0, 1],
      ['Infinity', 'NaN', 'NaN'],
    ]);
    const csv = readFileSync(join(d, 'r.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe(
      'id,gt,pred,score,dice_1,dice_2,dice_3,hd_1,hd_2,hd_3,dice_region_WT,dice_region_TC,dice_region_ET,hd_region_WT,hd_region_TC,hd_region_ET',
    );
    expect(csv[1].split(',').slice(-6)).toEqual(['1', '1', '0.5', '0', '0', '1']);
  });

  it('refuses malformed regions as usage errors (exit 2)', () => {
    for (const [arg, msg] of [
      ['{"WT":[1,4]}', /--regions.WT labels must be integers in \[0, 3\]; got 4\./],
      ['{"WT":[]}', /--regions.WT must be a non-empty array of labels/],
      ['{"WT":', /--regions must be a JSON object of label lists/],
      ['nofile.json', /--regions 'nofile.json' is neither a JSON object nor a readable file\./],
    ] as const) {
      const r = segkit([...base, '--regions', arg], d);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});

describe('segkit eval --lesions and --panoptic', () => {
  it('reports lesion-wise counts, sensitivity, precision, F1 and the BraTS lesion Dice per class and region', () => {
    const r = segkit(
      [...base, '--regions', REGIONS, '--lesions', '--metrics', 'dice', '--json', 'l.json'],
      d,
    );
    expect(r.status).toBe(0);
    const res = json('l.json');
    expect(res.settings.lesions).toEqual({
      connectivity: null,
      iouThreshold: 0,
      dilation: 0,
      sizeThreshold: 0,
    });
    const byName = Object.fromEntries(res.lesions.results.map((x: { name: string }) => [x.name, x]));
    expect(res.lesions.results.map((x: { name: string }) => x.name)).toEqual([
      '1',
      '2',
      '3',
      'WT',
      'TC',
      'ET',
    ]);
    // WT: case1 one lesion found exactly (Dice 1); case2 one false positive. Sum: 1 lesion, 2 components.
    expect(byName.WT).toMatchObject({
      index: null,
      gtLesions: 1,
      predLesions: 2,
      tp: 1,
      fp: 1,
      fn: 0,
      tpPred: 1,
    });
    expect(byName.WT).toMatchObject({ sensitivity: 1, precision: 0.5, f1: 2 / 3, lesionDice: 1 / (1 + 1) });
    expect(byName.WT.lesionDiceMean).toEqual({ mean: 0.5, std: 0.5, n: 2, skipped: 0 });
    // ET: one lesion, Dice 8/16; case2 has no lesion in either mask → lesion Dice 1 (BraTS).
    expect(byName.ET).toMatchObject({ tp: 1, fp: 0, fn: 0, lesionDice: 0.5 });
    expect(byName.ET.lesionDiceMean).toMatchObject({ mean: 0.75, n: 2 });
    expect(r.stdout).toMatch(/region WT\s+1\s+2\s+1\s+1\s+0\s+1\.0000\s+0\.5000\s+0\.6667\s+0\.5000/);
  });

  it('--lesion-iou 0.5 turns the ET match (IoU 4/12) into a miss and a false positive', () => {
    const r = segkit(
      [...base, '--regions', REGIONS, '--lesions', '--lesion-iou', '0.5', '--json', 'l5.json'],
      d,
    );
    expect(r.status).toBe(0);
    const et = json('l5.json').lesions.results.find((x: { name: string }) => x.name === 'ET');
    expect(et).toMatchObject({ tp: 0, fp: 1, fn: 1, sensitivity: 0, precision: 0, f1: 0, lesionDice: 0 });
  });

  it('reports PQ, SQ, RQ per class and their mean, one instance per connected component', () => {
    const r = segkit([...base, '--panoptic', '--json', 'p.json'], d);
    expect(r.status).toBe(0);
    const p = json('p.json').panoptic;
    // Class 1: matched in case1 (IoU 1), a false positive in case2. Class 2: IoU 52/60. Class 3: IoU 4/12 ≤ 0.5.
    expect(p.classes).toEqual([
      { index: 1, name: '1', pq: 1 / 1.5, sq: 1, rq: 1 / 1.5, tp: 1, fp: 1, fn: 0 },
      { index: 2, name: '2', pq: 52 / 60, sq: 52 / 60, rq: 1, tp: 1, fp: 0, fn: 0 },
      { index: 3, name: '3', pq: 0, sq: 0, rq: 0, tp: 0, fp: 1, fn: 1 },
    ]);
    expect(p.pq).toBeCloseTo((1 / 1.5 + 52 / 60) / 3, 15);
    expect(r.stdout).toMatch(/mean over classes\s+0\.5111/);
  });

  it('refuses --connectivity without --lesions or --panoptic, and a wrong value', () => {
    expect(segkit([...base, '--connectivity', '6'], d).stderr).toMatch(
      /--connectivity is only used with --lesions or --panoptic\./,
    );
    const r = segkit([...base, '--lesions', '--connectivity', '5'], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--connectivity must be one of 4, 8 \(2-D\), 6, 18, 26 \(3-D\); got "5"\./);
  });
});

describe('segkit merge with regions, lesions and panoptic', () => {
  const all = ['--regions', REGIONS, '--lesions', '--panoptic', '--metrics', 'dice,hd95'];

  it('merging the two shards gives the single run byte for byte (JSON, CSV, report)', () => {
    const one = segkit([...base, ...all, '--json', 'single.json', '--csv', 'single.csv'], d);
    expect(one.status).toBe(0);
    for (const k of [1, 2]) {
      const r = segkit([...base, ...all, '--shard', `${k}/2`, '--state', `s${k}.json`], d);
      expect(r.status).toBe(0);
    }
    expect(json('s1.json').version).toBe(3);
    const m = segkit(['merge', 's2.json', 's1.json', '--json', 'merged.json', '--csv', 'merged.csv'], d);
    expect(m.status).toBe(0);
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
    expect(readFileSync(join(d, 'merged.csv'), 'utf8')).toBe(readFileSync(join(d, 'single.csv'), 'utf8'));
    expect(m.stdout).toBe(one.stdout);
  });

  it('refuses shards evaluated with other region definitions (exit 1)', () => {
    segkit([...base, '--regions', '{"WT":[1,2,3]}', '--shard', '2/2', '--state', 'other.json'], d);
    segkit([...base, '--regions', REGIONS, '--shard', '1/2', '--state', 'mine.json'], d);
    const r = segkit(['merge', 'mine.json', 'other.json', '--json', 'x.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/'other.json' was made with other settings than 'mine.json'/);
  });

  it('refuses a state whose region rows were edited', () => {
    const s = json('s1.json');
    s.confusion.regionRows[0].tp[0] += 1;
    s.confusion.regionRows[0].tn[0] -= 1;
    writeFileSync(join(d, 'edited.json'), JSON.stringify(s));
    const r = segkit(['merge', 'edited.json', 's2.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /'edited.json' has per-image region rows that do not add up to its totals \(region 'WT'\)/,
    );
  });

  it('reads state version 2 (written before regions existed) and merges it with version 3 states', () => {
    const plain = ['--metrics', 'dice'];
    segkit([...base, ...plain, '--json', 'plain.json'], d);
    for (const k of [1, 2]) segkit([...base, ...plain, '--shard', `${k}/2`, '--state', `p${k}.json`], d);
    const old = json('p1.json');
    old.version = 2;
    delete old.settings.regions;
    delete old.settings.lesions;
    delete old.settings.panoptic;
    writeFileSync(join(d, 'p1v2.json'), JSON.stringify(old));
    const r = segkit(['merge', 'p1v2.json', 'p2.json', '--json', 'pm.json'], d);
    expect(r.stderr).toBe('segkit merge: 2 state(s), 2 pair(s).\n');
    expect(r.status).toBe(0);
    expect(readFileSync(join(d, 'pm.json'), 'utf8')).toBe(readFileSync(join(d, 'plain.json'), 'utf8'));
    old.version = 4;
    writeFileSync(join(d, 'p1v4.json'), JSON.stringify(old));
    expect(segkit(['merge', 'p1v4.json', 'p2.json'], d).stderr).toMatch(
      /'p1v4.json' has state version 4; this segkit reads versions 2 and 3\./,
    );
  });
});
