/**
 * `segkit compare` over regions (`--regions`) and lesion-wise per-image values (`--lesions`), issue 14.
 *
 * Part 1, regions: the strips of test/cli/compareFixtures.ts (1×40: class 1 on pixels 0–19, class 2 on 20–29; a
 * prediction misses the first e pixels of class 1 and pixel 20 of class 2; A misses e = i + 2, B e = i + 1,
 * except img00 where A e = 1, B e = 2). A one-label region {k} must give exactly the rows of class k (means,
 * interval, test, p); the union U = {1, 2} has tp = 29 − e, fn = e + 1, fp = 0, so Dice_U(e) = 2(29 − e)/(59 − e)
 * = 2 − 60/(59 − e): the difference between e + 1 and e is −60/((59 − e)(58 − e)), whose size grows with e. So
 * B − A is positive on img01…img11 with ranks 2…12 and negative on img00 with rank 1: R⁺ = 77, R⁻ = 1, exact
 * p = 4/2¹² (as for class 1).
 *
 * Part 2, lesions: 8 images 1×40, class 1 only. Ground truth: lesions L1 = [2,6), L2 = [10,14), L3 = [20,24).
 * Model A predicts L1 and L2 exactly, L3 only on even images, and a false component [30,32) on images 0–3.
 * Model B predicts all three exactly, and the false component on image 7 only. Per-image BraTS lesion Dice =
 * Σ Dice of detected lesions / (gt lesions + FP):
 *   A: i0,i2 3/4; i1,i3 2/4; i4,i6 3/3; i5,i7 2/3.   B: 1 on i0–i6, 3/4 on i7.
 *   B − A: 1/4, 1/2, 1/4, 1/2, 0, 1/3, 0, 1/12 → mean 23/96; two zeros dropped, six positive with ties
 *   (|d| ranks 1, 2.5, 2.5, 4, 5.5, 5.5): R⁺ = 21, R⁻ = 0, normal approximation, var = 6·7·13/24 − (2·(2³−2))/48
 *   = 22.5, z = (0 − 10.5)/√22.5.
 * FN per image: A 1 on odd images, B 0 → B − A: −1 ×4, 0 ×4: mean −1/2, n = 4 tied, R⁻ = 10, var = 7.5 − 60/48
 *   = 6.25, z = −5/2.5 = −2.
 * FP per image: A 1 on i0–i3, B 1 on i7 → B − A: −1 ×4, 0 ×3, +1: mean −3/8; n = 5, all |d| tied at rank 3:
 *   R⁺ = 3, R⁻ = 12, var = 5·6·11/24 − (5³ − 5)/48 = 11.25, z = (3 − 7.5)/√11.25.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grayPng, put, tempDir } from '../io/fixtures.js';
import { holm } from '../../src/core/evaluation/stats/wilcoxon.js';
import { normalSf } from '../../src/core/evaluation/stats/normal.js';
import type { CompareResult } from '../../src/cli/compare/types.js';
import type { CompareRow } from '../../src/cli/compare/stats.js';
import { errors, id, strip } from './compareFixtures.js';
import { ensureBuilt, segkit } from './helpers.js';

const tmp = tempDir('segkit-compare-sections-');
afterAll(tmp.cleanup);
const d = tmp.dir;
const N = 12;
const M = 8;

const diceU = (e: number) => (2 * (29 - e)) / (59 - e);

/** A 1×40 strip of class 1 on the given half-open intervals. */
const lesionStrip = (spans: [number, number][]): number[] =>
  Array.from({ length: 40 }, (_, p) => (spans.some(([a, b]) => p >= a && p < b) ? 1 : 0));
const L1: [number, number] = [2, 6];
const L2: [number, number] = [10, 14];
const L3: [number, number] = [20, 24];
const FPC: [number, number] = [30, 32];
const lesionA = (i: number) => [L1, L2, ...(i % 2 === 0 ? [L3] : []), ...(i < 4 ? [FPC] : [])];
const lesionB = (i: number) => [L1, L2, L3, ...(i === 7 ? [FPC] : [])];

const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
const readJson = <T>(file: string) => JSON.parse(readFileSync(join(d, file), 'utf8')) as T;
const REGIONS = '{"R1":[1],"R2":[2],"U":[1,2]}';
const strips = ['--num-classes', '3', '--workers', '1', '--metrics', 'dice,iou,hd'];
const lesionOpts = ['--num-classes', '2', '--workers', '1', '--metrics', 'dice', '--lesions'];
const rowOf = (res: CompareResult, f: (r: CompareRow) => boolean): CompareRow => {
  const r = res.comparisons[0].rows.find(f);
  if (!r) throw new Error('row not found');
  return r;
};
/** The row without the keys that say what it is (for comparing a region row with a class row). */
const values = ({ section: _s, class: _c, region: _r, name: _n, ...rest }: CompareRow) => rest;

beforeAll(() => {
  ensureBuilt();
  for (let i = 0; i < N; i++) {
    const [ea, eb] = errors(i);
    put(join(d, 'gt', `${id(i)}.png`), grayPng(strip(null), 40, 1));
    put(join(d, 'a', `${id(i)}.png`), grayPng(strip(ea), 40, 1));
    put(join(d, 'b', `${id(i)}.png`), grayPng(strip(eb), 40, 1));
  }
  for (let i = 0; i < M; i++) {
    put(join(d, 'lgt', `${id(i)}.png`), grayPng(lesionStrip([L1, L2, L3]), 40, 1));
    put(join(d, 'la', `${id(i)}.png`), grayPng(lesionStrip(lesionA(i)), 40, 1));
    put(join(d, 'lb', `${id(i)}.png`), grayPng(lesionStrip(lesionB(i)), 40, 1));
  }
  for (const m of ['a', 'b']) {
    const r = segkit(
      ['eval', '--gt', 'gt', '--pred', m, ...strips, '--regions', REGIONS, '--state', `${m}.r.json`],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    const p = segkit(['eval', '--gt', 'gt', '--pred', m, ...strips, '--state', `${m}.plain.json`], d);
    expect(p.status, p.stderr).toBe(0);
    const l = segkit(
      [
        'eval',
        '--gt',
        'lgt',
        '--pred',
        `l${m}`,
        ...lesionOpts,
        '--regions',
        '{"L":[1]}',
        '--state',
        `l${m}.json`,
      ],
      d,
    );
    expect(l.status, l.stderr).toBe(0);
  }
});

describe('segkit compare --regions', () => {
  let res: CompareResult;
  let stdout: string;
  beforeAll(() => {
    const r = segkit(
      [
        ...'compare --gt gt --pred a --pred b'.split(' '),
        ...strips,
        ...['--regions', REGIONS, '--json', 'r.json', '--report', 'r.html'],
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    stdout = r.stdout;
    res = readJson<CompareResult>('r.json');
  });

  it('writes schema version 2 with section and region on every row, classes first, then regions', () => {
    expect(res.version).toBe(2);
    const rows = res.comparisons[0].rows;
    // 3 metrics × (2 classes + foreground mean), then 3 metrics × 3 regions.
    expect(rows.map((r) => r.section)).toEqual([...Array(9).fill('class'), ...Array(9).fill('region')]);
    expect(rows.slice(9).map((r) => `${r.metric} ${r.region}`)).toEqual([
      'dice R1',
      'dice R2',
      'dice U',
      'iou R1',
      'iou R2',
      'iou U',
      'hd R1',
      'hd R2',
      'hd U',
    ]);
    expect(rows.slice(0, 9).every((r) => r.region === null)).toBe(true);
    expect(rows.slice(9).every((r) => r.class === null && r.name === r.region)).toBe(true);
  });

  it('a region {k} gives exactly the rows of class k: means, interval, Wilcoxon, Holm (one family, one stream)', () => {
    for (const m of ['dice', 'iou', 'hd'] as const) {
      for (const [region, k] of [
        ['R1', 1],
        ['R2', 2],
      ] as const) {
        const rr = rowOf(res, (r) => r.region === region && r.metric === m);
        const cr = rowOf(res, (r) => r.section === 'class' && r.class === k && r.metric === m);
        expect(values(rr), `${m} ${region}`).toEqual(values(cr));
      }
    }
  });

  it('the union U = {1, 2}: mean difference by arithmetic, R⁺ = 77, R⁻ = 1, exact p = 4/2¹², B better', () => {
    const r = rowOf(res, (x) => x.region === 'U' && x.metric === 'dice');
    const diffs = Array.from({ length: N }, (_, i) => diceU(errors(i)[1]) - diceU(errors(i)[0]));
    expect(num(r.meanDiff)).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / N, 12);
    expect(num(r.meanA)).toBeCloseTo(
      Array.from({ length: N }, (_, i) => diceU(errors(i)[0])).reduce((a, b) => a + b, 0) / N,
      12,
    );
    expect(r.wilcoxon).toMatchObject({ rPlus: 77, rMinus: 1, n: 12, zeros: 0, method: 'exact' });
    expect(num(r.wilcoxon.pvalue)).toBeCloseTo(4 / 4096, 15);
    expect(num(r.ci[0])).toBeGreaterThan(0);
    expect(r.better).toBe('B');
  });

  it('records the per-image region values of A and B for the paired plot (first metric), none without regions', () => {
    const [sec] = res.comparisons[0].sections!;
    expect(sec).toMatchObject({
      section: 'region',
      metric: 'dice',
      names: ['region R1', 'region R2', 'region U'],
    });
    expect(sec.a.map((v) => v[2])).toEqual(Array.from({ length: N }, (_, i) => diceU(errors(i)[0])));
    expect(sec.b.map((v) => v[2])).toEqual(Array.from({ length: N }, (_, i) => diceU(errors(i)[1])));
    expect(res.comparisons[0].sections).toHaveLength(1);
    const plain = segkit(['compare', '--state', 'a.plain.json', '--state', 'b.plain.json', '--json', '-'], d);
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).comparisons[0]).not.toHaveProperty('sections');
  });

  it('Holm runs over classes and regions together', () => {
    const rows = res.comparisons[0].rows;
    const adjusted = holm(rows.map((r) => num(r.wilcoxon.pvalue)));
    rows.forEach((r, j) => expect(num(r.pHolm)).toBe(adjusted[j]));
    expect(res.statistics.test.family).toMatch(/classes, foreground mean, regions/);
  });

  it('the table lists the region rows after the classes and says that Holm spans them', () => {
    expect(stdout).toMatch(/^metric\s+class \/ region\s+n/m);
    expect(stdout).toMatch(/^dice\s+region U\s+12\s/m);
    expect(stdout).toMatch(
      /Holm over all rows of each comparison \(classes, regions and lesion measures together\)/,
    );
  });

  it('states with the regions give the same comparison as the folders', () => {
    const r = segkit(['compare', '--state', 'a.r.json', '--state', 'b.r.json', '--json', 'rs.json'], d);
    expect(r.status, r.stderr).toBe(0);
    const s = readJson<CompareResult>('rs.json');
    expect(s.comparisons.map((c) => c.rows)).toEqual(res.comparisons.map((c) => c.rows));
    // --regions on compare is checked against the states (same regions: accepted).
    const again = segkit(['compare', '--state', 'a.r.json', '--state', 'b.r.json', '--regions', REGIONS], d);
    expect(again.status, again.stderr).toBe(0);
  });

  it('the report has the region rows and a difference chart per region', () => {
    const html = readFileSync(join(d, 'r.html'), 'utf8');
    expect(html).toContain('data-section="region" data-metric="dice" data-class="" data-region="U"');
    expect(html).toContain('"id":"diff-0-region-scores"');
    expect(html).toContain('"id":"diff-0-region-distances"');
    expect(html).toContain('mean paired difference per region');
  });
});

describe('segkit compare --lesions', () => {
  let res: CompareResult;
  beforeAll(() => {
    const r = segkit(['compare', '--state', 'la.json', '--state', 'lb.json', '--json', 'l.json'], d);
    expect(r.status, r.stderr).toBe(0);
    res = readJson<CompareResult>('l.json');
  });
  const lesion = (measure: string, region: string | null = null) =>
    rowOf(res, (r) => r.section === 'lesion' && r.metric === measure && r.region === region);

  it('compares per image: lesion Dice, missed lesions (FN) and false-positive components (FP), per class and region', () => {
    const rows = res.comparisons[0].rows.filter((r) => r.section === 'lesion');
    expect(rows.map((r) => `${r.metric} ${r.class} ${r.region}`)).toEqual([
      'lesionDice 1 null',
      'lesionDice null L',
      'lesionFn 1 null',
      'lesionFn null L',
      'lesionFp 1 null',
      'lesionFp null L',
    ]);
    // A one-label region's lesions are the class's.
    for (const m of ['lesionDice', 'lesionFn', 'lesionFp'])
      expect(values(lesion(m, 'L'))).toEqual(values(lesion(m)));
  });

  it('lesion Dice: means and the normal-approximation test by arithmetic', () => {
    const r = lesion('lesionDice');
    const a = [3 / 4, 2 / 4, 3 / 4, 2 / 4, 1, 2 / 3, 1, 2 / 3];
    const b = [1, 1, 1, 1, 1, 1, 1, 3 / 4];
    expect(num(r.meanA)).toBeCloseTo(a.reduce((x, y) => x + y) / M, 14);
    expect(num(r.meanB)).toBeCloseTo(b.reduce((x, y) => x + y) / M, 14);
    expect(num(r.meanDiff)).toBeCloseTo(23 / 96, 14);
    expect(r.wilcoxon).toMatchObject({ rPlus: 21, rMinus: 0, n: 6, zeros: 2, method: 'normal' });
    const z = -10.5 / Math.sqrt(22.5);
    expect(num(r.wilcoxon.z)).toBeCloseTo(z, 12);
    expect(num(r.wilcoxon.pvalue)).toBeCloseTo(2 * normalSf(-z), 12);
    expect(r.n).toBe(M);
  });

  it('records the per-image lesion Dice of A and B per lesion row for the paired plot', () => {
    const sec = res.comparisons[0].sections!.find((x) => x.section === 'lesion')!;
    expect(sec).toMatchObject({ metric: 'lesionDice', names: ['1', 'region L'] });
    expect(sec.a.map((v) => v[0])).toEqual([3 / 4, 2 / 4, 3 / 4, 2 / 4, 1, 2 / 3, 1, 2 / 3]);
    expect(sec.b.map((v) => v[1])).toEqual([1, 1, 1, 1, 1, 1, 1, 3 / 4]);
  });

  it('lesion FN and FP: mean differences, z by arithmetic, and fewer lesions count as better', () => {
    const fn = lesion('lesionFn');
    expect(num(fn.meanA)).toBe(0.5);
    expect(num(fn.meanB)).toBe(0);
    expect(num(fn.meanDiff)).toBe(-0.5);
    expect(fn.wilcoxon).toMatchObject({ rPlus: 0, rMinus: 10, n: 4, zeros: 4, method: 'normal' });
    expect(num(fn.wilcoxon.z)).toBeCloseTo(-2, 12);
    expect(num(fn.wilcoxon.pvalue)).toBeCloseTo(2 * normalSf(2), 12);
    const fp = lesion('lesionFp');
    expect(num(fp.meanDiff)).toBe(-3 / 8);
    expect(fp.wilcoxon).toMatchObject({ rPlus: 3, rMinus: 12, n: 5, zeros: 3, method: 'normal' });
    expect(num(fp.wilcoxon.z)).toBeCloseTo(-4.5 / Math.sqrt(11.25), 12);
    // Holm over the whole family; verdicts where the adjusted p is ≤ 0.05: lower FN is B's.
    const rows = res.comparisons[0].rows;
    const adjusted = holm(rows.map((r) => num(r.wilcoxon.pvalue)));
    rows.forEach((r, j) => {
      expect(num(r.pHolm)).toBe(adjusted[j]);
      const diff = num(r.meanDiff);
      const lowerBetter = r.metric === 'lesionFn' || r.metric === 'lesionFp';
      expect(r.better).toBe(
        adjusted[j] <= 0.05 && diff !== 0 ? (diff > 0 !== lowerBetter ? 'B' : 'A') : null,
      );
    });
    expect(fp.better).toBe(null);
  });

  it('folders with --lesions give the states’ comparison', () => {
    const r = segkit(
      [
        ...'compare --gt lgt --pred la --pred lb'.split(' '),
        ...lesionOpts,
        ...['--regions', '{"L":[1]}', '--json', 'lf.json', '--report', 'lf.html'],
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readJson<CompareResult>('lf.json').comparisons[0].rows).toEqual(res.comparisons[0].rows);
    expect(r.stdout).toMatch(/^lesion FN\s+1\s+8\s+0\.500\s+0\.000\s+-0\.500/m);
    expect(r.stdout).toMatch(/^lesion Dice\s+region L\s+8\s/m);
    const html = readFileSync(join(d, 'lf.html'), 'utf8');
    expect(html).toContain('"id":"diff-0-lesion-dice"');
    expect(html).toContain('"id":"diff-0-lesion-counts"');
  });
});

describe('segkit compare: states must carry what is compared', () => {
  it('--regions with a state evaluated without regions → exit 1 naming the state', () => {
    const r = segkit(
      ['compare', '--state', 'a.plain.json', '--state', 'b.plain.json', '--regions', REGIONS],
      d,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /--state 'a\.plain\.json' has no regions \(it was evaluated without --regions\); evaluate with segkit eval --regions … --state again, or compare without --regions\./,
    );
  });

  it('--regions other than the state’s → exit 1 naming both', () => {
    const r = segkit(
      ['compare', '--state', 'a.r.json', '--state', 'b.r.json', '--regions', '{"U":[1,2]}'],
      d,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /--state 'a\.r\.json' was evaluated with other regions \(.*"R1".*\) than --regions \(\[\{"name":"U","labels":\[1,2\]\}\]\)\./,
    );
  });

  it('--lesions with a state evaluated without lesions → exit 1 naming the state', () => {
    const r = segkit(['compare', '--state', 'a.r.json', '--state', 'b.r.json', '--lesions'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /--state 'a\.r\.json' has no lesion counts \(it was evaluated without --lesions\)/,
    );
  });

  it('a state with regions and one without → exit 1: different regions', () => {
    const r = segkit(['compare', '--state', 'a.r.json', '--state', 'b.plain.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/were evaluated with different regions/);
  });

  it('a malformed --regions is a usage error (exit 2)', () => {
    const r = segkit(
      ['compare', '--state', 'a.r.json', '--state', 'b.r.json', '--regions', '{"U":[1,7]}'],
      d,
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--regions\.U labels must be integers in \[0, 2\]; got 7\./);
  });
});
