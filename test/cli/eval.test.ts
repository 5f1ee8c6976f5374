import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocks, grayPng, niftiFile, put, rgbPng, tempDir } from '../io/fixtures.js';
import { surfaceDistances } from '../../src/core/evaluation/index.js';
import { ensureBuilt, root, segkit } from './helpers.js';

const tmp = tempDir('segkit-cli-');
afterAll(tmp.cleanup);

// Two 4×4 pairs with 3 classes. Image a: class 1 has gt 4 px, pred 5 px, tp 4; class 2 gt 8, pred 7, tp 7.
// Image b: identical masks.
const GT_A = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2];
const PRED_A = [0, 1, 1, 1, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 0, 2];
const dir = (name: string) => join(tmp.dir, name);
/** `eval --gt gt --pred pred --num-classes 3` followed by `extra`. */
const evalArgs = (...extra: string[]) => [
  'eval',
  '--gt',
  'gt',
  '--pred',
  'pred',
  '--num-classes',
  '3',
  ...extra,
];

function pngFolders(name: string): string {
  put(join(dir(name), 'gt/a.png'), grayPng(GT_A, 4, 4));
  put(join(dir(name), 'pred/a.png'), grayPng(PRED_A, 4, 4));
  put(join(dir(name), 'gt/sub/b.png'), grayPng(GT_A, 4, 4));
  put(join(dir(name), 'pred/sub/b.png'), grayPng(GT_A, 4, 4));
  return dir(name);
}

/** Files of a folder (recursively), to check that a failed run wrote nothing, not even a temporary file. */
function filesIn(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

beforeAll(() => {
  ensureBuilt();
  pngFolders('png');
});

describe('segkit --help', () => {
  for (const cmd of ['eval', 'merge', 'weights']) {
    it(`segkit ${cmd} --help prints the stored usage text on stdout, documenting the exit codes`, () => {
      const r = segkit([cmd, '--help'], tmp.dir);
      const stored = join(root, 'test/cli/usage', `${cmd}.txt`);
      if (process.env.UPDATE_USAGE) writeFileSync(stored, r.stdout);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(readFileSync(stored, 'utf8'));
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}data error/);
    });
  }
});

describe('segkit eval on PNG folders', () => {
  it('prints the per-class table on stdout and diagnostics on stderr', () => {
    const r = segkit(evalArgs('--labels', 'bg,road,car', '--workers', '1'), dir('png'));
    expect(r.status).toBe(0);
    const mean1 = (8 / 9 + 1) / 2;
    const mean2 = (14 / 15 + 1) / 2;
    expect(r.stdout.split('\n')[0]).toMatch(/^class\s+dice\s+iou\s+precision\s+recall$/);
    expect(r.stdout).toContain(`1 road ${' '.repeat(0)}`.trimEnd());
    expect(r.stdout).toMatch(new RegExp(`1 road\\s+${mean1.toFixed(4)} ± ${((1 - 8 / 9) / 2).toFixed(4)}`));
    expect(r.stdout).toMatch(new RegExp(`2 car\\s+${mean2.toFixed(4)} ± ${((1 - 14 / 15) / 2).toFixed(4)}`));
    expect(r.stdout).toMatch(new RegExp(`foreground mean\\s+${((mean1 + mean2) / 2).toFixed(4)}`));
    expect(r.stdout).not.toMatch(/segkit eval:/);
    expect(r.stderr).toMatch(/^segkit eval: 2 pair\(s\) in [\d.]+ s \([\d.]+\/s, 1 worker\)\.\n$/);
  });

  it('names a class by its index alone when --labels is not given', () => {
    const r = segkit(evalArgs('--workers', '1'), dir('png'));
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').slice(1, 3);
    expect(rows[0]).toMatch(/^1 +\d\.\d{4} ± /);
    expect(rows[1]).toMatch(/^2 +\d\.\d{4} ± /);
  });

  it('writes JSON (schema segkit.eval v2), CSV and an HTML report whose script runs', () => {
    const r = segkit(
      evalArgs(
        '--metrics',
        'dice,iou,hd95',
        '--json',
        'out.json',
        '--csv',
        'out.csv',
        '--report',
        'out.html',
        '--workers',
        '0',
      ),
      dir('png'),
    );
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(join(dir('png'), 'out.json'), 'utf8'));
    expect(json).toMatchObject({
      schema: 'segkit.eval',
      version: 2,
      settings: { numClasses: 3, metrics: ['dice', 'iou', 'hd95'] },
    });
    expect(json.dataset).toMatchObject({ images: 2, pixels: 32, ignored: 0, missing: [], extra: [] });
    expect(json.images.map((i: { id: string }) => i.id)).toEqual(['a', 'sub/b']);
    expect(json.images[0].metrics.dice).toEqual([8 / 9, 14 / 15]);
    expect(json.images[0].metrics.iou).toEqual([4 / 5, 7 / 8]);
    expect(json.classes[0]).toMatchObject({
      index: 1,
      support: 8,
      predicted: 9,
      pooled: { dice: (2 * 8) / (2 * 8 + 1) },
    });
    expect(json.confusion).toEqual([
      [3 + 4, 1, 0],
      [0, 8, 0],
      [1, 0, 15],
    ]);
    const csv = readFileSync(join(dir('png'), 'out.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('id,gt,pred,score,dice_1,dice_2,iou_1,iou_2,hd95_1,hd95_2');
    expect(csv[2]).toBe('sub/b,sub/b.png,sub/b.png,1,1,1,1,1,0,0');
    const html = readFileSync(join(dir('png'), 'out.html'), 'utf8');
    // Chart.js inlined (works offline) and the whole file under 1 MB; drawn in Chromium by test/reports.
    expect(html.length).toBeGreaterThan(200_000);
    expect(html.length).toBeLessThan(1_000_000);
    expect(html).not.toMatch(/<script[^>]+src=/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    // The inlined library still parses as JavaScript after the escapes that keep it inside its element.
    expect(() => new Script(scripts[0][2])).not.toThrow();
    expect(scripts[0][2]).toContain('window.segkitChart = function');
    const data = JSON.parse(scripts.find((s) => s[1].includes('application/json'))![2]);
    expect(data.charts.map((c: { id: string }) => c.id)).toEqual([
      'bars',
      'distbars',
      'dist-dice',
      'dist-iou',
      'dist-hd95',
    ]);
    expect(data.confusion.labels).toEqual(['0', '1', '2']);
  });

  it('gives the same JSON with 0, 1 and 2 workers', () => {
    const outs = ['0', '1', '2'].map((w) => {
      const r = segkit(evalArgs('--metrics', 'dice,hd95', '--json', '-', '--workers', w), dir('png'));
      expect(r.status).toBe(0);
      return r.stdout;
    });
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
    expect(JSON.parse(outs[0]).schema).toBe('segkit.eval');
  });

  it('uses --spacing for the distances of PNG masks', () => {
    const hd = (extra: string[]) =>
      JSON.parse(
        segkit(evalArgs('--metrics', 'hd', '--json', '-', '--workers', '0', ...extra), dir('png')).stdout,
      ).images[0].metrics.hd;
    const unit = hd([]);
    expect(unit[0]).toBeGreaterThan(0);
    expect(hd(['--spacing', '2.5'])).toEqual(unit.map((v: number) => 2.5 * v));
  });

  it('--surface surface-elements gives the core numbers of that definition and is recorded in the JSON', () => {
    const run = (extra: string[]) =>
      JSON.parse(
        segkit(
          evalArgs(
            '--metrics',
            'dice,hd95,assd,nsd',
            '--tolerance',
            '1',
            '--json',
            '-',
            '--workers',
            '0',
            ...extra,
          ),
          dir('png'),
        ).stdout,
      );
    const voxels = run([]);
    const elements = run(['--surface', 'surface-elements', '--spacing', '0.5,2']);
    expect(voxels.settings.surfaceDefinition).toBe('boundary-voxels');
    expect(elements.settings.surfaceDefinition).toBe('surface-elements');
    // image a, class 1, through the core with the same definition (PNG spacing x,y → array axes [y, x])
    const mask = (v: number[], c: number) => ({
      data: Uint8Array.from(v, (x) => (x === c ? 1 : 0)),
      shape: [4, 4],
    });
    const core = surfaceDistances(mask(GT_A, 1), mask(PRED_A, 1), {
      definition: 'surface-elements',
      spacing: [2, 0.5],
      tolerance: 1,
    });
    const a = elements.images.find((im: { id: string }) => im.id === 'a');
    expect(a.metrics.hd95[0]).toBe(core.hd);
    expect(a.metrics.assd[0]).toBe(core.assd);
    expect(a.metrics.nsd[0]).toBe(core.nsd);
    // the overlap metrics do not depend on the surface definition
    expect(elements.images[0].metrics.dice).toEqual(voxels.images[0].metrics.dice);
    // without a surface metric nothing is measured from a surface, and the JSON says so
    expect(
      JSON.parse(segkit(evalArgs('--json', '-', '--workers', '0'), dir('png')).stdout).settings
        .surfaceDefinition,
    ).toBe(null);
  });

  it('reads RGB masks through --palette', () => {
    const d = dir('rgb');
    const colours = [
      [0, 0, 0],
      [255, 0, 0],
      [0, 0, 255],
    ];
    put(join(d, 'gt/a.png'), rgbPng(GT_A, 4, 4, colours));
    put(join(d, 'pred/a.png'), rgbPng(PRED_A, 4, 4, colours, 4));
    put(join(d, 'palette.json'), JSON.stringify(colours));
    const r = segkit(evalArgs('--palette', 'palette.json', '--json', '-', '--workers', '0'), d);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).images[0].metrics.dice).toEqual([8 / 9, 14 / 15]);
  });
});

describe('segkit eval on NIfTI volumes', () => {
  it('takes the spacing from the header', () => {
    const d = dir('nifti');
    const gt = blocks(8, 6, 3, 0, 5);
    const pred = blocks(8, 6, 3, 1, 5);
    put(join(d, 'gt1/v.nii.gz'), niftiFile(gt, [5, 6, 8], [1, 1, 1]));
    put(join(d, 'pred1/v.nii'), niftiFile(pred, [5, 6, 8], [1, 1, 1], false));
    put(join(d, 'gt2/v.nii.gz'), niftiFile(gt, [5, 6, 8], [3, 3, 3]));
    put(join(d, 'pred2/v.nii.gz'), niftiFile(pred, [5, 6, 8], [3, 3, 3]));
    const run = (k: number) => {
      const r = segkit(
        [
          'eval',
          '--gt',
          `gt${k}`,
          '--pred',
          `pred${k}`,
          '--num-classes',
          '3',
          '--metrics',
          'dice,hd95,assd',
          '--json',
          '-',
          '--workers',
          '0',
        ],
        d,
      );
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout).images[0];
    };
    const [one, three] = [run(1), run(2)];
    expect(one.shape).toEqual([5, 6, 8]);
    expect(three.spacing).toEqual([3, 3, 3]);
    expect(three.metrics.dice).toEqual(one.metrics.dice);
    expect(three.metrics.hd95[0]).toBeCloseTo(3 * one.metrics.hd95[0], 10);
    expect(three.metrics.assd[1]).toBeCloseTo(3 * one.metrics.assd[1], 10);
  });
});

describe('segkit eval --shard k/n + segkit merge', () => {
  it('3 shards merged give byte-identical JSON and CSV to one run', () => {
    const d = dir('shards');
    for (let i = 0; i < 7; i++) {
      put(join(d, `gt/c${i}.png`), grayPng(blocks(12, 10, 4, 0), 12, 10));
      put(join(d, `pred/c${i}.png`), grayPng(blocks(12, 10, 4, i), 12, 10));
    }
    const common = [
      '--gt',
      'gt',
      '--pred',
      'pred',
      '--num-classes',
      '4',
      '--metrics',
      'dice,iou,hd95,assd',
      '--ignore-index',
      '255',
    ];
    expect(
      segkit(['eval', ...common, '--json', 'single.json', '--csv', 'single.csv', '--workers', '2'], d).status,
    ).toBe(0);
    for (const k of [1, 2, 3]) {
      const r = segkit(
        ['eval', ...common, '--shard', `${k}/3`, '--state', `s${k}.json`, '--workers', '1'],
        d,
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`shard ${k}/3: \\d pair`));
    }
    const m = segkit(
      ['merge', 's3.json', 's1.json', 's2.json', '--json', 'merged.json', '--csv', 'merged.csv'],
      d,
    );
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/^class\s+dice/);
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
    expect(readFileSync(join(d, 'merged.csv'), 'utf8')).toBe(readFileSync(join(d, 'single.csv'), 'utf8'));
  });

  it('merge refuses a missing shard (usage, 2) and states of other settings (data, 1)', () => {
    const d = dir('shards');
    const r = segkit(['merge', 's1.json', 's3.json', '--json', 'x.json'], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('segkit merge: shard 2/3 missing; give the states of all 3 shards.\n');
    const common = ['--gt', 'gt', '--pred', 'pred', '--num-classes', '4', '--workers', '0'];
    expect(segkit(['eval', ...common, '--shard', '2/3', '--state', 'other.json'], d).status).toBe(0);
    const o = segkit(['merge', 's1.json', 'other.json', 's3.json', '--json', 'x.json'], d);
    expect(o.status).toBe(1);
    expect(o.stderr).toMatch(/segkit merge: 'other.json' was made with other settings than 's1.json'/);
    const g = segkit(['merge', 'nope.json'], d);
    expect(g.status).toBe(2);
    expect(g.stderr).toBe("segkit merge: state file 'nope.json' cannot be read.\n");
    expect(filesIn(d)).not.toContain('x.json');
  });
});

describe('segkit eval on bad input: a message naming the file or option, exit 1 or 2, no output file', () => {
  const cases: [string, (d: string) => void, string[], number, RegExp][] = [
    [
      'a missing folder',
      () => undefined,
      ['--gt', 'nope'],
      2,
      /^segkit eval: --gt 'nope' does not exist\.\n/,
    ],
    [
      'an empty folder',
      (d) => mkdirSync(join(d, 'empty')),
      ['--gt', 'empty'],
      1,
      /^segkit eval: --gt 'empty' holds no mask files \(\.png, \.nii, \.nii\.gz\)\.\n/,
    ],
    [
      'a dangling link, reported when the folder is listed (chmod 000 does not stop root)',
      (d) => {
        rmSync(join(d, 'pred/a.png'));
        symlinkSync(join(d, 'nowhere.png'), join(d, 'pred/a.png'));
      },
      [],
      1,
      /^segkit eval: listMasks: 'pred\/a\.png' is a symbolic link that cannot be followed \(ENOENT\); remove it or fix its target\.\n/,
    ],
    [
      'a truncated PNG',
      (d) => put(join(d, 'pred/a.png'), grayPng(PRED_A, 4, 4).subarray(0, 40)),
      [],
      1,
      /^segkit eval: readMask: cannot decode 'pred\/a\.png' as PNG: the file ends early/,
    ],
    [
      'a garbled PNG',
      (d) => put(join(d, 'pred/a.png'), 'not a png at all'),
      [],
      1,
      /^segkit eval: readMask: cannot decode 'pred\/a\.png' as PNG: it does not start with the PNG signature\.\n/,
    ],
    [
      'a truncated NIfTI',
      (d) => {
        put(join(d, 'vgt/a.nii.gz'), niftiFile(Uint8Array.from(GT_A), [4, 4]).subarray(0, 50));
        put(join(d, 'vpred/a.nii.gz'), niftiFile(Uint8Array.from(GT_A), [4, 4]));
      },
      ['--gt', 'vgt', '--pred', 'vpred'],
      1,
      /^segkit eval: readMask: cannot decode 'vgt\/a\.nii\.gz' as gzip-compressed NIfTI: the file ends early/,
    ],
    [
      'a garbled NIfTI',
      (d) => {
        put(join(d, 'ngt/a.nii'), new Uint8Array(400).fill(0x41));
        put(join(d, 'npred/a.nii'), niftiFile(Uint8Array.from(GT_A), [4, 4], undefined, false));
      },
      ['--gt', 'ngt', '--pred', 'npred'],
      1,
      /^segkit eval: readMask: cannot decode 'ngt\/a\.nii' as NIfTI-1: sizeof_hdr must be 348; got 1094795585 \(it is not a NIfTI-1 file, or it is corrupt\)\.\n/,
    ],
    [
      'mismatched sizes',
      (d) => put(join(d, 'pred/a.png'), grayPng(new Array(20).fill(0), 5, 4)),
      [],
      1,
      /^segkit eval: 'gt\/a\.png' is 4×4 \(x×y\) but 'pred\/a\.png' is 5×4 \(x×y\); a pair must have the same size\.\n/,
    ],
    [
      'a label ≥ N',
      (d) => put(join(d, 'pred/a.png'), grayPng([...PRED_A.slice(0, 6), 7, ...PRED_A.slice(7)], 4, 4)),
      [],
      1,
      /^segkit eval: 'pred\/a\.png' has label 7 at \(x=2, y=1\); labels must be in \[0, 2\] \(--num-classes 3\)\.\n/,
    ],
    [
      'an RGB mask without palette',
      (d) =>
        put(
          join(d, 'pred/a.png'),
          rgbPng(PRED_A, 4, 4, [
            [0, 0, 0],
            [1, 1, 1],
            [2, 2, 2],
          ]),
        ),
      [],
      1,
      /^segkit eval: readMask: 'pred\/a\.png' is an RGB image; colour masks need --palette FILE/,
    ],
    [
      'a missing prediction',
      (d) => put(join(d, 'gt/z.png'), grayPng(GT_A, 4, 4)),
      [],
      1,
      /^segkit eval: 1 ground-truth file\(s\) without a prediction in 'pred':\n {2}z\.png\nsegkit eval: the folders do not pair up \(listed above\); pass --allow-missing to evaluate the 2 pairs found\.\n/,
    ],
    [
      'a non-numeric --num-classes',
      () => undefined,
      ['--num-classes', 'abc'],
      2,
      /^segkit eval: --num-classes must be an integer in \[1, 65536\]; got "abc"\.\n/,
    ],
    [
      '--num-classes 0',
      () => undefined,
      ['--num-classes', '0'],
      2,
      /^segkit eval: --num-classes must be an integer in \[1, 65536\]; got "0"\.\n/,
    ],
    [
      'an unknown metric',
      () => undefined,
      ['--metrics', 'dice,foo'],
      2,
      /^segkit eval: --metrics must be a comma-separated list of iou, dice/,
    ],
    [
      'nsd without --tolerance',
      () => undefined,
      ['--metrics', 'nsd'],
      2,
      /^segkit eval: --tolerance is required with --metrics nsd/,
    ],
    [
      'a bad --shard',
      () => undefined,
      ['--shard', '4/3', '--state', 's.json'],
      2,
      /^segkit eval: --shard must be k\/n with integers 1 ≤ k ≤ n \(e\.g\. 2\/3\); got "4\/3"\.\n/,
    ],
    [
      '--shard without --state',
      () => undefined,
      ['--shard', '1/3'],
      2,
      /^segkit eval: --shard needs --state FILE/,
    ],
    [
      '--shard with --json',
      () => undefined,
      ['--shard', '1/3', '--state', 's.json'],
      2,
      /^segkit eval: --json, --csv and --report of a sharded run are written by segkit merge/,
    ],
    [
      'a negative --spacing',
      () => undefined,
      ['--spacing', '1,-1'],
      2,
      /^segkit eval: --spacing must be one positive number or 2–3 comma-separated positive numbers \(x,y\[,z\]\); got "1,-1"\.\n/,
    ],
    [
      'an --ignore-index inside the classes',
      () => undefined,
      ['--ignore-index', '1'],
      2,
      /^segkit eval: --ignore-index must be outside the classes \[0, 2\]; got "1"\.\n/,
    ],
    [
      'a bad --workers',
      () => undefined,
      ['--workers', '-1'],
      2,
      /^segkit eval: --workers must be an integer in \[0, 64\]; got "-1"\.\n/,
    ],
    [
      'a bad --pooling',
      () => undefined,
      ['--pooling', 'mean'],
      2,
      /^segkit eval: --pooling must be one of max-of-directed, pooled; got 'mean'\.\n\(run segkit eval --help for usage\)\n$/,
    ],
    [
      '--surface without a surface metric',
      () => undefined,
      ['--surface', 'surface-elements'],
      2,
      /^segkit eval: --surface is only used with the surface metrics \(hd, hd95, assd, nsd\)\.\n/,
    ],
    [
      'a bad --surface',
      () => undefined,
      ['--metrics', 'hd', '--surface', 'corners'],
      2,
      /^segkit eval: --surface must be one of boundary-voxels, surface-elements; got 'corners'\.\n/,
    ],
    [
      'an unknown option',
      () => undefined,
      ['--frobnicate'],
      2,
      /^segkit eval: unknown option '--frobnicate'\.\n/,
    ],
  ];
  cases.forEach(([what, setup, args, code, message], i) => {
    it(`${what} → exit ${code}`, () => {
      const d = join(pngFolders(`bad${i}`));
      setup(d);
      const before = filesIn(d);
      const base: Record<string, string> = {
        '--gt': 'gt',
        '--pred': 'pred',
        '--num-classes': '3',
        '--workers': '0',
      };
      for (let k = 0; k < args.length; k += 2) {
        if (args[k + 1] === undefined || args[k + 1].startsWith('--')) {
          base[args[k]] = '';
          k--;
        } else base[args[k]] = args[k + 1];
      }
      const argv = Object.entries(base).flatMap(([k, v]) => (v === '' ? [k] : [k, v]));
      const r = segkit(
        ['eval', ...argv, '--json', 'out.json', '--csv', 'out.csv', '--report', 'out.html'],
        d,
      );
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(code);
      expect(r.stdout).toBe('');
      expect(filesIn(d)).toEqual(before);
    });
  });

  it('--allow-missing evaluates the pairs found and lists the rest in the JSON', () => {
    const d = pngFolders('allow');
    put(join(d, 'gt/z.png'), grayPng(GT_A, 4, 4));
    put(join(d, 'pred/y.png'), grayPng(GT_A, 4, 4));
    const r = segkit(evalArgs('--allow-missing', '--json', '-', '--workers', '0'), d);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/1 ground-truth file\(s\) without a prediction in 'pred':\n {2}z\.png\n/);
    expect(r.stderr).toMatch(/1 prediction\(s\) without a ground truth in 'gt':\n {2}y\.png\n/);
    expect(JSON.parse(r.stdout).dataset).toMatchObject({ images: 2, missing: ['z.png'], extra: ['y.png'] });
  });

  it('draws no progress bar when stderr is not a terminal', () => {
    const r = segkit(evalArgs('--workers', '0'), dir('png'));
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).not.toMatch(/░|█/);
  });
});

describe('segkit weights', () => {
  it('prints inverse-frequency weights (mean 1) as a JSON array on stdout', () => {
    const r = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--workers', '1'], dir('png'));
    expect(r.status).toBe(0);
    // gt pixels per class over both images: 8, 8, 16.
    const raw = [1 / 8, 1 / 8, 1 / 16];
    const total = raw.reduce((a, b) => a + b, 0);
    expect(r.stdout).toBe(JSON.stringify(raw.map((w) => (w * 3) / total)) + '\n');
    expect(r.stderr).toBe('segkit weights: 2 file(s), method inverse; pixels per class: 8, 8, 16.\n');
  });

  it('names the file of a label ≥ N (exit 1) and a bad --method (exit 2)', () => {
    const d = pngFolders('wbad');
    put(join(d, 'gt/c.png'), grayPng([...GT_A.slice(0, 15), 9], 4, 4));
    const r = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--workers', '0'], d);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "segkit weights: 'gt/c.png' has label 9 at (x=3, y=3); labels must be in [0, 2] (--num-classes 3).\n",
    );
    const m = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--method', 'log'], d);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(
      /^segkit weights: --method must be one of inverse, inverseSqrt, median, effective; got 'log'\.\n/,
    );
  });
});
