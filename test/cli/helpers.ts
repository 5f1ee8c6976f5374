/**
 * Running the built `segkit` binary in tests: build it when packages/cli/dist/ is missing or older than the sources, then
 * spawn it and keep stdout, stderr and the exit code apart.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = join(root, 'packages/cli/dist/main.js');
const worker = join(root, 'packages/cli/dist/eval-worker.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ and packages/cli/dist/ with `npx tsup` (idempotent) unless the CLI files are newer than every source file they bundle. */
export function ensureBuilt(): void {
  const fresh =
    existsSync(bin) &&
    existsSync(worker) &&
    Math.min(statSync(bin).mtimeMs, statSync(worker).mtimeMs) >=
      Math.max(
        ...['src/cli', 'src/io', 'src/core/evaluation', 'src/core/kernels'].map((d) =>
          newestSource(join(root, d)),
        ),
      );
  if (fresh) return;
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (err) {
    // The type declarations may fail on code outside the CLI; the JavaScript is what these tests need.
    if (!existsSync(bin) || !existsSync(worker)) throw err;
  }
  // tsup cleans packages/cli/dist/: rebuild the browser demo's page too, as `npm run build` does.
  execFileSync(process.execPath, [join(root, 'scripts/build-browser-demo.mjs')], {
    cwd: root,
    stdio: 'pipe',
  });
}

/** The outcome of one run. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `segkit ...args` in `cwd`. */
export function segkit(args: readonly string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
