/**
 * Issue 12, "a million image pairs in bounded memory": `segkit eval` and `segkit merge` keep per image only
 * counts and value columns, and write the per-image parts of their outputs (the JSON's `images`, the CSV rows,
 * the state's arrays) image by image from line files. These tests pin that the streamed files are byte for
 * byte what the in-memory writers give for the same state (`stringifyCompact(summarize(state))`, `formatCsv`,
 * `buildReport`, `JSON.stringify(state)`), with every section (surface metrics, `--ci`, `--regions`,
 * `--lesions`, `--panoptic`), and test the pieces: line files, the stdout copy, the worst-images heap, the
 * report's sample and the atomic group of files. Memory and time are measured in bench/cli.bench.ts only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Column, readLines, Scratch } from '../../../src/cli/eval/accumulate.js';
import { formatCsv, formatSummaryCsv } from '../../../src/cli/eval/format.js';
import { parseEvalOptions } from '../../../src/cli/eval/options.js';
import type { RawEvalOptions } from '../../../src/cli/eval/options.js';
import {
  buildReport,
  REPORT_SAMPLE_MAX,
  reportImages,
  reportSample,
  WorstImages,
  WORST_IMAGES,
} from '../../../src/cli/eval/report.js';
import { runEval, runMerge } from '../../../src/cli/eval/run.js';
import type { CliIO } from '../../../src/cli/eval/run.js';
import { stringifyCompact } from '../../../src/cli/eval/schema.js';
import type { EvalResult, ImageResult } from '../../../src/cli/eval/schema.js';
import { parseState } from '../../../src/cli/eval/state.js';
import { copyFileTo } from '../../../src/cli/eval/streamOutputs.js';
import { summarize } from '../../../src/cli/eval/summarize.js';
import { AtomicFiles } from '../../../src/io/writeFileAtomic.js';
import { dataset, tempDir } from '../helpers.js';

const SEED = 1204;
const tmp = tempDir('segkit-adv-stream-');
afterAll(tmp.cleanup);
const d = join(tmp.dir, 'data');

/** An io that collects stdout and stderr. */
function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false };
}

const base: RawEvalOptions = { gt: join(d, 'gt'), pred: join(d, 'pred'), numClasses: '3', workers: '0' };

/** Runs `segkit eval` in-process with every output; returns the files' texts. */
async function evalAll(name: string, raw: RawEvalOptions) {
  const f = (ext: string) => join(tmp.dir, `${name}.${ext}`);
  const opts = parseEvalOptions({
    ...base,
    ...raw,
    json: f('json'),
    csv: f('csv'),
    report: f('html'),
    summaryCsv: f('sum.csv'),
    state: f('state'),
  });
  const io = capture();
  expect(await runEval(opts, io)).toBe(0);
  const read = (ext: string) => readFileSync(f(ext), 'utf8');
  return {
    opts,
    io,
    json: read('json'),
    csv: read('csv'),
    html: read('html'),
    sum: read('sum.csv'),
    state: read('state'),
  };
}

beforeAll(() => {
  dataset(d, 23);
});

const CASES: [string, RawEvalOptions][] = [
  ['overlap metrics', {}],
  ['surface metrics with --ci', { metrics: 'dice,hd95,nsd', tolerance: '1', ci: '0.9', bootstrap: '200' }],
  [
    'regions, lesions, panoptic, micro-imagewise, --ci',
    {
      metrics: 'dice,iou,hd',
      regions: '{"FG":[1,2],"B":[2]}',
      lesions: true,
      panoptic: true,
      reduction: 'micro-imagewise',
      includeBackground: true,
      ci: '0.95',
      bootstrap: '100',
    },
  ],
  ['class names to quote in the CSV', { labels: 'bg,say "a",ñandú', reduction: 'weighted-imagewise' }],
];

describe('segkit eval streams its per-image outputs with the bytes of the in-memory writers', () => {
  it.each(CASES)('%s: JSON, CSV, report, summary CSV and state', async (name, raw) => {
    const r = await evalAll(name.replace(/\W+/g, '_'), raw);
    const state = parseState(r.state, 'state');
    expect(state.images).toHaveLength(23);
    const result = summarize(state, r.opts.ci);
    expect(r.json).toBe(stringifyCompact(result) + '\n');
    expect(r.csv).toBe(formatCsv(result));
    expect(r.html).toBe(buildReport(result));
    expect(r.sum).toBe(formatSummaryCsv(result));
    expect(r.state).toBe(JSON.stringify(state) + '\n');
    // The table on stdout, nothing else.
    expect(r.io.out.join('')).toMatch(/^class +dice/);
  });

  it('`--json -` prints the JSON file byte for byte, and the merge of 3 shards prints the same', async () => {
    const file = await evalAll('stdout_ref', CASES[2][1]);
    const io = capture();
    expect(await runEval(parseEvalOptions({ ...base, ...CASES[2][1], json: '-' }), io)).toBe(0);
    expect(io.out.join('')).toBe(file.json);
    const states = [1, 2, 3].map((k) => join(tmp.dir, `shard${k}.state`));
    for (const [k, state] of states.entries()) {
      const { ci: _, bootstrap: __, ...counts } = CASES[2][1];
      const opts = parseEvalOptions({ ...base, ...counts, shard: `${k + 1}/3`, state });
      expect(await runEval(opts, capture())).toBe(0);
    }
    const merged = capture();
    const ci = parseEvalOptions({ ...base, ...CASES[2][1] }).ci;
    expect(await runMerge(states, { json: '-' }, merged, ci)).toBe(0);
    expect(merged.out.join('')).toBe(file.json);
  });

  it('leaves no scratch folder and no temporary file behind', async () => {
    const before = readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'));
    await evalAll('clean', {});
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual(before);
  });
});

describe('line files and the stdout copy keep every byte', () => {
  it('readLines gives the lines of a file across 1 MB pieces: long lines, multi-byte characters, no final newline', () => {
    const scratch = new Scratch();
    try {
      const lines = [
        'a',
        '',
        '€'.repeat(400_000), // 1.2 MB in one line
        'ñ'.repeat(524_287) + 'x', // ends one byte after a 1 MB boundary
        ...Array.from({ length: 5000 }, (_, i) => `line ${i} ü`),
        'last',
      ];
      const f = scratch.file('l.txt');
      f.write(lines.join('\n'));
      f.close();
      expect([...readLines(f.path)]).toEqual(lines);
    } finally {
      scratch.remove();
    }
    expect(existsSync(scratch.dir)).toBe(false);
  });

  it('copyFileTo hands over whole characters only, and their concatenation is the file', () => {
    const scratch = new Scratch();
    try {
      // A 3-byte and a 4-byte character cut by the 1 MB piece boundary.
      const text = 'a'.repeat((1 << 20) - 1) + '€' + 'b'.repeat((1 << 20) - 2) + '😀' + 'end';
      const f = scratch.file('c.txt');
      f.write(text);
      f.close();
      const pieces: string[] = [];
      copyFileTo(f.path, (t) => pieces.push(t));
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
      expect(pieces.join('')).toBe(text);
    } finally {
      scratch.remove();
    }
  });

  it('Column grows past its capacity and keeps every value', () => {
    const c = new Column();
    const values = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? NaN : i / 3));
    for (const v of values) c.push(v);
    expect(Array.from(c.values())).toEqual(values);
  });
});

describe('the report reads its images through a bounded view', () => {
  const image = (i: number, score: number): ImageResult => ({
    id: `i${i}`,
    gt: '',
    pred: '',
    shape: [1],
    spacing: [1],
    metrics: {},
    score: Number.isNaN(score) ? 'NaN' : score === Infinity ? 'Infinity' : score,
  });

  it('WorstImages keeps what a stable sort of every image gives (NaN scores left out, ∞ and ties in order)', () => {
    const score = fc.oneof(
      fc.integer({ min: 0, max: 6 }).map((v) => v / 6),
      fc.constantFrom(NaN, Infinity),
    );
    fc.assert(
      fc.property(fc.array(score, { maxLength: 80 }), fc.boolean(), (scores, distance) => {
        const imgs = scores.map((s, i) => image(i, s));
        const w = new WorstImages(distance ? 'hd95' : 'dice');
        imgs.forEach((img, i) => w.add(img, i));
        const sign = distance ? -1 : 1;
        const expected = imgs
          .filter((img) => img.score !== 'NaN')
          .sort((a, b) => (Number(a.score) - Number(b.score)) * sign)
          .slice(0, WORST_IMAGES);
        expect(w.list().map((x) => x.id)).toEqual(expected.map((x) => x.id));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('reportSample: every image up to the cap; above it, a seeded sample of distinct increasing indices', () => {
    expect(reportSample(REPORT_SAMPLE_MAX)).toBeNull();
    const s = reportSample(REPORT_SAMPLE_MAX + 5)!;
    expect(s).toHaveLength(REPORT_SAMPLE_MAX);
    expect(Array.from(reportSample(REPORT_SAMPLE_MAX + 5)!)).toEqual(Array.from(s));
    for (let j = 1; j < s.length; j++) expect(s[j]).toBeGreaterThan(s[j - 1]);
    expect(s[s.length - 1]).toBeLessThan(REPORT_SAMPLE_MAX + 5);
    // Algorithm R keeps each index with probability max/n: 4000 samples of 5 of 20 keep each ≈ 1000 times
    // (binomial sd ≈ 27).
    const hits = new Array<number>(20).fill(0);
    for (let seed = 0; seed < 4000; seed++) for (const i of reportSample(20, 5, seed)!) hits[i]++;
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(150);
  });

  it('above the cap the page says the box plots come from a sample, and the box data are the sample’s', async () => {
    const r = await evalAll('sample', {});
    const result: EvalResult = summarize(parseState(r.state, 'state'));
    const view = reportImages(result);
    expect(buildReport(result, undefined, view)).toBe(r.html);
    expect(r.html).not.toContain('id="sample-note"');
    const n = REPORT_SAMPLE_MAX + 1;
    const column = Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1));
    const big = buildReport(result, undefined, { ...view, count: n, values: () => column });
    expect(big).toContain(
      `<p class="note" id="sample-note">The box plots are drawn from a random sample of ${REPORT_SAMPLE_MAX} of the ${n} images`,
    );
    // The box data hold the sample's values: 0 (the last image) is in them only if the sample kept it.
    const kept = reportSample(n)!.includes(n - 1);
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(big)![1]) as {
      charts: { id: string; spec: { datasets: { data: ({ outliers: number[] } | null)[] }[] } }[];
    };
    // Every other value is 1, so the box is [1, 1] and 0 can only be an outlier.
    const box = data.charts.find((c) => c.id === 'dist-dice')!.spec.datasets[0].data[0]!;
    expect(box.outliers.includes(0)).toBe(kept);
  });
});

describe('AtomicFiles writes a group of files in pieces, all or nothing', () => {
  it('commit renames every file; abort leaves no target and no temporary file', async () => {
    const dir = join(tmp.dir, 'atomic');
    const files = new AtomicFiles();
    const [a, b] = [files.open(join(tmp.dir, 'a.txt')), files.open(join(tmp.dir, 'b.txt'))];
    files.write(a, 'x'.repeat(3 << 20));
    files.write(b, 'b');
    await files.commit();
    expect(readFileSync(join(tmp.dir, 'a.txt'), 'utf8')).toHaveLength(3 << 20);
    expect(readFileSync(join(tmp.dir, 'b.txt'), 'utf8')).toBe('b');
    const other = new AtomicFiles();
    other.write(other.open(join(tmp.dir, 'c.txt')), 'c');
    await other.abort();
    expect(existsSync(join(tmp.dir, 'c.txt'))).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.c.txt'))).toEqual([]);
    expect(() => files.open(join(dir, 'missing', 'x.txt'))).toThrow(
      /writeFileAtomic: cannot write '.*missing\/x\.txt': its folder does not exist\./,
    );
  });
});
