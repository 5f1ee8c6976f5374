/**
 * Clean-up on interruption: paths a run creates for itself (scratch folders, temporary output files) are
 * removed when the process is stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP before the run removes or renames
 * them. The process then ends by the same signal, as it would have without the handler (exit status 128 + n in a
 * shell), so callers such as `make`, GNU parallel or Slurm see an interrupted run, not a failed or successful one.
 * @module
 */
import { rmSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Registered paths (a path may be registered more than once: each registration is taken back on its own). */
const pending = new Map<number, string>();
let next = 0;
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  for (const path of pending.values()) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Nothing more can be done while the process is going down; the other paths are still removed.
    }
  }
  pending.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  installed = false;
  // Without listeners the signal's default action (end the process) applies again.
  process.kill(process.pid, signal);
}

/**
 * Removes `path` (a file, or a folder with everything in it) if the process is interrupted by SIGINT, SIGTERM
 * or SIGHUP before the returned function is called. Call the returned function once the path has been removed
 * or renamed by the run itself. The signal handlers are installed with the first registration and removed with
 * the last, so a process that registers nothing keeps Node's default signal behaviour.
 * @param path - the path to remove on interruption.
 * @returns a function that takes the registration back (calling it twice is harmless).
 * @example
 * const dir = mkdtempSync(join(tmpdir(), 'segkit-'));
 * const release = removeOnInterrupt(dir);
 * try { work(dir); } finally { rmSync(dir, { recursive: true, force: true }); release(); }
 */
export function removeOnInterrupt(path: string): () => void {
  const key = next++;
  pending.set(key, path);
  if (!installed) {
    for (const s of SIGNALS) process.on(s, onSignal);
    installed = true;
  }
  return () => {
    pending.delete(key);
    if (pending.size === 0 && installed) {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      installed = false;
    }
  };
}
