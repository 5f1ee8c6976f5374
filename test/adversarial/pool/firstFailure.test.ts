import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, ensureBuilt, put, segkit, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-pool-');
afterAll(tmp.cleanup);

const RUNS = 30;

describe('segkit eval --workers 2 whose first pair is undecodable', () => {
  beforeAll(ensureBuilt);

  it(`exits 1 with the file's message in each of ${RUNS} runs (never a V8 abort, 134, or a stray worker message)`, () => {
    // Before the fix the pool was destroyed as soon as the first task failed: a worker still loading its module
    // was terminated mid-instantiation (FATAL ERROR: v8::Module::IsGraphAsync, exit 134), or a worker's finished
    // result arrived after the pool had dropped its task ("Unexpected message from Worker", a stack trace).
    const d = dataset(join(tmp.dir, 'first'), 6);
    put(join(d, 'pred/case_000.png'), 'not a png');
    const outcomes = new Map<string, number>();
    for (let i = 0; i < RUNS; i++) {
      const r = segkit(['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--workers', '2'], d);
      const key = `${r.status} ${r.stderr}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    expect([...outcomes.keys()]).toEqual([
      "1 segkit eval: readMask: cannot decode 'pred/case_000.png' as PNG: it does not start with the PNG signature.\n",
    ]);
  }, 600_000);
});
