/**
 * Reading a mask file of any supported format.
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { decodePngMask } from './decodePng.js';
import { DataError } from './errors.js';
import { decodeNiftiMask } from './nifti.js';
import type { DecodeOptions, Mask, MaskFormat } from './types.js';

/** File name endings segkit reads, longest first, with their format. */
export const MASK_EXTENSIONS: readonly (readonly [string, MaskFormat])[] = [
  ['.nii.gz', 'nifti'],
  ['.nii', 'nifti'],
  ['.png', 'png'],
];

/**
 * The format of a mask file from its name (case-insensitive), or `undefined` when segkit does not read it.
 * @example formatOf('case_1.nii.gz') // 'nifti'
 */
export function formatOf(path: string): MaskFormat | undefined {
  const lower = path.toLowerCase();
  return MASK_EXTENSIONS.find(([ext]) => lower.endsWith(ext))?.[1];
}

/**
 * Decodes the bytes of a mask file, choosing the decoder from the name's ending (`.png`, `.nii`, `.nii.gz`).
 * @param bytes - the file's content.
 * @param file - its name (decides the format; shown in error messages).
 * @throws DataError naming `file`.
 * @example decodeMask(bytes, 'gt/case_001.png').shape // [512, 512]
 */
export function decodeMask(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Mask {
  const format = formatOf(file);
  if (format === 'png') return decodePngMask(bytes, file, options);
  if (format === 'nifti') return decodeNiftiMask(bytes, file, options);
  throw new DataError(`readMask: '${file}' must end in .png, .nii or .nii.gz.`, { file });
}

/**
 * Reads and decodes a mask file: PNG (grayscale, palette, or RGB(A) with `options.palette`) or NIfTI-1
 * (`.nii`, `.nii.gz`). Node only.
 * @param path - the file.
 * @param options.palette - colour table for RGB(A) PNGs. @default undefined
 * @param options.maxPixels - largest accepted size. @default 2 ** 30
 * @returns `{ data, shape, spacing, format }`: row-major labels, `[H, W]` or `[D, H, W]`.
 * @throws DataError naming the file when it cannot be read or decoded (the underlying error as `cause`).
 * @example const { data, shape, spacing } = await readMask('gt/case_001.nii.gz')
 */
export async function readMask(path: string, options: DecodeOptions = {}): Promise<Mask> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw readError(path, cause);
  }
  return decodeMask(bytes, path, options);
}

/** The synchronous twin of `readMask`, for worker threads. */
export function readMaskSync(path: string, options: DecodeOptions = {}): Mask {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw readError(path, cause);
  }
  return decodeMask(bytes, path, options);
}

const CODES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/** `readMask: cannot read '<file>': <reason>.` with the cause attached. */
export function readError(file: string, cause: unknown): DataError {
  const code = (cause as { code?: string }).code;
  const reason = (code && CODES[code]) ?? (cause instanceof Error ? cause.message : String(cause));
  return new DataError(`readMask: cannot read '${file}': ${reason}.`, { file, cause });
}
