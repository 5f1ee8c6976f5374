/**
 * Reading a ground-truth / prediction pair: both headers first (sizes compared, spacing settled), then the
 * pixels.
 * @module
 */
import { readFileSync } from 'node:fs';
import { pngHeader } from './decodePng.js';
import { DataError } from './errors.js';
import { niftiHeader, niftiSpacing } from './nifti.js';
import { decodeMask, formatOf, readError } from './readMask.js';
import type { DecodeOptions, Mask } from './types.js';

/** What a mask file's header says, read without decoding any pixel. */
export interface MaskHeader {
  /** `[H, W]` or `[D, H, W]`. */
  readonly shape: number[];
  /**
   * The file's spacing in the order of `shape`, checked (positive and finite), or `undefined` when the format
   * carries none (PNG) or `options.spacing` is given.
   */
  readonly spacing: number[] | undefined;
}

/**
 * Reads the header of a mask file (PNG: IHDR; NIfTI: the 348-byte header, inflating only that much of a
 * `.nii.gz`). The spacing is checked unless `options.spacing` replaces it.
 * @throws DataError naming `file` when the header is bad (see `decodeMask`).
 * @example maskHeader(readFileSync('gt/a.nii.gz'), 'gt/a.nii.gz').shape // [64, 128, 128]
 */
export function maskHeader(bytes: Uint8Array, file: string, options: DecodeOptions = {}): MaskHeader {
  const format = formatOf(file);
  if (format === 'png') {
    const h = pngHeader(bytes, file, options);
    return { shape: [h.height, h.width], spacing: undefined };
  }
  if (format === 'nifti') {
    const h = niftiHeader(bytes, file, options);
    return { shape: h.shape, spacing: options.spacing ? undefined : niftiSpacing(h, file) };
  }
  throw new DataError(`readMask: '${file}' must end in .png, .nii or .nii.gz.`, { file });
}

/** Options of the pair readers: those of the decoders, with a spacing that is given or read, never ignored. */
export type PairOptions = Omit<DecodeOptions, 'spacing'> & { spacing?: readonly number[] };

/** A decoded pair and the spacing it is measured with. */
export interface MaskPair {
  readonly gt: Mask;
  readonly pred: Mask;
  /** The spacing used for the pair, in the order of `shape`. */
  readonly spacing: number[];
  /** Notes for the user (e.g. headers that disagree on the spacing, and which one is used). */
  readonly warnings: string[];
}

/** x-first text of an array-axis-order shape, axes named as the label errors name them: `5×4 (x×y)` for 4 rows of 5. */
const shapeText = (s: readonly number[]): string =>
  `${[...s].reverse().join('×')} (${['x', 'y', 'z'].slice(0, s.length).join('×')})`;
/** x-first text of an array-axis-order spacing. */
const xyz = (s: readonly number[]): string => `[${[...s].reverse().join(', ')}]`;

/**
 * Decodes a ground-truth / prediction pair from their bytes. Both headers are read first: different sizes are an
 * error before any pixel is decoded. The spacing is `options.spacing` when given (one value or one per axis,
 * array-axis order; NIfTI headers are then not used), else the NIfTI header's (the ground truth's when both
 * carry one; a warning says so when they differ by more than 1e-4 relative), else 1 per axis.
 * @param options.palette - colour table for RGB(A) PNGs. @default undefined
 * @param options.maxPixels - largest accepted size. @default 2 ** 30
 * @param options.spacing - the spacing of every file. @default undefined
 * @throws DataError naming the file at fault: a bad header or pixel data, different sizes, a bad `pixdim`, or a
 * spacing whose length fits neither 1 nor the rank.
 * @example decodeMaskPair(gtBytes, 'gt/a.png', predBytes, 'pred/a.png', { spacing: [0.5] }).spacing // [0.5, 0.5]
 */
export function decodeMaskPair(
  gtBytes: Uint8Array,
  gtFile: string,
  predBytes: Uint8Array,
  predFile: string,
  options: PairOptions = {},
): MaskPair {
  const gh = maskHeader(gtBytes, gtFile, options);
  const ph = maskHeader(predBytes, predFile, options);
  if (gh.shape.length !== ph.shape.length || gh.shape.some((d, i) => d !== ph.shape[i])) {
    throw new DataError(
      `'${gtFile}' is ${shapeText(gh.shape)} but '${predFile}' is ${shapeText(ph.shape)}; a pair must have the same size.`,
      { file: predFile },
    );
  }
  const rank = gh.shape.length;
  const warnings: string[] = [];
  let spacing: number[];
  const given = options.spacing;
  if (given) {
    if (given.length !== 1 && given.length !== rank) {
      throw new DataError(
        `--spacing has ${given.length} values but '${gtFile}' has ${rank} axes; give one value or ${rank}.`,
        { file: gtFile },
      );
    }
    spacing = given.length === 1 ? Array.from({ length: rank }, () => given[0]) : [...given];
  } else if (gh.spacing && ph.spacing) {
    const [g, p] = [gh.spacing, ph.spacing];
    if (p.some((s, i) => Math.abs(s - g[i]) > 1e-4 * Math.max(s, g[i]))) {
      warnings.push(
        `'${predFile}' has spacing ${xyz(p)} and '${gtFile}' ${xyz(g)} (x, y, z); the ground truth's is used.`,
      );
    }
    spacing = g;
  } else {
    spacing = gh.spacing ?? ph.spacing ?? Array.from({ length: rank }, () => 1);
  }
  const decode = { ...options, spacing };
  return {
    gt: decodeMask(gtBytes, gtFile, decode),
    pred: decodeMask(predBytes, predFile, decode),
    spacing,
    warnings,
  };
}

/**
 * Reads and decodes a pair of mask files ({@link decodeMaskPair} on their content). Node only, synchronous (for
 * worker threads).
 * @throws DataError naming the file that cannot be read or decoded.
 * @example readMaskPairSync('gt/a.nii.gz', 'pred/a.nii.gz').spacing // [2.5, 0.8, 0.8]
 */
export function readMaskPairSync(gtPath: string, predPath: string, options: PairOptions = {}): MaskPair {
  const read = (path: string): Uint8Array => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw readError(path, cause);
    }
  };
  return decodeMaskPair(read(gtPath), gtPath, read(predPath), predPath, options);
}
