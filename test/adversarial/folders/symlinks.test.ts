import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, ensureBuilt, evalArgs, readJson, segkit, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-links-');
afterAll(tmp.cleanup);
beforeAll(ensureBuilt);

const ids = (file: string): string[] =>
  (readJson(file) as { images: { id: string }[] }).images.map((i) => i.id);

describe('segkit eval follows symbolic links inside --gt and --pred', () => {
  it('evaluates the pairs of a symlinked subfolder (3 pairs of 3, not 1)', () => {
    const d = join(tmp.dir, 'subfolder');
    dataset(d, 1);
    dataset(join(d, 'elsewhere'), 2, 1, 'x');
    symlinkSync(join(d, 'elsewhere/gt'), join(d, 'gt/sub'));
    symlinkSync(join(d, 'elsewhere/pred'), join(d, 'pred/sub'));
    const r = segkit(evalArgs('--json', 'r.json'), d);
    expect(r.stderr).toMatch(/3 pair\(s\)/);
    expect(r.status).toBe(0);
    expect(ids(join(d, 'r.json'))).toEqual(['case_000', 'sub/xcase_000', 'sub/xcase_001']);
  });

  it('evaluates symlinked files, and a folder reached by two links under both names', () => {
    const d = join(tmp.dir, 'files');
    dataset(join(d, 'store'), 2);
    mkdirSync(join(d, 'gt'));
    mkdirSync(join(d, 'pred'));
    symlinkSync(join(d, 'store/gt/case_000.png'), join(d, 'gt/a.png'));
    symlinkSync(join(d, 'store/pred/case_000.png'), join(d, 'pred/a.png'));
    for (const side of ['gt', 'pred']) {
      symlinkSync(join(d, 'store', side), join(d, side, 'one'));
      symlinkSync(join(d, 'store', side), join(d, side, 'two'));
    }
    const r = segkit(evalArgs('--json', 'r.json'), d);
    expect(r.status).toBe(0);
    expect(ids(join(d, 'r.json'))).toEqual([
      'a',
      'one/case_000',
      'one/case_001',
      'two/case_000',
      'two/case_001',
    ]);
  });

  it('refuses a link to a folder that contains it (a loop), naming the link (exit 1)', () => {
    const d = join(tmp.dir, 'loop');
    dataset(d, 2);
    symlinkSync(join(d, 'gt'), join(d, 'gt/again'));
    const r = segkit(evalArgs('--json', 'r.json'), d);
    expect(r.stderr).toMatch(
      /^segkit eval: listMasks: 'gt\/again' is a symbolic link to '.*\/loop\/gt', a folder that contains it: the folder tree loops; remove the link\.\n$/,
    );
    expect(r.status).toBe(1);
    expect(readdirSync(d).sort()).toEqual(['gt', 'pred']);
  });

  it('refuses a deeper loop (a link to the grandparent) and a dangling link inside a subfolder', () => {
    const d = join(tmp.dir, 'deep');
    dataset(d, 1);
    mkdirSync(join(d, 'pred/a/b'), { recursive: true });
    symlinkSync(join(d, 'pred/a'), join(d, 'pred/a/b/up'));
    expect(segkit(evalArgs(), d).stderr).toMatch(
      /'pred\/a\/b\/up' is a symbolic link to .* the folder tree loops/,
    );
    const e = join(tmp.dir, 'dangling');
    dataset(e, 1);
    mkdirSync(join(e, 'gt/sub'));
    symlinkSync(join(e, 'missing'), join(e, 'gt/sub/case_9.png'));
    const r = segkit(evalArgs(), e);
    expect(r.stderr).toMatch(/'gt\/sub\/case_9\.png' is a symbolic link that cannot be followed \(ENOENT\)/);
    expect(r.status).toBe(1);
  });
});
