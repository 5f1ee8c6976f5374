/**
 * Listing the mask files of a folder and pairing ground truth with predictions by relative path without
 * extension.
 * @module
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './errors.js';
import { MASK_EXTENSIONS } from './readMask.js';

/** One mask file of a folder. */
export interface MaskFile {
  /** Relative path without the extension, `/`-separated: the pairing key. */
  readonly key: string;
  /** Relative path with the extension, `/`-separated. */
  readonly file: string;
  /** Size in bytes (of the link's target for a symbolic link). */
  readonly size: number;
}

/**
 * The pairing key of a relative path: the path without its mask extension, with `/` separators; `undefined`
 * for files that are not masks.
 * @example maskKey('sub/case_1.nii.gz') // 'sub/case_1'
 */
export function maskKey(relPath: string): string | undefined {
  const lower = relPath.toLowerCase();
  const ext = MASK_EXTENSIONS.find(([e]) => lower.endsWith(e));
  return ext ? relPath.slice(0, relPath.length - ext[0].length).replace(/\\/g, '/') : undefined;
}

const folderError = (path: string, what: string, cause?: unknown): DataError =>
  new DataError(`listMasks: ${what}`, { file: path, cause });

/**
 * Lists the mask files (`.png`, `.nii`, `.nii.gz`, any case) below `dir`, recursively, sorted by key (code-unit
 * order). Names starting with `.` are skipped (hidden files, temporary files). Symbolic links are followed, to
 * files and to folders alike; a link to a folder that contains it (a loop) and a link that points to nothing
 * are errors, never skipped.
 * @throws DataError when a folder cannot be read, a link is broken or loops, or two files share a key
 * (`a.png` and `a.nii`).
 * @example await listMasks('gt') // [{ key: 'case_1', file: 'case_1.png', size: 912 }, ...]
 */
export async function listMasks(dir: string): Promise<MaskFile[]> {
  const found: MaskFile[] = [];
  const walk = async (rel: string, ancestors: readonly string[]): Promise<void> => {
    const here = join(dir, rel);
    let entries;
    let real: string;
    try {
      real = await realpath(here);
      entries = await readdir(here, { withFileTypes: true });
    } catch (cause) {
      throw folderError(here, `cannot read the folder '${here}': ${(cause as Error).message}.`, cause);
    }
    if (ancestors.includes(real)) {
      throw folderError(
        here,
        `'${here}' is a symbolic link to '${real}', a folder that contains it: the folder tree loops; remove the link.`,
      );
    }
    const inside = [...ancestors, real];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const path = join(dir, relPath);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        let target;
        try {
          target = await stat(path);
        } catch (cause) {
          throw folderError(
            path,
            `'${path}' is a symbolic link that cannot be followed (${(cause as { code?: string }).code ?? (cause as Error).message}); remove it or fix its target.`,
            cause,
          );
        }
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        await walk(relPath, inside);
        continue;
      }
      const key = maskKey(relPath);
      if (key === undefined) continue;
      if (!isFile) {
        throw folderError(path, `'${path}' is not a regular file (a device, socket or pipe); remove it.`);
      }
      found.push({ key, file: relPath, size: (await stat(path)).size });
    }
  };
  await walk('', []);
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 1; i < found.length; i++) {
    if (found[i].key === found[i - 1].key) {
      throw new DataError(
        `listMasks: '${join(dir, found[i - 1].file)}' and '${join(dir, found[i].file)}' pair with the same name; keep one.`,
        { file: join(dir, found[i].file) },
      );
    }
  }
  return found;
}

/** The result of `pairMasks`. */
export interface Pairing {
  /** Keys present on both sides, sorted, with both files. */
  readonly pairs: { key: string; gt: string; pred: string }[];
  /** Ground-truth files without a prediction (relative paths). */
  readonly missing: string[];
  /** Prediction files without a ground truth (relative paths). */
  readonly extra: string[];
}

/**
 * Pairs two sorted listings by key.
 * @example pairMasks(await listMasks('gt'), await listMasks('pred')).missing // ['case_7.png']
 */
export function pairMasks(
  gt: readonly Pick<MaskFile, 'key' | 'file'>[],
  pred: readonly Pick<MaskFile, 'key' | 'file'>[],
): Pairing {
  const byKey = new Map(pred.map((p) => [p.key, p.file]));
  const gtKeys = new Set(gt.map((g) => g.key));
  const pairs: Pairing['pairs'] = [];
  const missing: string[] = [];
  for (const g of gt) {
    const p = byKey.get(g.key);
    if (p === undefined) missing.push(g.file);
    else pairs.push({ key: g.key, gt: g.file, pred: p });
  }
  const extra = pred.filter((p) => !gtKeys.has(p.key)).map((p) => p.file);
  return { pairs, missing, extra };
}
