import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeOnInterrupt } from '../../../src/io/interrupt.js';
import { bin, root } from '../../cli/helpers.js';
import { dataset, ensureBuilt, evalArgs, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-interrupt-');
afterAll(tmp.cleanup);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `test()` holds (polling every 10 ms) or `ms` have passed; returns whether it held. */
async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test()) return true;
    await sleep(10);
  }
  return test();
}

/** Whether a scratch folder of segkit's exists under `dir` (eval makes it when the evaluation starts). */
const hasScratch = (dir: string): boolean => readdirSync(dir).some((d) => d.startsWith('segkit-'));

describe('removeOnInterrupt', () => {
  it('installs the signal handlers with the first registration and removes them with the last', () => {
    const before = process.listenerCount('SIGINT');
    const a = removeOnInterrupt('/nonexistent/a');
    const b = removeOnInterrupt('/nonexistent/b');
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    expect(process.listenerCount('SIGTERM')).toBeGreaterThan(0);
    a();
    a(); // twice is harmless
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    b();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('an interrupted run leaves nothing behind', () => {
  beforeAll(ensureBuilt);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`segkit eval stopped by ${signal} while evaluating: no scratch folder, no output, ends by the signal`, async () => {
      const d = dataset(join(tmp.dir, `eval-${signal}`), 3000);
      const scratch = join(tmp.dir, `tmp-${signal}`);
      mkdirSync(scratch);
      mkdirSync(join(d, 'out'));
      const child = spawn(
        process.execPath,
        [bin, ...evalArgs('--json', 'out/r.json', '--csv', 'out/r.csv')],
        { cwd: d, env: { ...process.env, TMPDIR: scratch }, stdio: 'ignore' },
      );
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
        child.on('exit', (code, sig) => res({ code, signal: sig })),
      );
      // Interrupt once the scratch folder exists: the evaluation of the 3,000 pairs (seconds) has started.
      expect(await until(() => hasScratch(scratch), 60_000)).toBe(true);
      child.kill(signal);
      const end = await done;
      expect(end).toEqual({ code: null, signal });
      expect(readdirSync(scratch)).toEqual([]);
      expect(readdirSync(join(d, 'out'))).toEqual([]);
    }, 120_000);
  }

  it('atomic outputs interrupted before their commit: the temporary files are removed', async () => {
    const dir = join(tmp.dir, 'atomic');
    mkdirSync(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'atomicChild.ts'), dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const done = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    expect(await until(() => out.includes('ready'), 60_000)).toBe(true);
    // The two temporary files exist while the run goes on.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(2);
    child.kill('SIGTERM');
    expect(await done).toBe('SIGTERM');
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  it('the same child, committed: both targets written and no temporary file left (the control)', () => {
    const dir = join(tmp.dir, 'atomic-commit');
    mkdirSync(dir);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'atomicChild.ts'), dir, 'commit'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe('committed\n');
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.csv']);
    expect(existsSync(join(dir, 'a.json'))).toBe(true);
  }, 120_000);
});
