/**
 * The README's Kubernetes Indexed Job recipe, checked as far as it can be without a cluster: the YAML block
 * parses (PyYAML through the system python, as a YAML 1.1 reader independent of segkit) into an Indexed Job
 * whose container command, run by `sh -c` once per completion index with `JOB_COMPLETION_INDEX` set (and `npx
 * --yes segkit` mapped to the built binary), evaluates every shard; the merge command of the next block then
 * gives the single run's JSON byte for byte. What is not checked: the cluster, the image, the volume.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset } from '../adversarial/helpers.js';
import { tempDir } from '../io/fixtures.js';
import { bin, ensureBuilt, root, segkit } from './helpers.js';

const tmp = tempDir('segkit-k8s-');
afterAll(tmp.cleanup);

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('**Kubernetes Indexed Job**'));
const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const shBlock = /```yaml\n[\s\S]*?```\s*```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

const PY = '/usr/bin/python3';
const hasYaml = spawnSync(PY, ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
if (!hasYaml) {
  console.warn(
    "test/cli/k8sRecipe: /usr/bin/python3 with PyYAML (Debian package 'python3-yaml') is missing; the Kubernetes recipe test is skipped.",
  );
}

interface Job {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: {
      spec: {
        restartPolicy: string;
        containers: { workingDir: string; command: string[]; args: string[] }[];
      };
    };
  };
}

describe.skipIf(!hasYaml)('README Kubernetes Indexed Job recipe', () => {
  const shim = join(tmp.dir, 'bin');
  beforeAll(() => {
    ensureBuilt();
    mkdirSync(shim, { recursive: true });
    // `npx --yes segkit ARGS` → the built segkit.
    writeFileSync(
      join(shim, 'npx'),
      `#!/bin/sh\n[ "$1" = --yes ] && shift\n[ "$1" = segkit ] && shift\nexec "${process.execPath}" "${bin}" "$@"\n`,
    );
    chmodSync(join(shim, 'npx'), 0o755);
  });

  it('parses into an Indexed Job whose command, run for every index, gives the single-run result after merge', () => {
    expect(yamlBlock).not.toBe('');
    const parsed = spawnSync(
      PY,
      ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'],
      { input: yamlBlock, encoding: 'utf8' },
    );
    expect(parsed.status, parsed.stderr).toBe(0);
    const job = JSON.parse(parsed.stdout) as Job;
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' } });
    const n = job.spec.completions;
    expect(n).toBeGreaterThan(1);
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['sh', '-c']);
    expect(container.args).toHaveLength(1);
    const command = container.args[0];
    // The shard count in the command is the Job's number of completions.
    expect(command).toContain(`--shard $((JOB_COMPLETION_INDEX + 1))/${n} `);
    // The evaluation options are the GNU parallel recipe's (tested in batchRecipes.test.ts).
    expect(command).toContain('segkit eval --gt gt --pred pred --num-classes 3 --workers ');
    expect(readme).toMatch(
      /# recipe: gnu-parallel\n[\s\S]*?segkit eval --gt gt --pred pred --num-classes 3 /,
    );

    const d = dataset(join(tmp.dir, 'data'), 11);
    mkdirSync(join(d, 'states'));
    const env = { ...process.env, PATH: `${shim}:${process.env.PATH}` };
    for (let i = 0; i < n; i++) {
      const r = spawnSync('sh', ['-c', command], {
        cwd: d,
        encoding: 'utf8',
        env: { ...env, JOB_COMPLETION_INDEX: String(i) },
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`shard ${i + 1}/${n}:`);
    }
    // The merge pod: `sh -c 'cd <workingDir> && npx --yes segkit merge …'`, run in the data folder.
    const merge = /sh -c '([^']*)'/.exec(shBlock)?.[1] ?? '';
    expect(merge).toMatch(new RegExp(`^cd ${container.workingDir} && npx --yes segkit merge `));
    const m = spawnSync('sh', ['-c', merge.replace(`cd ${container.workingDir}`, 'cd .')], {
      cwd: d,
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
    expect(m.status, m.stderr).toBe(0);
    expect(m.stderr).toContain(`segkit merge: ${n} state(s), 11 pair(s).`);
    const single = segkit(
      ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '3', '--json', 'single.json'],
      d,
    );
    expect(single.status, single.stderr).toBe(0);
    expect(readFileSync(join(d, 'result.json'), 'utf8')).toBe(readFileSync(join(d, 'single.json'), 'utf8'));
  }, 900_000);
});
