/**
 * Atomic output: write every file to a temporary name beside it, then rename, so that a failed run never
 * leaves a half-written file.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors.js';

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
  try {
    for (const [path, content] of files) {
      const tmp = join(
        dirname(path),
        `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
      );
      temps.push([tmp, path]);
      await writeAndSync(tmp, content, path);
    }
    for (const [tmp, path] of temps) {
      try {
        await rename(tmp, path);
      } catch (cause) {
        throw writeError(path, cause);
      }
    }
  } catch (err) {
    await Promise.all(temps.map(([tmp]) => unlink(tmp).catch(() => undefined)));
    throw err;
  }
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
  const reason =
    code === 'ENOENT'
      ? 'its folder does not exist'
      : code === 'EACCES'
        ? 'permission denied'
        : (cause as Error).message;
  return new DataError(`writeFileAtomic: cannot write '${file}': ${reason}.`, { file, cause });
}
