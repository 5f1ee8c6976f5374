/**
 * Issue 12, "Many classes": per-image counts are sparse end to end (core accumulator, its JSON state, the eval
 * state, merge, the JSON result). `--num-classes 8000` took 3.75 GB and 50 s on one 16×16 pair, 65,536 ran out
 * of heap. The speed of 8,000 classes is measured in bench/cli.bench.ts, not here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../../src/core/evaluation/confusionMatrix.js';
import type { ConfusionState, ImageCounts } from '../../../src/core/evaluation/types.js';
import { bin } from '../../cli/helpers.js';
import { grayPng } from '../../io/fixtures.js';
import { ensureBuilt, evalArgs, put, readJson, tempDir } from '../helpers.js';

const SEED = 120_065_536;

/** The dense reference: the C×C matrix and per-image tp/fp/fn/tn counted pixel by pixel. */
function denseReference(
  gt: ArrayLike<number>,
  pred: ArrayLike<number>,
  N: number,
  C: number,
  ignore: number | null,
): { matrix: number[][]; rows: ImageCounts[] } {
  const matrix = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const rows: ImageCounts[] = [];
  const P = gt.length / N;
  for (let b = 0; b < N; b++) {
    const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
    let n = 0;
    for (let i = b * P; i < (b + 1) * P; i++) {
      if (gt[i] === ignore) continue;
      m[gt[i]][pred[i]]++;
      matrix[gt[i]][pred[i]]++;
      n++;
    }
    const tp = m.map((row, c) => row[c]);
    const fn = m.map((row, c) => row.reduce((a, v) => a + v, 0) - tp[c]);
    const fp = tp.map((t, c) => m.reduce((a, row) => a + row[c], 0) - t);
    rows.push({ id: `img${b}`, tp, fp, fn, tn: tp.map((t, c) => n - t - fp[c] - fn[c]) });
  }
  return { matrix, rows };
}

/** A random batch: N images of P pixels, labels in [0, C) (a few set to `ignore`). */
const batch = fc
  .record({
    C: fc.integer({ min: 1, max: 400 }),
    N: fc.integer({ min: 1, max: 3 }),
    P: fc.integer({ min: 1, max: 300 }),
    ignore: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ C, N, P, ignore, seed }) => {
    let s = seed;
    const rand = (k: number): number => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % k;
    };
    // Few distinct labels per image as in real masks, sometimes anything in [0, C).
    const pool = Array.from({ length: 1 + rand(6) }, () => rand(C));
    const label = (): number => (rand(4) === 0 ? rand(C) : pool[rand(pool.length)]);
    const gt = Int32Array.from({ length: N * P }, () => (ignore && rand(10) === 0 ? 65535 : label()));
    const pred = Int32Array.from({ length: N * P }, label);
    return { C, N, P, gt, pred, ignore: ignore ? 65535 : null };
  });

describe('ConfusionMatrix keeps per-image counts sparse, with the numbers of the dense path', () => {
  it('stats, per-image rows and matrix equal a dense pixel-by-pixel count (random C ≤ 400: both counting paths)', () => {
    fc.assert(
      fc.property(batch, ({ C, N, P, gt, pred, ignore }) => {
        const ref = denseReference(gt, pred, N, C, ignore);
        const ids = ref.rows.map((r) => r.id!);
        const cm = new ConfusionMatrix({ numClasses: C, ignoreIndex: ignore, perImage: true });
        cm.update({ data: gt, shape: [N, P] }, { data: pred, shape: [N, P] }, { ids });
        expect(cm.matrix()).toEqual(ref.matrix);
        expect(cm.imageStats()).toEqual(ref.rows);
        const tot = (k: 'tp' | 'fp' | 'fn' | 'tn'): number[] =>
          Array.from({ length: C }, (_, c) => ref.rows.reduce((a, r) => a + r[k][c], 0));
        expect(cm.stats()).toEqual({ tp: tot('tp'), fp: tot('fp'), fn: tot('fn'), tn: tot('tn') });
        // The state round-trips, and one image at a time merged equals the batch.
        const back = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm.toJSON())) as ConfusionState);
        expect(back.toJSON()).toEqual(cm.toJSON());
        const merged = new ConfusionMatrix({ numClasses: C, ignoreIndex: ignore, perImage: true });
        for (let b = 0; b < N; b++) {
          const one = new ConfusionMatrix({ numClasses: C, ignoreIndex: ignore, perImage: true });
          const sl = (a: Int32Array) => ({ data: a.subarray(b * P, (b + 1) * P), shape: [1, P] });
          merged.merge(one.update(sl(gt), sl(pred), { ids: [ids[b]] }).toJSON());
        }
        expect(merged.toJSON()).toEqual(cm.toJSON());
        for (const reduction of ['macro-imagewise', 'micro', 'none'] as const)
          expect(merged.compute('dice', { reduction })).toEqual(cm.compute('dice', { reduction }));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('a version-1 (dense) state reads into the same accumulator as the version-2 state of the same counts', () => {
    fc.assert(
      fc.property(batch, ({ C, N, P, gt, pred, ignore }) => {
        const ref = denseReference(gt, pred, N, C, ignore);
        const cm = new ConfusionMatrix({ numClasses: C, ignoreIndex: ignore, perImage: true });
        cm.update(
          { data: gt, shape: [N, P] },
          { data: pred, shape: [N, P] },
          { ids: ref.rows.map((r) => r.id!) },
        );
        const v1: ConfusionState = {
          ...cm.toJSON(),
          version: 1,
          cells: undefined,
          matrix: ref.matrix,
          ...cm.stats(),
          rows: ref.rows,
        };
        expect(ConfusionMatrix.fromJSON(v1).toJSON()).toEqual(cm.toJSON());
      }),
      { seed: SEED + 1, numRuns: 25 },
    );
  });

  it('65,536 classes on a 16×16 image: a state of the non-zero counts only; matrix() refuses, cells() lists them', () => {
    const C = 65536;
    const gt = Uint16Array.from({ length: 256 }, (_, i) => (i < 128 ? 65535 : i % 3));
    const pred = Uint16Array.from({ length: 256 }, (_, i) => (i < 128 ? (i < 100 ? 65535 : 7) : i % 3));
    const cm = new ConfusionMatrix({ numClasses: C, perImage: true });
    cm.update({ data: gt, shape: [1, 16, 16] }, { data: pred, shape: [1, 16, 16] }, { ids: ['big'] });
    // 128 pixels of gt 65535: 100 predicted 65535, 28 predicted 7; 128 pixels of i % 3 predicted right
    // (i = 128..255: 43 of class 2 (128 = 3·42 + 2), 43 of class 0, 42 of class 1).
    expect(cm.cells()).toEqual([
      [0, 0, 43],
      [1, 1, 42],
      [2, 2, 43],
      [65535, 7, 28],
      [65535, 65535, 100],
    ]);
    const state = cm.toJSON();
    expect(state.rows).toEqual([
      {
        id: 'big',
        pixels: 256,
        counts: [0, 43, 0, 0, 1, 42, 0, 0, 2, 43, 0, 0, 7, 0, 28, 0, 65535, 100, 0, 28],
      },
    ]);
    // Nothing of size C in the state: the whole JSON text is under 1 KB.
    expect(JSON.stringify(state).length).toBeLessThan(1024);
    expect(() => cm.matrix()).toThrow(
      /ConfusionMatrix\.matrix: numClasses must be at most 4096 for a dense matrix; got 65536 \(cells\(\) lists the non-zero counts\)\./,
    );
    const dice = cm.compute('dice', { reduction: 'none' }).value as number[][];
    expect(dice[0][7]).toBe(0); // 28 predicted, none right: 0 / 28
    expect(dice[0][65535]).toBe((2 * 100) / (2 * 100 + 28));
    expect(Number.isNaN(dice[0][9])).toBe(true); // absent from both: NaN (default)
  });

  it('fromJSON refuses malformed sparse counts, naming the field', () => {
    const cm = new ConfusionMatrix({ numClasses: 4, perImage: true }).update(
      { data: [0, 1, 1, 3], shape: [1, 4] },
      { data: [0, 1, 2, 3], shape: [1, 4] },
      { ids: ['a'] },
    );
    const ok = cm.toJSON();
    expect(ok.cells).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 1, 3, 3, 1]);
    const bad = (edit: Partial<ConfusionState>) => () => ConfusionMatrix.fromJSON({ ...ok, ...edit });
    expect(bad({ cells: [0, 0, 1, 1] })).toThrow(/state\.cells must be a flat list of triples/);
    expect(bad({ cells: [1, 1, 1, 0, 0, 1] })).toThrow(
      /state\.cells must hold classes in \[0, 3\] sorted by \(gt, pred\) without repeats, with counts ≥ 1; got \[0, 0, 1\] at triple 1\./,
    );
    expect(bad({ cells: [0, 4, 1] })).toThrow(/got \[0, 4, 1\] at triple 0\./);
    expect(bad({ cells: [0, 0, 0] })).toThrow(/got \[0, 0, 0\] at triple 0\./);
    const row = (counts: number[], pixels = 4) => ({ rows: [{ id: 'a', pixels, counts }] });
    expect(bad(row([0, 1, 0, 0, 1, 1, 0, 1, 2, 0, 1, 0]))).toThrow(
      /state\.rows\[0\]: tp \+ fn and tp \+ fp summed over classes must both equal pixels \(4\); got 3 and 3\./,
    );
    expect(bad(row([1, 1, 0, 0, 0, 1, 0, 0]))).toThrow(
      /state\.rows\[0\]\.counts must list increasing classes in \[0, 3\].*got \[0, 1, 0, 0\] at class entry 1\./,
    );
    expect(bad(row([0, 1, 0, 0], 4.5))).toThrow(
      /state\.rows\[0\]\.pixels must be an integer ≥ 0; got 4\.5\./,
    );
    expect(bad({ version: 3 as 2 })).toThrow(/state\.version must be 1 or 2; got 3\./);
  });
});

describe('segkit eval and merge with 65,536 classes (16-bit PNGs)', () => {
  const tmp = tempDir('segkit-adv-classes-');
  afterAll(tmp.cleanup);
  const d = tmp.dir;
  // 3 pairs of 8×8 16-bit masks with labels spread over [0, 65535].
  const gtOf = (k: number) => Array.from({ length: 64 }, (_, i) => [0, 300 * k + 1, 65535, 40000 + k][i % 4]);
  const predOf = (k: number) => gtOf(k).map((v, i) => (i % 8 === 0 ? 12345 : v));

  beforeAll(() => {
    ensureBuilt();
    for (let k = 0; k < 3; k++) {
      put(join(d, 'gt', `c${k}.png`), grayPng(gtOf(k), 8, 8, 16));
      put(join(d, 'pred', `c${k}.png`), grayPng(predOf(k), 8, 8, 16));
    }
  });

  // The terminal table has one line per class (65,535 lines): more than spawnSync's default 1 MB buffer.
  const segkit = (a: readonly string[], cwd: string) => {
    const r = spawnSync(process.execPath, [bin, ...a], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 << 20,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  // evalArgs with --num-classes (argument 6) 65536.
  const args = (...extra: string[]) => {
    const a = evalArgs('--metrics', 'dice', ...extra);
    a[6] = '65536';
    return a;
  };

  it('evaluates, writes the non-zero confusion cells, and the merge of 2 shards gives the same bytes', () => {
    const r = segkit(args('--json', 'single.json'), d);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(1 + 65535 + 1 + 1); // head, classes, foreground mean, ''
    const json = readJson(join(d, 'single.json')) as {
      confusion: null;
      confusionCells: [number, number, number][];
      classes: { index: number; support: number; predicted: number }[];
      images: { metrics: { dice: (number | string)[] } }[];
      dataset: { pixels: number };
    };
    expect(json.confusion).toBeNull();
    const ref = new Map<string, number>();
    for (let k = 0; k < 3; k++) {
      const [g, p] = [gtOf(k), predOf(k)];
      for (let i = 0; i < 64; i++) ref.set(`${g[i]},${p[i]}`, (ref.get(`${g[i]},${p[i]}`) ?? 0) + 1);
    }
    const want = [...ref]
      .map(([k, v]) => [...k.split(',').map(Number), v])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(json.confusionCells).toEqual(want);
    expect(json.dataset.pixels).toBe(3 * 64);
    expect(json.classes).toHaveLength(65535); // background excluded
    // Class 65535: gt at i % 4 == 2 (16 pixels per image, none at i % 8 == 0): all right.
    expect(json.classes[65534]).toMatchObject({ index: 65535, support: 48, predicted: 48 });
    // Class 12345: predicted at i % 8 == 0 (8 per image), never in gt.
    expect(json.classes[12344]).toMatchObject({ support: 0, predicted: 24 });
    // Image 0, class 1: gt at i % 4 == 1 (16 pixels), all right: dice 1; class 40000: 16 pixels, all right.
    expect(json.images[0].metrics.dice[0]).toBe(1);
    expect(json.images[0].metrics.dice[39999]).toBe(1);
    expect(json.images[0].metrics.dice[5]).toBe('NaN');

    for (const k of [1, 2]) {
      const s = segkit(args('--shard', `${k}/2`, '--state', `s${k}.json`), d);
      expect(s.status, s.stderr).toBe(0);
      // Besides the settings (65,536 class names), the state holds sparse rows: far below 65,536 numbers.
      const text = readFileSync(join(d, `s${k}.json`), 'utf8');
      const settings = JSON.stringify((JSON.parse(text) as { settings: unknown }).settings);
      expect(text.length - settings.length).toBeLessThan(10_000);
    }
    const m = segkit(['merge', 's1.json', 's2.json', '--json', 'merged.json'], d);
    expect(m.status, m.stderr).toBe(0);
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
  }, 480_000); // four 65,536-class CLI runs: ≈ 10 s each on a quiet machine, 30–40 s each on a loaded one

  it('the report of more than 1024 classes says the confusion matrix is not drawn', () => {
    const r = segkit(args('--report', 'r.html', '--quiet'), d);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(d, 'r.html'), 'utf8')).toMatch(
      /Not drawn: 65536 classes \(more than 1024\); the JSON lists the \d+ non-zero cells/,
    );
  });
});
