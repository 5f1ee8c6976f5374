/**
 * `segkit eval --ci` and `segkit merge --ci` (issue 14, part 1): bootstrap intervals over images in the table,
 * the JSON and the report; BCa checked end to end against scipy.stats.bootstrap on a constructed folder
 * (test/fixtures/scipy-cli-ci.json, made by scripts/fixtures/scipy_cli_ci.py; no Python needed here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grayPng, put, tempDir } from '../io/fixtures.js';
import { bootstrapMeans } from '../../src/core/evaluation/stats/bootstrap.js';
import type { EvalResult } from '../../src/cli/eval/schema.js';
import { ensureBuilt, root, segkit } from './helpers.js';

interface Fixture {
  scipy_version: string;
  resamples: number;
  level: number;
  images: [number, number, number][][];
  cases: {
    value: 'class 1' | 'class 2' | 'foreground mean';
    method: 'BCa' | 'percentile';
    estimate: number;
    interval: [number, number];
    standard_error: number;
  }[];
}
const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/scipy-cli-ci.json'), 'utf8')) as Fixture;

const tmp = tempDir('segkit-ci-');
afterAll(tmp.cleanup);
const dir = (name: string) => join(tmp.dir, name);

/** The 1×L strips of the fixture: per class c, tp pixels c/c, fn pixels c/0, fp pixels 0/c, then one 0/0 pixel. */
function strips(images: Fixture['images']): { gt: number[]; pred: number[] }[] {
  return images.map((counts) => {
    const gt: number[] = [0];
    const pred: number[] = [0];
    const add = (times: number, g: number, p: number) => {
      for (let i = 0; i < times; i++) {
        gt.push(g);
        pred.push(p);
      }
    };
    counts.forEach(([tp, fp, fn], k) => {
      add(tp, k + 1, k + 1);
      add(fn, k + 1, 0);
      add(fp, 0, k + 1);
    });
    return { gt, pred };
  });
}

function scipyFolder(): string {
  const d = dir('scipy');
  strips(fixture.images).forEach(({ gt, pred }, i) => {
    const id = `img${String(i).padStart(2, '0')}.png`;
    put(join(d, 'gt', id), grayPng(gt, gt.length, 1));
    put(join(d, 'pred', id), grayPng(pred, pred.length, 1));
  });
  return d;
}

const base = ['--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--workers', '1'];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as EvalResult;
const num = (v: unknown) => (typeof v === 'number' ? v : NaN);

beforeAll(() => {
  ensureBuilt();
  scipyFolder();
});

describe('segkit eval --ci against scipy.stats.bootstrap (50,000 resamples)', () => {
  const results: Partial<Record<'bca' | 'percentile', EvalResult>> = {};
  beforeAll(() => {
    for (const method of ['bca', 'percentile'] as const) {
      const out = `ci-${method}.json`;
      const r = segkit(
        [
          'eval',
          ...base,
          '--metrics',
          'dice',
          '--ci',
          String(fixture.level),
          '--bootstrap',
          String(fixture.resamples),
          '--seed',
          '3',
          '--ci-method',
          method,
          '--json',
          out,
        ],
        dir('scipy'),
      );
      expect(r.status, r.stderr).toBe(0);
      results[method] = readJson(join(dir('scipy'), out));
    }
  });
  const pick = (res: EvalResult, value: Fixture['cases'][number]['value']) =>
    value === 'foreground mean'
      ? { est: num(res.foregroundMean.dice), iv: res.foregroundMeanCi!.dice! }
      : {
          est: num(res.classes[value === 'class 1' ? 0 : 1].metrics.dice!.mean),
          iv: res.classes[value === 'class 1' ? 0 : 1].metrics.dice!.ci!,
        };

  it.each(fixture.cases.map((c) => [`${c.method} ${c.value}`, c] as const))(
    '%s: the interval of the CLI is scipy.stats.bootstrap’s within Monte-Carlo error',
    (_, c) => {
      const res = results[c.method === 'BCa' ? 'bca' : 'percentile']!;
      const { est, iv } = pick(res, c.value);
      expect(est).toBeCloseTo(c.estimate, 12);
      // Two 50,000-resample estimates of a 2.5 % quantile differ by about 0.02 standard errors (1 sd).
      const tol = 0.06 * c.standard_error;
      expect(Math.abs(num(iv[0]) - c.interval[0])).toBeLessThan(tol);
      expect(Math.abs(num(iv[1]) - c.interval[1])).toBeLessThan(tol);
    },
  );

  it('the test tells BCa from percentile: scipy’s two intervals differ by more than the tolerance', () => {
    for (const value of ['class 1', 'class 2', 'foreground mean'] as const) {
      const [bca, pct] = (['BCa', 'percentile'] as const).map((m) =>
        fixture.cases.find((c) => c.value === value && c.method === m)!,
      );
      const gap = Math.max(
        Math.abs(bca.interval[0] - pct.interval[0]),
        Math.abs(bca.interval[1] - pct.interval[1]),
      );
      expect(gap, value).toBeGreaterThan(0.06 * bca.standard_error);
    }
  });

  it('the foreground mean gets the interval of its own replicates, not a mean of the class intervals', () => {
    const res = results.bca!;
    const fg = res.foregroundMeanCi!.dice!.map(num);
    const classes = [0, 1].map((k) => res.classes[k].metrics.dice!.ci!.map(num));
    // The classes vary partly independently, so the mean's interval is narrower than the mean of the intervals.
    expect(fg[1] - fg[0]).toBeLessThan(
      ((classes[0][1] - classes[0][0] + classes[1][1] - classes[1][0]) / 2) * 0.9,
    );
    // macro-imagewise over the classes 1, 2 is the foreground mean: the same group, the same interval.
    expect(res.summary.dice!.ci).toEqual(res.foregroundMeanCi!.dice);
  });

  it('records the settings in the JSON `ci` block', () => {
    expect(results.bca!.ci).toEqual({
      level: 0.95,
      resamples: 50000,
      seed: 3,
      method: 'bca',
      unit: 'image',
    });
    expect(results.percentile!.ci!.method).toBe('percentile');
  });
});

describe('segkit eval --ci: table, seed, reductions, merge', () => {
  it('the table shows [lower, upper] after each image mean and says what they are', () => {
    const r = segkit(['eval', ...base, '--ci', '0.9', '--bootstrap', '500'], dir('scipy'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^1\s+0\.7402 ± \d\.\d{4} \[0\.\d{4}, 0\.\d{4}\]\s/);
    expect(lines[3]).toMatch(/^foreground mean\s+0\.7367 \[0\.\d{4}, 0\.\d{4}\]\s/);
    expect(lines.at(-1)).toBe(
      '[lower, upper]: 90% BCa bootstrap interval over images (500 resamples, seed 0); pooled values have none.',
    );
    const plain = segkit(['eval', ...base], dir('scipy'));
    expect(plain.stdout).not.toMatch(/\[|bootstrap/);
  });

  it('the same seed gives byte-identical output; another seed other intervals', () => {
    const run = (seed: string) =>
      segkit(
        ['eval', ...base, '--ci', '0.95', '--bootstrap', '300', '--seed', seed, '--json', '-'],
        dir('scipy'),
      ).stdout;
    const a = run('11');
    expect(run('11')).toBe(a);
    const b = run('12');
    expect(b).not.toBe(a);
    // Only the intervals and the seed differ.
    const strip = (s: string) =>
      JSON.stringify(JSON.parse(s), (k, v: unknown) =>
        k === 'ci' || k === 'foregroundMeanCi' ? undefined : v,
      );
    expect(strip(b)).toBe(strip(a));
  });

  it('the interval of each class mean is the core bootstrap of the per-image column of the JSON', () => {
    const r = segkit(
      [
        'eval',
        ...base,
        '--ci',
        '0.8',
        '--bootstrap',
        '400',
        '--seed',
        '5',
        '--ci-method',
        'percentile',
        '--json',
        '-',
      ],
      dir('scipy'),
    );
    const res = JSON.parse(r.stdout) as EvalResult;
    const cols = [0, 1].map((k) => res.images.map((img) => num(img.metrics.dice![k])));
    // One draw of n images serves every column, and the draws depend only on the seed and n, not on how many
    // columns there are: the CLI's replicates of a class column are those of a bootstrap of that column alone.
    const alone = bootstrapMeans(cols, { ci: 0.8, resamples: 400, seed: 5, method: 'percentile' });
    expect(res.classes[0].metrics.dice!.ci).toEqual([alone[0].lower, alone[0].upper]);
    expect(res.classes[1].metrics.dice!.ci).toEqual([alone[1].lower, alone[1].upper]);
  });

  it('imagewise summaries get an interval; pooled ones (micro, macro, weighted) and pooled values do not', () => {
    const summary = (red: string) => {
      const r = segkit(
        [
          'eval',
          ...base,
          '--metrics',
          'dice',
          '--reduction',
          red,
          '--ci',
          '0.95',
          '--bootstrap',
          '300',
          '--json',
          '-',
        ],
        dir('scipy'),
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as EvalResult;
    };
    for (const red of ['micro-imagewise', 'weighted-imagewise', 'macro-imagewise']) {
      const s = summary(red).summary.dice!;
      const [lo, hi] = s.ci!.map(num);
      expect(lo, red).toBeLessThan(num(s.value));
      expect(hi, red).toBeGreaterThan(num(s.value));
    }
    for (const red of ['micro', 'macro', 'weighted']) {
      const res = summary(red);
      expect(res.summary.dice!.ci, red).toBeUndefined();
      expect(res.classes[0].pooled.dice).toEqual(expect.any(Number));
      expect(res.classes[0].metrics.dice!.ci).toEqual([expect.any(Number), expect.any(Number)]);
    }
  });

  it('segkit merge --ci of 3 shards gives byte-identical JSON to one run with the same flags', () => {
    const d = dir('scipy');
    const ci = ['--ci', '0.95', '--bootstrap', '700', '--seed', '9'];
    expect(segkit(['eval', ...base, ...ci, '--json', 'single.json'], d).status).toBe(0);
    for (const k of [1, 2, 3])
      expect(segkit(['eval', ...base, '--shard', `${k}/3`, '--state', `s${k}.json`], d).status).toBe(0);
    const m = segkit(['merge', 's2.json', 's3.json', 's1.json', ...ci, '--json', 'merged.json'], d);
    expect(m.status, m.stderr).toBe(0);
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
  });

  it('the report lists the intervals and draws them as the error bars of the per-class bars', () => {
    const d = dir('scipy');
    const r = segkit(
      [
        'eval',
        ...base,
        '--metrics',
        'dice,iou',
        '--ci',
        '0.9',
        '--bootstrap',
        '300',
        '--json',
        'r.json',
        '--report',
        'r.html',
      ],
      d,
    );
    expect(r.status, r.stderr).toBe(0);
    const res = readJson(join(d, 'r.json'));
    const html = readFileSync(join(d, 'r.html'), 'utf8');
    expect(html).toContain('<th>90% CI</th>');
    expect(html).toContain('90% BCa bootstrap interval over images (300 resamples, seed 0)');
    const [lo, hi] = res.classes[0].metrics.dice!.ci!.map(num);
    expect(html).toContain(`data-lower="${lo}" data-upper="${hi}"`);
    const fg = res.foregroundMeanCi!.iou!.map(num);
    expect(html).toContain(`data-lower="${fg[0]}" data-upper="${fg[1]}"`);
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(html)![1]) as {
      charts: {
        id: string;
        spec: { title: string; datasets: { data: { yMin: number; yMax: number }[] }[] };
      }[];
    };
    const bars = data.charts.find((c) => c.id === 'bars')!.spec;
    expect(bars.title).toMatch(/error bars: 90% BCa bootstrap interval/);
    const six = (v: number) => Number(v.toPrecision(6));
    expect(bars.datasets[0].data[1]).toMatchObject({
      yMin: six(num(res.classes[1].metrics.dice!.ci![0])),
      yMax: six(num(res.classes[1].metrics.dice!.ci![1])),
    });
  });

  it('--summary-csv: one row per class and metric, the foreground means and summaries, with the intervals', () => {
    const d = dir('scipy');
    const args = [...base, '--metrics', 'dice,iou', '--ci', '0.9', '--bootstrap', '200'];
    const r = segkit(['eval', ...args, '--json', 's.json', '--summary-csv', 's.csv'], d);
    expect(r.status, r.stderr).toBe(0);
    const res = readJson(join(d, 's.json'));
    const lines = readFileSync(join(d, 's.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('row,class,name,metric,value,std,n,skipped,reduction,ci_level,ci_lower,ci_upper');
    expect(lines).toHaveLength(1 + 2 * 2 + 2 + 2);
    const s = res.classes[1].metrics.iou!;
    expect(lines[4]).toBe(
      `class,2,2,iou,${s.mean},${s.std},${s.n},${s.skipped},mean over images,0.9,${s.ci![0]},${s.ci![1]}`,
    );
    const fg = res.foregroundMeanCi!.dice!;
    expect(lines[5]).toBe(
      `foreground mean,,,dice,${res.foregroundMean.dice},,,,mean over foreground classes,0.9,${fg[0]},${fg[1]}`,
    );
    const sum = res.summary.iou!;
    expect(lines[8]).toBe(
      `summary,,,iou,${sum.value},,,${sum.skipped},macro-imagewise,0.9,${sum.ci![0]},${sum.ci![1]}`,
    );
    const plain = segkit(['eval', ...base, '--metrics', 'dice', '--summary-csv', '-'], d);
    expect(plain.stdout.split('\n')[1]).toMatch(
      /^class,1,1,dice,0\.7402\d+,[\d.]+,14,0,mean over images,,,$/,
    );
  });

  it('infinite distance means get no interval ("NaN" ends), finite ones do', () => {
    const d = dir('inf');
    // a: class 1 in both masks; b: class 1 only in the ground truth (hd = Infinity); c: identical.
    put(join(d, 'gt/a.png'), grayPng([1, 1, 0, 0], 4, 1));
    put(join(d, 'pred/a.png'), grayPng([0, 1, 1, 0], 4, 1));
    put(join(d, 'gt/b.png'), grayPng([1, 1, 0, 0], 4, 1));
    put(join(d, 'pred/b.png'), grayPng([0, 0, 0, 0], 4, 1));
    put(join(d, 'gt/c.png'), grayPng([1, 1, 0, 0], 4, 1));
    put(join(d, 'pred/c.png'), grayPng([1, 1, 0, 0], 4, 1));
    const args = 'eval --gt gt --pred pred --num-classes 2 --metrics dice,hd --ci 0.95 --json -';
    const r = segkit(args.split(' '), d);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as EvalResult;
    expect(res.classes[0].metrics.hd!.mean).toBe('Infinity');
    expect(res.classes[0].metrics.hd!.ci).toEqual(['NaN', 'NaN']);
    expect(res.foregroundMeanCi!.hd).toEqual(['NaN', 'NaN']);
    expect(res.classes[0].metrics.dice!.ci!.map(num).every(Number.isFinite)).toBe(true);
  });
});

describe('segkit eval --ci: usage errors (exit 2)', () => {
  it.each([
    [['--seed', '3'], /--seed is only used with --ci \(e\.g\. --ci 0\.95\)\./],
    [['--bootstrap', '10'], /--bootstrap is only used with --ci/],
    [['--ci-method', 'bca'], /--ci-method is only used with --ci/],
    [['--ci', '1.5'], /--ci must be a number in \(0, 1\), e\.g\. 0\.95; got "1\.5"\./],
    [['--ci', '1'], /--ci must be a number in \(0, 1\), e\.g\. 0\.95; got "1"\./],
    [['--ci', 'x'], /--ci must be a number in \(0, 1\), e\.g\. 0\.95; got "x"\./],
    [['--ci', '0.9', '--bootstrap', '0'], /--bootstrap must be an integer in \[1, 10000000\]; got "0"\./],
    [['--ci', '0.9', '--seed', '-1'], /--seed must be an integer in \[0, 4294967295\]; got "-1"\./],
    [['--ci', '0.9', '--ci-method', 'basic'], /--ci-method must be one of bca, percentile; got "basic"\./],
    [
      ['--ci', '0.9', '--shard', '1/2', '--state', 's.json'],
      /--ci of a sharded run is given to segkit merge/,
    ],
  ])('%j', (extra, message) => {
    const r = segkit(['eval', ...base, ...extra], dir('scipy'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('segkit eval --ci with --regions and --lesions', () => {
  let res: EvalResult;
  beforeAll(() => {
    const r = segkit(
      [
        'eval',
        ...base,
        '--metrics',
        'dice,iou',
        '--regions',
        '{"one":[1],"two":[2],"both":[1,2]}',
        '--lesions',
        '--ci',
        '0.9',
        '--bootstrap',
        '500',
        '--seed',
        '5',
        '--json',
        'sections.json',
      ],
      dir('scipy'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/region one \{1\}.*\[/);
    res = readJson(join(dir('scipy'), 'sections.json'));
  });

  it('a one-label region gets the interval of its class (same images, same resamples), for every metric', () => {
    for (const m of ['dice', 'iou'] as const) {
      for (const [k, name] of [
        [0, 'one'],
        [1, 'two'],
      ] as const) {
        const region = res.regions!.regions.find((r) => r.name === name)!;
        expect(region.metrics[m]!.mean).toBe(res.classes[k].metrics[m]!.mean);
        expect(region.metrics[m]!.ci, `${m} ${name}`).toEqual(res.classes[k].metrics[m]!.ci);
      }
    }
  });

  it('the union region has its own interval around its mean, and the regions’ summary one from its own replicates', () => {
    const both = res.regions!.regions.find((r) => r.name === 'both')!.metrics.dice!;
    const [lo, hi] = both.ci!.map(num);
    expect(lo).toBeLessThanOrEqual(num(both.mean));
    expect(hi).toBeGreaterThanOrEqual(num(both.mean));
    const s = res.regions!.summary.dice!;
    expect(s.reduction).toBe('macro-imagewise');
    const [slo, shi] = s.ci!.map(num);
    expect(slo).toBeLessThan(shi);
    // Not the mean of the regions' ends: the summary's replicates are means of the three columns per resample.
    const regionLo = res.regions!.regions.map((r) => num(r.metrics.dice!.ci![0]));
    expect(slo).not.toBeCloseTo(regionLo.reduce((a, b) => a + b, 0) / regionLo.length, 12);
  });

  it('lesion rows: a one-label region gets its class’s interval; every interval brackets its mean', () => {
    const rows = res.lesions!.results;
    expect(rows.map((r) => r.name)).toEqual(['1', '2', 'one', 'two', 'both']);
    expect(rows[2].lesionDiceMean).toEqual(rows[0].lesionDiceMean);
    expect(rows[3].lesionDiceMean).toEqual(rows[1].lesionDiceMean);
    for (const r of rows) {
      const [lo, hi] = r.lesionDiceMean.ci!.map(num);
      expect(lo, r.name).toBeLessThanOrEqual(num(r.lesionDiceMean.mean));
      expect(hi, r.name).toBeGreaterThanOrEqual(num(r.lesionDiceMean.mean));
    }
  });
});
