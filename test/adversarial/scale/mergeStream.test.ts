/**
 * Issue 12, "a thousand shard states merge in bounded memory": `mergeStates` checks the heads of all states
 * together, then loads each state once, in shard order, and folds it in (one whole state held besides the
 * merged one). A state that differs from its checked head when loaded again is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headOf, mergeStates, parseState } from '../../../src/cli/eval/state.js';
import type { EvalState } from '../../../src/cli/eval/state.js';
import { dataset, ensureBuilt, evalArgs, segkit, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-mergestream-');
afterAll(tmp.cleanup);
const d = join(tmp.dir, 'data');
const N = 4;
const read = (file: string): EvalState => parseState(readFileSync(join(d, file), 'utf8'), file);

beforeAll(() => {
  ensureBuilt();
  dataset(d, 9);
  for (let k = 1; k <= N; k++) {
    const r = segkit(evalArgs('--shard', `${k}/${N}`, '--state', `s${k}.json`), d);
    expect(r.status, r.stderr).toBe(0);
  }
  const r = segkit(evalArgs('--state', 'single.json'), d);
  expect(r.status, r.stderr).toBe(0);
});

describe('mergeStates: heads checked together, states folded one at a time', () => {
  it('loads every state once, in shard order, whatever the order given, and gives the single-run state', async () => {
    const files = [3, 1, 4, 2].map((k) => `s${k}.json`);
    const heads = files.map((file) => ({ state: headOf(read(file)), file }));
    const loaded: string[] = [];
    const merged = await mergeStates(heads, async (file) => {
      loaded.push(file);
      return read(file);
    });
    expect(loaded).toEqual(['s1.json', 's2.json', 's3.json', 's4.json']);
    const single = read('single.json');
    expect(merged.images).toEqual(single.images);
    expect(merged.confusion).toEqual(single.confusion);
    expect(merged.content).toBe(single.content);
  });

  it('a head carries no per-image part', () => {
    const head = headOf(read('s1.json'));
    expect(Object.keys(head).sort()).toEqual(
      ['content', 'dataset', 'format', 'segkit', 'settings', 'shard', 'version'].sort(),
    );
  });

  it('refuses a state that is not the one whose head was checked (the file changed between the passes)', async () => {
    const files = [1, 2, 3, 4].map((k) => `s${k}.json`);
    const heads = files.map((file) => ({ state: headOf(read(file)), file }));
    // s3.json reads back as shard 3 of another dataset: its content digest differs.
    const other = { ...read('s3.json'), content: read('s2.json').content };
    await expect(mergeStates(heads, async (f) => (f === 's3.json' ? other : read(f)))).rejects.toThrow(
      /segkit merge: 's3\.json' changed while the states were merged; merge again\./,
    );
  });
});
