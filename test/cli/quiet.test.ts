/**
 * `--quiet` and the progress bar: the bar is drawn through the command's own io (never straight to
 * `process.stderr`), and `--quiet` leaves only the results, warnings and errors.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/program.js';
import type { CliIO } from '../../src/cli/eval/run.js';
import { blocks, grayPng, put, tempDir } from '../io/fixtures.js';
import { ensureBuilt, segkit } from './helpers.js';

const tmp = tempDir('segkit-quiet-');
afterAll(tmp.cleanup);

beforeAll(() => {
  ensureBuilt();
  for (let i = 0; i < 6; i++) {
    put(join(tmp.dir, 'gt', `m${i}.png`), grayPng(Array.from(blocks(8, 8, 3)), 8, 8));
    put(join(tmp.dir, 'pred', `m${i}.png`), grayPng(Array.from(blocks(8, 8, 3, i % 3)), 8, 8));
  }
});

afterEach(() => vi.restoreAllMocks());

/** An in-memory io that claims to be a terminal, so that the progress bar is drawn. */
function terminal(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY: true,
    columns: 100,
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

const evalArgs = ['eval', '--gt', join(tmp.dir, 'gt'), '--pred', join(tmp.dir, 'pred'), '--num-classes', '3'];

describe('the progress bar', () => {
  it("is written through the command's io, not to process.stderr", async () => {
    const direct = vi.spyOn(process.stderr, 'write');
    const io = terminal();
    const code = await run([...evalArgs, '--workers', '0'], io);
    expect(code).toBe(0);
    expect(direct).not.toHaveBeenCalled();
    // The bar (its label, its final count) and then the timing line, all on io.stderr.
    expect(io.err).toContain('segkit eval [');
    expect(io.err).toContain('6/6');
    expect(io.err).toMatch(/segkit eval: 6 pair\(s\) in [\d.]+ s/);
    expect(io.out).toMatch(/^class\s+dice/);
  });
});

describe('--quiet', () => {
  it('eval: no bar and no timing line; the table unchanged', async () => {
    const [loud, quiet] = [terminal(), terminal()];
    expect(await run([...evalArgs, '--workers', '0'], loud)).toBe(0);
    expect(await run([...evalArgs, '--workers', '0', '--quiet'], quiet)).toBe(0);
    expect(quiet.err).toBe('');
    expect(quiet.out).toBe(loud.out);
    const short = terminal();
    expect(await run([...evalArgs, '--workers', '0', '-q'], short)).toBe(0);
    expect(short.err).toBe('');
  });

  it('weights and merge: stderr stays empty, stdout unchanged (the built binary)', () => {
    const w = segkit(['weights', '--masks', 'gt', '--num-classes', '3', '--quiet'], tmp.dir);
    expect(w.status).toBe(0);
    expect(w.stderr).toBe('');
    expect(JSON.parse(w.stdout)).toHaveLength(3);
    const e = segkit(
      [...evalArgs.slice(0, 1), ...evalArgs.slice(1), '--state', 's.json', '--quiet'],
      tmp.dir,
    );
    expect(e.status).toBe(0);
    expect(e.stderr).toBe('');
    const m = segkit(['merge', 's.json', '--json', '-', '--quiet'], tmp.dir);
    expect(m.status).toBe(0);
    expect(m.stderr).toBe('');
    expect(JSON.parse(m.stdout).dataset.images).toBe(6);
  });

  it('still prints errors, with their exit code', () => {
    const r = segkit(['eval', '--gt', 'nope', '--pred', 'pred', '--num-classes', '3', '--quiet'], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^segkit eval: --gt 'nope' does not exist\./);
  });
});
