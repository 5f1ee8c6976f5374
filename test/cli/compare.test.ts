/**
 * `segkit compare` (issue 14, part 2) on constructed folders where model B is better than model A by
 * construction, on all images but one: p-values by arithmetic and equal to the core's (whose Wilcoxon equals
 * scipy's on the committed fixtures), Holm monotonicity, states = folders, the seed property, the report's
 * content, and the errors (exit 1 naming the file, exit 2 for usage).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grayPng, put, tempDir } from '../io/fixtures.js';
import { holm, wilcoxonSignedRank } from '../../src/core/evaluation/stats/wilcoxon.js';
import type { CompareResult } from '../../src/cli/compare/types.js';
import type { CompareRow } from '../../src/cli/compare/stats.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { errors, id, strip } from './compareFixtures.js';
import { ensureBuilt, root, segkit } from './helpers.js';

const tmp = tempDir('segkit-compare-');
afterAll(tmp.cleanup);
const d = tmp.dir;
const N = 12;

/** Dice of class 1 with e missed pixels (test/cli/compareFixtures.ts). */
const dice1 = (e: number) => (2 * (20 - e)) / (40 - e);

const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
const readJson = <T>(file: string) => JSON.parse(readFileSync(join(d, file), 'utf8')) as T;
const common = ['--num-classes', '3', '--workers', '1'];
const row = (res: CompareResult, metric: string, cls: number | null, q = 0): CompareRow =>
  res.comparisons[q].rows.find((r) => r.metric === metric && r.class === cls)!;

beforeAll(() => {
  ensureBuilt();
  for (let i = 0; i < N; i++) {
    const [ea, eb] = errors(i);
    put(join(d, 'gt', `${id(i)}.png`), grayPng(strip(null), 40, 1));
    put(join(d, 'a', `${id(i)}.png`), grayPng(strip(ea), 40, 1));
    put(join(d, 'b', `${id(i)}.png`), grayPng(strip(eb), 40, 1));
    // C = B on all images.
    put(join(d, 'c', `${id(i)}.png`), grayPng(strip(eb), 40, 1));
    if (i < N - 1) {
      put(join(d, 'gt_sub', `${id(i)}.png`), grayPng(strip(null), 40, 1));
      put(join(d, 'b_sub', `${id(i)}.png`), grayPng(strip(eb), 40, 1));
    }
  }
  // A dataset with other ground-truth files (one more image).
  for (let i = 0; i <= N; i++) put(join(d, 'gt_other', `${id(i)}.png`), grayPng(strip(null), 40, 1));
  for (const m of ['a', 'b']) {
    const r = segkit(
      ['eval', '--gt', 'gt', '--pred', m, ...common, '--state', `${m}.state.json`, '--json', `${m}.json`],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
  }
});

describe('segkit compare --gt G --pred A --pred B', () => {
  let res: CompareResult;
  let stdout: string;
  beforeAll(() => {
    const r = segkit(
      [
        'compare',
        '--gt',
        'gt',
        '--pred',
        'a',
        '--pred',
        'b',
        ...common,
        '--json',
        'cmp.json',
        '--report',
        'cmp.html',
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    stdout = r.stdout;
    res = readJson<CompareResult>('cmp.json');
  });

  it('B is better in Dice of class 1 by construction: mean difference, interval above 0, exact p = 4/2¹²', () => {
    const r = row(res, 'dice', 1);
    const diffs = Array.from({ length: N }, (_, i) => dice1(errors(i)[1]) - dice1(errors(i)[0]));
    expect(num(r.meanDiff)).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / N, 12);
    expect(num(r.ci[0])).toBeGreaterThan(0);
    expect(num(r.ci[1])).toBeGreaterThan(num(r.meanDiff));
    // 11 positive differences of ranks 2…12 and one negative of rank 1: R⁺ = 77, R⁻ = 1; two-sided exact
    // p = 2·P(R⁺ ≤ 1) = 2·#{∅, {1}}/2¹².
    expect(r.wilcoxon).toMatchObject({
      rPlus: 77,
      rMinus: 1,
      statistic: 1,
      n: 12,
      zeros: 0,
      method: 'exact',
    });
    expect(num(r.wilcoxon.pvalue)).toBeCloseTo(4 / 4096, 15);
    expect(r.better).toBe('B');
    expect(r.n).toBe(N);
  });

  it('p-values equal the core’s wilcoxonSignedRank of the per-image differences of two segkit eval runs', () => {
    const [a, b] = ['a.json', 'b.json'].map((f) => readJson<EvalResult>(f));
    for (const m of ['dice', 'iou', 'precision', 'recall'] as const) {
      for (const k of [0, 1]) {
        const x = a.images.map((img) => num(img.metrics[m]![k]));
        const y = b.images.map((img) => num(img.metrics[m]![k]));
        const w = wilcoxonSignedRank(y, x);
        const r = row(res, m, k + 1);
        expect(r.wilcoxon.method, `${m} ${k + 1}`).toBe(w.method);
        expect(r.wilcoxon.pvalue, `${m} ${k + 1}`).toEqual(Number.isNaN(w.pvalue) ? 'NaN' : w.pvalue);
      }
    }
    // Recall differences are all ±1/20: ties, so the normal approximation with the tie correction.
    expect(row(res, 'recall', 1).wilcoxon.method).toBe('normal');
  });

  it('identical values give zero differences: no p-value, no verdict; precision of class 1 is 1 for both', () => {
    for (const [m, k] of [
      ['dice', 2],
      ['precision', 1],
    ] as const) {
      const r = row(res, m, k);
      expect(r.meanDiff).toBe(0);
      expect(r.wilcoxon).toMatchObject({ n: 0, zeros: N, pvalue: 'NaN' });
      expect(r.pHolm).toBe('NaN');
      expect(r.better).toBeNull();
    }
  });

  it('Holm: the adjusted p-values equal the core’s holm over the comparison, are ≥ p and keep the order of p', () => {
    const rows = res.comparisons[0].rows;
    const p = rows.map((r) => num(r.wilcoxon.pvalue));
    const adjusted = holm(p);
    rows.forEach((r, j) => {
      expect(num(r.pHolm)).toEqual(adjusted[j]);
      if (!Number.isNaN(p[j])) expect(num(r.pHolm)).toBeGreaterThanOrEqual(p[j]);
    });
    const defined = rows.map((r, j) => [p[j], num(r.pHolm)]).filter(([x]) => !Number.isNaN(x));
    expect(defined.length).toBe(6);
    for (const [x, hx] of defined)
      for (const [y, hy] of defined) if (x < y) expect(hx).toBeLessThanOrEqual(hy);
  });

  it('the foreground mean row pairs the per-image means over classes 1 and 2', () => {
    const r = row(res, 'dice', null);
    expect(r.name).toBe('foreground mean');
    expect(num(r.meanDiff)).toBeCloseTo(num(row(res, 'dice', 1).meanDiff) / 2, 12);
    expect(res.comparisons[0].worst.map((p) => p.id)).toEqual(['img00']);
    expect(num(res.comparisons[0].worst[0].diff)).toBeCloseTo((dice1(2) - dice1(1)) / 2, 12);
  });

  it('prints the table on stdout: a heading per comparison, one row per metric and class, the method note', () => {
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`B vs A: b vs a (${N} images)`);
    expect(lines[1]).toMatch(
      /^metric\s+class\s+n\s+mean A\s+mean B\s+B − A \[95% CI\]\s+p\s+test\s+p Holm\s+better$/,
    );
    // p = 4/4096 = 0.000977, Holm over the 6 defined p-values: 6 · 4/4096 = 0.00586.
    const mean = (f: (i: number) => number) =>
      Array.from({ length: N }, (_, i) => f(i)).reduce((a, b) => a + b) / N;
    const [ma, mb] = [0, 1].map((m) => mean((i) => dice1(errors(i)[m])));
    expect(stdout).toMatch(
      new RegExp(
        `\\ndice\\s+1\\s+12\\s+${ma.toFixed(4)}\\s+${mb.toFixed(4)}\\s+${(mb - ma).toFixed(4)} \\[0\\.\\d{4}, 0\\.\\d{4}\\]\\s+0\\.0010\\s+exact\\s+0\\.0059\\s+B\\n`,
      ),
    );
    expect(stdout).toMatch(
      /\ndice\s+2\s+12\s+0\.9474\s+0\.9474\s+0\.0000 \[nan, nan\]\s+nan\s+-\s+nan\s+-\n/,
    );
    expect(stdout).toMatch(
      /Wilcoxon signed-rank, two-sided, zeros dropped \(zero_method='wilcox'\), no continuity correction/,
    );
  });

  it('the JSON records the models, the statistics settings and every image pair', () => {
    expect(res.schema).toBe('segkit.compare');
    expect(res.models.map((m) => [m.name, m.source, m.path])).toEqual([
      ['A', 'pred', 'a'],
      ['B', 'pred', 'b'],
    ]);
    expect(res.statistics.ci).toEqual({
      level: 0.95,
      resamples: 2000,
      seed: 0,
      method: 'bca',
      unit: 'image',
    });
    expect(res.statistics.test).toMatchObject({
      zeroMethod: 'wilcox',
      correction: false,
      exactMaxN: 50,
      adjust: 'holm',
    });
    expect(res.comparisons[0].images.map((p) => p.id)).toEqual(Array.from({ length: N }, (_, i) => id(i)));
  });

  it('the report holds the tables, the worst regressions and the paired plots', () => {
    const html = readFileSync(join(d, 'cmp.html'), 'utf8');
    expect(html).toContain('<table class="cmp" id="rows-0">');
    expect(html).toMatch(/<table id="worst-0">.*\n<tr><td>img00<\/td>/);
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(html)![1]) as {
      charts: { id: string; spec: { type: string; datasets: { data: unknown[] }[] } }[];
    };
    expect(data.charts.map((c) => `${c.id}:${c.spec.type}`)).toEqual([
      'diff-0-scores:barWithErrorBars',
      'paired-0:scatter',
      'sorted-0:bar',
    ]);
    expect(data.charts[1].spec.datasets[0].data).toHaveLength(N);
    expect(html).toContain('<p class="note">The 1 image(s) where B is most below A in dice');
  });

  it('without a regression the report says so instead of an empty "worst" table', () => {
    // C = B on every image: no image where the second model is below the first.
    const r = segkit(
      ['compare', '--gt', 'gt', '--pred', 'b', '--pred', 'c', ...common, '--report', 'same.html'],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(d, 'same.html'), 'utf8');
    expect(html).not.toContain('<table id="worst-0">');
    expect(html).toContain(
      '<p class="note" id="worst-0">No image where B is below A in dice averaged over the foreground classes.</p>',
    );
    expect(html).toContain(`"subtitle":"All ${N} images."`);
  });
});

describe('segkit compare from states, mixed, several models', () => {
  it('--state a --state b gives the comparisons of --pred a --pred b (nothing decoded twice)', () => {
    const r = segkit(
      ['compare', '--state', 'a.state.json', '--state', 'b.state.json', '--json', 's.json'],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readJson<CompareResult>('s.json').comparisons).toEqual(
      readJson<CompareResult>('cmp.json').comparisons,
    );
  });

  it('--state a --pred b mixes (states first); a third model is compared with the baseline too', () => {
    const r = segkit(
      [
        'compare',
        '--state',
        'a.state.json',
        '--gt',
        'gt',
        '--pred',
        'b',
        '--pred',
        'c',
        ...common,
        '--json',
        'm.json',
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    const res = readJson<CompareResult>('m.json');
    expect(res.models.map((m) => [m.name, m.source])).toEqual([
      ['A', 'state'],
      ['B', 'pred'],
      ['C', 'pred'],
    ]);
    expect(res.comparisons.map((c) => [c.model, c.against])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    expect(res.comparisons[1].rows).toEqual(res.comparisons[0].rows);
    expect(res.comparisons[0].rows).toEqual(readJson<CompareResult>('cmp.json').comparisons[0].rows);
  });

  it('the same seed gives byte-identical JSON; another seed changes only the intervals', () => {
    const run = (seed: string) =>
      segkit(
        [
          'compare',
          '--state',
          'a.state.json',
          '--state',
          'b.state.json',
          '--seed',
          seed,
          '--bootstrap',
          '500',
          '--json',
          '-',
        ],
        d,
      ).stdout;
    const x = run('4');
    expect(run('4')).toBe(x);
    const y = run('5');
    expect(y).not.toBe(x);
    const strip = (s: string) =>
      JSON.stringify(JSON.parse(s), (k, v: unknown) => (k === 'ci' || k === 'seed' ? undefined : v));
    expect(strip(y)).toBe(strip(x));
  });
});

describe('segkit compare --help', () => {
  it('prints the stored usage text: the eval options it shares, its own, the exit codes', () => {
    const r = segkit(['compare', '--help'], d);
    const stored = join(root, 'test/cli/usage/compare.txt');
    if (process.env.UPDATE_USAGE) writeFileSync(stored, r.stdout);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(stored, 'utf8'));
    expect(r.stdout).toMatch(/--num-classes <n>/);
    expect(r.stdout).not.toMatch(/--shard|--csv/);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}success/);
  });
});

describe('segkit compare errors', () => {
  it('a state of other classes → exit 1 naming the file', () => {
    expect(
      segkit(['eval', '--gt', 'gt', '--pred', 'b', '--num-classes', '4', '--state', 'b4.json'], d).status,
    ).toBe(0);
    const r = segkit(['compare', '--state', 'a.state.json', '--state', 'b4.json'], d);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "segkit compare: --state 'b4.json' and --state 'a.state.json' have different class counts (4 and 3); compare evaluations of the same classes.\n",
    );
  });

  it('other settings → exit 1 naming the setting', () => {
    expect(
      segkit(['eval', '--gt', 'gt', '--pred', 'b', ...common, '--metrics', 'dice', '--state', 'bd.json'], d)
        .status,
    ).toBe(0);
    const r = segkit(['compare', '--state', 'a.state.json', '--state', 'bd.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^segkit compare: --state 'bd\.json' and --state 'a\.state\.json' were evaluated with different metrics \(\["dice"\] and \["dice","iou","precision","recall"\]\)\.\n$/,
    );
  });

  it('a state of another dataset → exit 1 naming the file', () => {
    expect(
      segkit(['eval', '--gt', 'gt_other', '--pred', 'gt_other', ...common, '--state', 'other.json'], d)
        .status,
    ).toBe(0);
    const r = segkit(['compare', '--state', 'a.state.json', '--state', 'other.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^segkit compare: --state 'other\.json' and --state 'a\.state\.json' are evaluations of different ground truths \('gt_other' and 'gt' list different files\)/,
    );
  });

  it('mismatched image sets → exit 1 listing the images', () => {
    // gt_sub holds the same files as gt but one: a different listing; use the same gt with --allow-missing instead.
    expect(
      segkit(
        ['eval', '--gt', 'gt', '--pred', 'b_sub', ...common, '--allow-missing', '--state', 'bsub.json'],
        d,
      ).status,
    ).toBe(0);
    const r = segkit(['compare', '--state', 'a.state.json', '--state', 'bsub.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "segkit compare: --state 'bsub.json' and --state 'a.state.json' evaluated different images: 1 missing from the former (img11), 0 not in the latter; images pair by id.\n",
    );
  });

  it('a prediction folder that does not pair with --gt → exit 1 from its evaluation', () => {
    const r = segkit(['compare', '--gt', 'gt', '--pred', 'a', '--pred', 'b_sub', ...common], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/segkit compare: the folders do not pair up/);
  });

  it('a shard state → exit 1: merge first', () => {
    expect(
      segkit(['eval', '--gt', 'gt', '--pred', 'b', ...common, '--shard', '1/2', '--state', 'shard.json'], d)
        .status,
    ).toBe(0);
    const r = segkit(['compare', '--state', 'a.state.json', '--state', 'shard.json'], d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--state 'shard\.json' is shard 1\/2; merge the shards first/);
  });

  it.each([
    [
      ['--state', 'a.state.json'],
      /compare needs at least two models \(--pred folders and --state files\); got 1\./,
    ],
    [['--pred', 'a', '--pred', 'b', '--num-classes', '3'], /--pred needs --gt \(the ground-truth folder\)\./],
    [['--gt', 'gt', '--state', 'a.state.json', '--state', 'b.state.json'], /--gt is only used with --pred\./],
    [
      ['--state', 'a.state.json', '--state', 'b.state.json', '--alpha', '2'],
      /--alpha must be a number in \[0, 1\]; got "2"\./,
    ],
    [
      ['--state', 'a.state.json', '--state', 'b.state.json', '--ci', '0'],
      /--ci must be a number in \(0, 1\)/,
    ],
    [['--state', 'a.state.json', '--state', 'missing.json'], /--state 'missing\.json' cannot be read\./],
    [
      ['--gt', 'gt', '--pred', 'a', '--pred', 'b', '--num-classes', '3', '--json', 'a/x.png'],
      /--json 'a\/x\.png' lies inside --pred 'a' and would be read as a mask/,
    ],
  ])('usage error (exit 2): %j', (args, message) => {
    const r = segkit(['compare', ...args], d);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
