/**
 * Atomic output: write every file to a temporary name beside it, then rename, so that a failed run never
 * leaves a half-written file.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';

/**
 * Writes several files atomically as a group: all contents go to temporary files (`.<name>.<pid>.<random>.tmp`
 * in the target's folder) and are flushed to disk; only when all succeeded are they renamed over their
 * targets. On any failure the temporary files are removed and no target is touched.
 * @param files - target path → content.
 * @throws DataError naming the file that could not be written.
 * @example await writeFilesAtomic([['out.json', json], ['out.csv', csv]])
 */
export async function writeFilesAtomic(
  files: readonly (readonly [string, string | Uint8Array])[],
): Promise<void> {
  const temps: [string, string][] = [];
  const releases: (() => void)[] = [];
  try {
    for (const [path, content] of files) {
      const tmp = tempName(path);
      temps.push([tmp, path]);
      releases.push(removeOnInterrupt(tmp));
      await writeAndSync(tmp, content, path);
    }
    // Renamed synchronously, with no turn of the event loop between them: an interruption (see interrupt.ts)
    // comes before every rename (the temporary files are removed) or after the last, never between two.
    for (const [tmp, path] of temps) {
      try {
        renameSync(tmp, path);
      } catch (cause) {
        throw writeError(path, cause);
      }
    }
  } catch (err) {
    await Promise.all(temps.map(([tmp]) => unlink(tmp).catch(() => undefined)));
    throw err;
  } finally {
    for (const release of releases) release();
  }
}

/** The temporary name of `path`'s content: `.<name>.<pid>.<random>.tmp` in its folder. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes one file atomically (see `writeFilesAtomic`). */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([[path, content]]);
}

async function writeAndSync(tmp: string, content: string | Uint8Array, target: string): Promise<void> {
  let handle;
  try {
    handle = await open(tmp, 'wx');
    await handle.writeFile(content);
    await handle.sync();
  } catch (cause) {
    throw writeError(target, cause);
  } finally {
    await handle?.close();
  }
}

function writeError(file: string, cause: unknown): DataError {
  const code = (cause as { code?: string }).code;
  // ENOENT from a folder that exists: a file system that makes no files there (procfs).
  const reason =
    code === 'ENOENT'
      ? existsSync(dirname(file))
        ? 'its folder does not take new files (ENOENT)'
        : 'its folder does not exist'
      : code === 'EACCES'
        ? 'permission denied'
        : (cause as Error).message;
  return new DataError(`writeFileAtomic: cannot write '${file}': ${reason}.`, { file, cause });
}

/**
 * Files written in pieces and committed as a group, for outputs too large to build as one string: each target
 * gets a temporary file beside it (`.<name>.<pid>.<random>.tmp`, as {@link writeFilesAtomic}); `write` appends
 * to it (buffered, synchronous); `commit` flushes every file to disk and only then renames them all over their
 * targets; `abort` removes the temporary files and touches no target.
 * @example const out = new AtomicFiles(); const f = out.open('r.csv'); out.write(f, 'a,b\n'); await out.commit();
 */
export class AtomicFiles {
  private readonly files: {
    path: string;
    tmp: string;
    fd: number | null;
    pending: string[];
    size: number;
    release: () => void;
  }[] = [];

  /**
   * Creates the temporary file of `path` and returns its handle for {@link AtomicFiles.write}.
   * @throws DataError naming `path` when it cannot be created.
   */
  open(path: string): number {
    const tmp = tempName(path);
    const release = removeOnInterrupt(tmp);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx');
    } catch (cause) {
      release();
      throw writeError(path, cause);
    }
    this.files.push({ path, tmp, fd, pending: [], size: 0, release });
    return this.files.length - 1;
  }

  /** Appends text to file `handle` (written out in pieces of about 1 MB). */
  write(handle: number, text: string): void {
    const f = this.files[handle];
    f.pending.push(text);
    f.size += text.length;
    if (f.size >= 1 << 20) this.flush(handle);
  }

  private flush(handle: number): void {
    const f = this.files[handle];
    if (f.pending.length === 0 || f.fd === null) return;
    try {
      writeSync(f.fd, f.pending.length === 1 ? f.pending[0] : f.pending.join(''));
    } catch (cause) {
      throw writeError(f.path, cause);
    }
    f.pending = [];
    f.size = 0;
  }

  /** Flushes, syncs and closes every file, then renames each over its target; on failure, {@link AtomicFiles.abort}. */
  async commit(): Promise<void> {
    try {
      for (let h = 0; h < this.files.length; h++) {
        this.flush(h);
        const f = this.files[h];
        try {
          fsyncSync(f.fd!);
          closeSync(f.fd!);
          f.fd = null;
        } catch (cause) {
          throw writeError(f.path, cause);
        }
      }
      // Synchronously, as in writeFilesAtomic: an interruption never falls between two renames.
      for (const f of this.files) {
        try {
          renameSync(f.tmp, f.path);
        } catch (cause) {
          throw writeError(f.path, cause);
        }
      }
      for (const f of this.files) f.release();
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Closes and removes every temporary file (targets untouched). */
  async abort(): Promise<void> {
    for (const f of this.files) {
      if (f.fd !== null) {
        try {
          closeSync(f.fd);
        } catch {
          // already closed
        }
        f.fd = null;
      }
    }
    await Promise.all(this.files.map((f) => unlink(f.tmp).catch(() => undefined)));
    for (const f of this.files) f.release();
  }
}
