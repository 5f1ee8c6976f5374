import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { VERSION } from '../../src/cli/version.js';
import { grayPng, put, tempDir } from '../io/fixtures.js';

const tmp = tempDir('segkit-run-');
afterAll(tmp.cleanup);

/** run() with stdout and stderr captured. */
async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false });
  return { code, stdout, stderr };
}

describe('run(argv, io), the program as a function', () => {
  it('evaluates in-process with --workers 0 and returns 0', async () => {
    put(join(tmp.dir, 'gt/a.png'), grayPng([0, 1, 1, 0], 2, 2));
    put(join(tmp.dir, 'pred/a.png'), grayPng([0, 1, 0, 0], 2, 2));
    const r = await capture([
      'eval',
      '--gt',
      join(tmp.dir, 'gt'),
      '--pred',
      join(tmp.dir, 'pred'),
      '--num-classes',
      '2',
      '--metrics',
      'dice',
      '--json',
      '-',
      '--workers',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).images[0].metrics.dice).toEqual([(2 * 1) / (2 * 1 + 1)]);
    expect(r.stderr).toMatch(/^segkit eval: 1 pair\(s\) in /);
  });

  it('returns 2 for a usage error and writes the message to io.stderr', async () => {
    const r = await capture(['eval', '--gt', 'a', '--pred', 'b', '--num-classes', 'x']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'segkit eval: --num-classes must be an integer in [1, 65536]; got "x".\n',
    });
  });

  it("usage errors of commander read as segkit's: the command named, what the option must be, what came (2)", async () => {
    const usage = (command: string, line: string) => ({
      code: 2,
      stdout: '',
      stderr: `${line}\n(run ${command} --help for usage)\n`,
    });
    expect(await capture(['demo', '--epochs', '0'])).toEqual(
      usage('segkit demo', "segkit demo: --epochs must be an integer in [1, 1000]; got '0'."),
    );
    expect(await capture(['demo', '--backend', 'gpu'])).toEqual(
      usage('segkit demo', "segkit demo: --backend must be one of wasm, cpu; got 'gpu'."),
    );
    expect(await capture(['eval', '--gt', 'a', '--pred', 'b'])).toEqual(
      usage('segkit eval', 'segkit eval: --num-classes is required.'),
    );
    expect(await capture(['eval', '--gt', 'a', '--pred', 'b', '--num-classes', '3', '--bogus'])).toEqual(
      usage('segkit eval', "segkit eval: unknown option '--bogus'."),
    );
    // An unknown option is named before any required one is asked for (commander asks for --gt first).
    expect(await capture(['eval', '--bogus'])).toEqual(
      usage('segkit eval', "segkit eval: unknown option '--bogus'."),
    );
    expect(await capture(['compare', '--pred', 'a', 'b', '-z'])).toEqual(
      usage('segkit compare', "segkit compare: unknown option '-z'."),
    );
    // Values are not options: a negative number after an option that takes one, anything after --.
    expect((await capture(['eval', '--num-classes', '-1', '--gt', 'a', '--pred', 'b'])).stderr).toMatch(
      /^segkit eval: --num-classes must be an integer in \[1, 65536\]; got "-1"\.\n/,
    );
    expect((await capture(['eval', '--gt', 'a', '--', '--zz'])).stderr).toMatch(
      /^segkit eval: --pred is required\./,
    );
    expect(await capture(['merge'])).toEqual(
      usage('segkit merge', "segkit merge: missing required argument 'state'."),
    );
    expect(await capture(['frobnicate'])).toEqual(usage('segkit', "segkit: unknown command 'frobnicate'."));
    // Options that would change no number (their defaults are not "given": plain runs pass, as the first test).
    const r = await capture(['eval', '--gt', 'a', '--pred', 'b', '--num-classes', '3', '--percentile', '90']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'segkit eval: --percentile is only used with --metrics hd95 (the percentile Hausdorff distance).\n',
    });
  });

  it('a single-valued option given twice is a usage error (2), not a silent last-one-wins; collectors repeat', async () => {
    const base = ['eval', '--gt', 'a', '--pred', 'b', '--num-classes', '3'];
    expect(await capture([...base, '--json', 'x.json', '--json=y.json'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "segkit eval: --json must be given once; got 'x.json' and 'y.json'.\n(run segkit eval --help for usage)\n",
    });
    const r = await capture([
      'weights',
      '--masks',
      'm',
      '--num-classes',
      '2',
      '--num-classes',
      '3',
      '--method',
      'median',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^segkit weights: --num-classes must be given once; got '2' and '3'\.\n/);
    // compare collects --pred: repeating it is how models are given (the error is then about the missing --gt).
    const c = await capture(['compare', '--pred', 'a', '--pred', 'b', '--num-classes', '3']);
    expect(c.stderr).toBe('segkit compare: --pred needs --gt (the ground-truth folder).\n');
  });

  it('segkit weights checks --output before any work, as eval its outputs (2, nothing written)', async () => {
    put(join(tmp.dir, 'masks/a.png'), grayPng([0, 1, 1, 0], 2, 2));
    const w = (output: string) =>
      capture([
        'weights',
        '--masks',
        join(tmp.dir, 'masks'),
        '--num-classes',
        '2',
        '--workers',
        '0',
        '--output',
        output,
      ]);
    const missing = join(tmp.dir, 'nowhere/w.json');
    expect(await w(missing)).toEqual({
      code: 2,
      stdout: '',
      stderr: `segkit weights: --output '${missing}': the folder '${join(tmp.dir, 'nowhere')}' does not exist.\n`,
    });
    const inside = join(tmp.dir, 'masks/w.png');
    const r = await w(inside);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `segkit weights: --output '${inside}' lies inside --masks '${join(tmp.dir, 'masks')}' and would be read as a mask; write it elsewhere.\n`,
    );
    expect(existsSync(inside)).toBe(false);
    const ok = await w(join(tmp.dir, 'w.json'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'w.json'), 'utf8'))).toHaveLength(2);
  });

  it('prints the version with --version (0) and the help on stderr without a command (2)', async () => {
    expect(await capture(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const r = await capture([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: segkit \[options\] \[command\]/);
  });
});
