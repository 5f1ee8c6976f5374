/**
 * The README's GNU parallel recipes, run for real: the shell blocks marked `# recipe: …` are extracted and run
 * by bash in a generated dataset, with `segkit` on the PATH (the built binary), and their merged result is
 * compared with a single run byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset } from '../adversarial/helpers.js';
import { tempDir } from '../io/fixtures.js';
import { bin, ensureBuilt, root, segkit } from './helpers.js';

const tmp = tempDir('segkit-recipes-');
afterAll(tmp.cleanup);

/** The shell block of the README that starts with `# recipe: name`. */
export function recipe(name: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = new RegExp('```sh\\n# recipe: ' + name + '\\n([\\s\\S]*?)```').exec(readme);
  if (!m) throw new Error(`README.md has no block '# recipe: ${name}'.`);
  return m[1];
}

const hasParallel = spawnSync('parallel', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasParallel) {
  console.warn(
    "test/cli/batchRecipes: GNU parallel is not installed (Debian package 'parallel', installed by .ci/run); the recipe tests are skipped.",
  );
}

describe.skipIf(!hasParallel)('README batch recipes with GNU parallel', () => {
  const shim = join(tmp.dir, 'bin');
  beforeAll(() => {
    ensureBuilt();
    mkdirSync(shim, { recursive: true });
    writeFileSync(join(shim, 'segkit'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
    chmodSync(join(shim, 'segkit'), 0o755);
  });

  for (const [name, env] of [
    ['gnu-parallel', {}],
    ['gnu-parallel-hosts', { HOSTS: '2/:', N: '3' }],
  ] as const) {
    it(`'${name}' runs its shards and merges them into the single-run JSON`, () => {
      const d = dataset(join(tmp.dir, name), 11);
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', recipe(name)], {
        cwd: d,
        encoding: 'utf8',
        env: {
          ...process.env,
          ...env,
          PATH: `${shim}:${process.env.PATH}`,
          PARALLEL_HOME: join(tmp.dir, '.parallel'),
        },
        timeout: 300_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/segkit merge: \d+ state\(s\), 11 pair\(s\)\./);
      const single = segkit(
        ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--json', 'single.json'],
        d,
      );
      expect(single.status, single.stderr).toBe(0);
      expect(readFileSync(join(d, 'result.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
    }, 600_000);
  }
});
