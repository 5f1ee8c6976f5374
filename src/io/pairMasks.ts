/**
 * Listing the mask files of a folder and pairing ground truth with predictions by relative path without
 * extension.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './errors.js';
import { MASK_EXTENSIONS } from './readMask.js';

/** One mask file of a folder. */
export interface MaskFile {
  /** Relative path without the extension, `/`-separated: the pairing key. */
  readonly key: string;
  /** Relative path with the extension, `/`-separated. */
  readonly file: string;
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

/**
 * Lists the mask files (`.png`, `.nii`, `.nii.gz`, any case) below `dir`, recursively, sorted by key (code-unit
 * order). Names starting with `.` are skipped (hidden files, temporary files).
 * @throws DataError when the folder cannot be read, or when two files share a key (`a.png` and `a.nii`).
 * @example await listMasks('gt') // [{ key: 'case_1', file: 'case_1.png' }, ...]
 */
export async function listMasks(dir: string): Promise<MaskFile[]> {
  const found: MaskFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch (cause) {
      throw new DataError(
        `listMasks: cannot read the folder '${join(dir, rel)}': ${(cause as Error).message}.`,
        {
          file: join(dir, rel),
          cause,
        },
      );
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(relPath);
      else {
        const key = maskKey(relPath);
        if (key !== undefined) found.push({ key, file: relPath });
      }
    }
  };
  await walk('');
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
export function pairMasks(gt: readonly MaskFile[], pred: readonly MaskFile[]): Pairing {
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
