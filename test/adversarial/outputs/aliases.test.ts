import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, ensureBuilt, evalArgs, put, segkit, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-outputs-');
afterAll(tmp.cleanup);

/** A dataset whose first prediction is undecodable: any run that starts work exits 1, not 2. */
function broken(name: string): string {
  const d = dataset(join(tmp.dir, name), 2);
  put(join(d, 'pred/case_000.png'), 'not a png');
  mkdirSync(join(d, 'out'));
  return d;
}

const files = (d: string): string[] => readdirSync(d, { recursive: true }).map(String).sort();

beforeAll(ensureBuilt);

describe('segkit eval refuses outputs that alias each other or an input, before any work (exit 2)', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '--json out/r.json --csv out/./r.json',
      ['--json', 'out/r.json', '--csv', 'out/./r.json'],
      /^segkit eval: --csv 'out\/\.\/r\.json' is the same file as --json 'out\/r\.json' \('.*\/out\/r\.json'\); give each output its own file, apart from the inputs\.\n$/,
    ],
    [
      'an output reached through a linked folder',
      ['--json', 'out/r.json', '--report', 'link/r.json'],
      /--report 'link\/r\.json' is the same file as --json 'out\/r\.json'/,
    ],
    [
      'out/../out/r.json against out/r.json',
      ['--csv', 'out/r.json', '--state', 'out/../out/r.json'],
      /--state 'out\/\.\.\/out\/r\.json' is the same file as --csv 'out\/r\.json'/,
    ],
    [
      'an output over --palette',
      ['--palette', 'pal.json', '--json', './pal.json'],
      /--json '\.\/pal\.json' is the same file as --palette 'pal\.json'/,
    ],
    ['an output that is the --gt folder', ['--json', 'gt/'], /--json 'gt\/' is the same file as --gt 'gt'/],
    [
      'an output inside --pred named like a mask',
      ['--state', 'pred/x.png'],
      /--state 'pred\/x\.png' lies inside --pred 'pred' and would be read as a mask; write it elsewhere\./,
    ],
    [
      'an output folder that does not exist',
      ['--json', 'nowhere/r.json'],
      /--json 'nowhere\/r\.json': the folder 'nowhere' does not exist\./,
    ],
    ['an output that is a folder', ['--csv', 'out'], /--csv 'out' is a folder; give a file name\./],
  ];
  for (const [title, extra, message] of cases) {
    it(title, () => {
      const d = broken(title.replace(/\W+/g, '_'));
      writeFileSync(join(d, 'pal.json'), '{}');
      symlinkSync(join(d, 'out'), join(d, 'link'));
      const before = files(d);
      const r = segkit(evalArgs(...extra), d);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(files(d)).toEqual(before);
    });
  }

  it('a writable output folder and distinct files still run (the broken pair then gives exit 1)', () => {
    const d = broken('fine');
    const r = segkit(evalArgs('--json', 'out/r.json', '--csv', 'out/r.csv'), d);
    expect(r.stderr).toMatch(/cannot decode 'pred\/case_000\.png'/);
    expect(r.status).toBe(1);
  });

  it.skipIf(process.getuid?.() === 0)('refuses an output folder that is not writable', async () => {
    const { chmodSync } = await import('node:fs');
    const d = broken('readonly');
    chmodSync(join(d, 'out'), 0o555);
    const r = segkit(evalArgs('--json', 'out/r.json'), d);
    expect(r.stderr).toMatch(/--json 'out\/r\.json': the folder 'out' is not writable\./);
    expect(r.status).toBe(2);
  });
});

describe('segkit merge refuses outputs that alias a state file or each other (exit 2)', () => {
  it('--json over one of its own inputs, and --json/--csv on one file', () => {
    const d = dataset(join(tmp.dir, 'merge'), 2);
    expect(segkit(evalArgs('--shard', '1/1', '--state', 's.json'), d).status).toBe(0);
    const a = segkit(['merge', 's.json', '--json', './s.json'], d);
    expect(a.stderr).toMatch(/^segkit merge: --json '\.\/s\.json' is the same file as state file 's\.json'/);
    expect(a.status).toBe(2);
    const b = segkit(['merge', 's.json', '--json', 'r.json', '--csv', join(d, 'r.json')], d);
    expect(b.stderr).toMatch(/--csv '.*r\.json' is the same file as --json 'r\.json'/);
    expect(b.status).toBe(2);
    expect(files(d)).toEqual([
      'gt',
      'gt/case_000.png',
      'gt/case_001.png',
      'pred',
      'pred/case_000.png',
      'pred/case_001.png',
      's.json',
    ]);
  });
});
