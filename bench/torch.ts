/**
 * PyTorch references timed in the same bench run as segkit: runs bench/torch/losses.py (PyTorch CPU autograd,
 * 1 thread) as a subprocess with baseline.md's "keepmem" malloc setting, passes its JSON lines through to stdout and
 * returns them, so a benchmark can print `segkit ÷ torch` measured minutes apart on the same machine rather than
 * against baseline.md's figures from another day. PyTorch is a development tool (Debian `python3-torch`), not a CI
 * dependency: without it the rows are skipped with a message on stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'torch/losses.py');

/** One PyTorch result line (workloads.json → result_line_fields). */
export interface TorchResult {
  workload: string;
  impl: string;
  median_ms: number;
  value: number;
}

/** The interpreter: $SEGKIT_PYTHON, else Debian's /usr/bin/python3 (where apt's python3-torch lives), else python3. */
const PYTHON = process.env.SEGKIT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

let available: boolean | undefined;

/** True when `python3 -c 'import torch'` works here (checked once per process). */
export function torchAvailable(): boolean {
  if (available === undefined) {
    if (process.env.SEGKIT_BENCH_TORCH === '0') available = false;
    else available = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    if (!available) {
      console.error(
        `bench: PyTorch rows skipped (${PYTHON} cannot import torch; \`apt-get install python3-torch\` or set ` +
          'SEGKIT_PYTHON; or SEGKIT_BENCH_TORCH=0 was set)',
      );
    }
  }
  return available;
}

/**
 * Times the PyTorch reference of each workload (`dice_fb_*`, `focal_fb`, `*_prob_*`) in one subprocess, prints
 * its lines and returns them by workload name; `undefined` when PyTorch is not available.
 * @example torchTimings(['dice_fb_small'])?.dice_fb_small.median_ms // e.g. 5.4
 */
export function torchTimings(workloads: readonly string[]): Record<string, TorchResult> | undefined {
  if (workloads.length === 0 || !torchAvailable()) return undefined;
  const run = spawnSync(PYTHON, [SCRIPT, ...workloads], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: {
      ...process.env,
      MALLOC_MMAP_THRESHOLD_: '1073741824',
      MALLOC_TRIM_THRESHOLD_: '4294967296',
      OMP_NUM_THREADS: '1',
    },
  });
  if (run.status !== 0) {
    console.error(
      `bench: bench/torch/losses.py failed (exit ${run.status}): ${run.stderr.trim().slice(-500)}`,
    );
    return undefined;
  }
  const out: Record<string, TorchResult> = {};
  for (const line of run.stdout.split('\n')) {
    if (!line.trim()) continue;
    console.log(line);
    const r = JSON.parse(line) as TorchResult;
    out[r.workload] = r;
  }
  return out;
}
