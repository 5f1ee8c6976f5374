import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, ensureBuilt, evalArgs, readJson, segkit, tempDir } from '../helpers.js';

const tmp = tempDir('segkit-adv-shards-');
afterAll(tmp.cleanup);

// 7 pairs in 3 shards of 2, 2 and 3 pairs (shardRange: floor(k·7/3)).
const d = join(tmp.dir, 'data');
const shardFile = (k: number): string => join(d, `s${k}.json`);

interface State {
  version: number;
  shard: { index: number; count: number };
  dataset: { pairs: number };
  images: { id: string; gt: string; digest: string }[];
  confusion: { rows: { id: string; pixels: number; counts: number[] }[]; images: number };
}

/** A copy of shard k's state, edited by `edit`, written to `name`. */
function edited(k: number, name: string, edit: (s: State) => void): string {
  const s = readJson(shardFile(k)) as State;
  edit(s);
  writeFileSync(join(d, name), JSON.stringify(s));
  return name;
}

const merge = (...files: string[]) => segkit(['merge', ...files, '--json', 'merged.json'], d);

beforeAll(() => {
  ensureBuilt();
  dataset(d, 7);
  // The same file names in another prediction folder, with other predictions.
  dataset(join(d, 'other'), 7, 2);
  copyFileSync(join(d, 'gt/case_000.png'), join(d, 'other/gt/case_000.png'));
  for (let k = 1; k <= 3; k++) {
    const r = segkit(evalArgs('--shard', `${k}/3`, '--state', `s${k}.json`), d);
    expect(r.status, r.stderr).toBe(0);
  }
  const r = segkit(
    [
      'eval',
      '--gt',
      'gt',
      '--pred',
      'other/pred',
      '--num-classes',
      '3',
      '--workers',
      '0',
      '--shard',
      '3/3',
      '--state',
      'foreign3.json',
    ],
    d,
  );
  expect(r.status, r.stderr).toBe(0);
  expect(segkit(evalArgs('--json', 'single.json'), d).status).toBe(0);
});

describe('segkit merge validates every invariant of the states (exit 1, naming the file)', () => {
  it('merges the three shards into the single run, with its content digest', () => {
    const r = merge('s3.json', 's1.json', 's2.json');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(d, 'merged.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
    expect((readJson(join(d, 'single.json')) as { dataset: { content: string } }).dataset.content).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  const cases: [string, () => string[], RegExp, number?][] = [
    [
      'a shard evaluated on another --pred folder with the same file names',
      () => ['s1.json', 's2.json', 'foreign3.json'],
      /^segkit merge: 'foreign3\.json' was evaluated on another --pred folder \(other file names or sizes\) than 's1\.json'; every shard must see the same data\.\n$/,
    ],
    [
      'a shard "4 of 3"',
      () => ['s1.json', 's2.json', edited(3, 'four.json', (s) => (s.shard.index = 4))],
      /'four\.json' has shard 4\/3; a shard must be k\/n with integers 1 ≤ k ≤ n\./,
    ],
    [
      'a shard given twice (usage, 2)',
      () => ['s1.json', 's2.json', 's2.json', 's3.json'],
      /'s2\.json' and 's2\.json' are both shard 2\/3; give each shard once\./,
      2,
    ],
    [
      'a copy of a shard under another index',
      () => ['s1.json', edited(1, 'two.json', (s) => (s.shard.index = 2)), 's3.json'],
      /'two\.json' holds image 'case_000', which is not after the last image 'case_001' of 's1\.json' \(an image in two shards/,
    ],
    [
      'a duplicated image id',
      () => [
        's1.json',
        edited(2, 'dup.json', (s) => {
          s.images[1] = s.images[0];
          s.confusion.rows[1] = s.confusion.rows[0];
        }),
        's3.json',
      ],
      /'dup\.json' lists image 'case_002' twice\./,
    ],
    [
      'per-image rows that do not add up to the totals',
      // counts[1] is the tp of the row's first class: one pixel more than the row's 16.
      () => ['s1.json', edited(2, 'rows.json', (s) => (s.confusion.rows[0].counts[1] += 1)), 's3.json'],
      /'rows\.json' has corrupt confusion counts: ConfusionMatrix\.fromJSON: state\.rows\[0\]: tp \+ fn and tp \+ fp summed over classes must both equal pixels \(16\); got 17 and 17\./,
    ],
    [
      'per-image rows, each consistent, that do not add up to the totals',
      () => [
        's1.json',
        edited(2, 'swapped.json', (s) => {
          s.confusion.rows[0] = { ...s.confusion.rows[1], id: s.confusion.rows[0].id };
        }),
        's3.json',
      ],
      /'swapped\.json' has per-image rows that do not add up to its totals \(class \d\)\./,
    ],
    [
      'an extra image row (more images than the shard has)',
      () => [
        's1.json',
        's2.json',
        edited(3, 'more.json', (s) => {
          s.images.push({ ...s.images[2], id: 'case_999' });
          s.confusion.rows.push({ ...s.confusion.rows[2], id: 'case_999' });
          s.confusion.images += 1;
        }),
      ],
      /'more\.json' holds 4 image\(s\) but shard 3\/3 of a dataset of 7 pairs has 3\./,
    ],
    [
      'more images than the dataset has (a smaller pair count in every state)',
      () => [1, 2, 3].map((k) => edited(k, `small${k}.json`, (s) => (s.dataset.pairs = 6))),
      /'small1\.json' holds 2 image\(s\) but shard 1\/3 of a dataset of 6 pairs has 2|'small3\.json' holds 3 image\(s\) but shard 3\/3 of a dataset of 6 pairs has 2/,
    ],
    [
      'an edited image digest',
      () => ['s1.json', edited(2, 'digest.json', (s) => (s.images[0].digest = '0'.repeat(64))), 's3.json'],
      /'digest\.json' has image digests that do not add up to its content digest \(the file was edited\)\./,
    ],
    [
      'an edited file name',
      () => ['s1.json', edited(2, 'name.json', (s) => (s.images[0].gt = 'elsewhere.png')), 's3.json'],
      /hold images whose names do not match the dataset pairing/,
    ],
    [
      'a state of version 1 (no data digest: refused, not guessed)',
      () => ['s1.json', edited(2, 'v1.json', (s) => (s.version = 1)), 's3.json'],
      /'v1\.json' has state version 1, which records no digest of the data and cannot be validated; evaluate the shards again/,
    ],
    [
      'a missing shard (usage, 2)',
      () => ['s1.json', 's3.json'],
      /shard 2\/3 missing; give the states of all 3 shards\./,
      2,
    ],
  ];
  for (const [title, files, message, code] of cases) {
    it(title, () => {
      const r = merge(...files());
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(code ?? 1);
      expect(r.stdout).toBe('');
    });
  }
});
