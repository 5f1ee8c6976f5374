/**
 * Types shared by the mask readers.
 * @module
 */

/** Integer typed arrays a decoded mask may hold. */
export type LabelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** File formats segkit reads masks from. */
export type MaskFormat = 'png' | 'nifti';

/**
 * A decoded label map.
 * Row-major (C order): a PNG is `[height, width]` (y, x); a NIfTI volume is `[nz, ny, nx]`, i.e. the header's
 * x axis varies fastest, as it does on disk.
 */
export interface Mask {
  /** Class index of each pixel (voxel), row-major. */
  readonly data: LabelArray;
  /** Extent of each axis: `[H, W]` or `[D, H, W]`. */
  readonly shape: number[];
  /**
   * Physical size of a pixel along each axis, in the order of `shape` (so `[dz, dy, dx]` for NIfTI); `undefined`
   * when the file does not carry one (PNG).
   */
  readonly spacing: number[] | undefined;
  /** The format the mask was decoded from. */
  readonly format: MaskFormat;
}

/** Options of the mask decoders. */
export interface DecodeOptions {
  /**
   * Colour → class table for RGB(A) PNG masks (see `parsePalette`). Without it an RGB(A) PNG is an error.
   * Ignored for grayscale and palette PNGs (their value or index is the class) and for NIfTI.
   * @default undefined
   */
  palette?: Palette;
  /**
   * Largest number of pixels (voxels) accepted, checked from the header before any allocation, so that a corrupt
   * or hostile header cannot make the reader allocate gigabytes.
   * @default 2 ** 30
   */
  maxPixels?: number;
  /**
   * The spacing to use instead of the file's, in array-axis order (`[dy, dx]`, `[dz, dy, dx]`), or one value for
   * every axis. Given, it is the mask's `spacing`, and a NIfTI header's `pixdim` is neither checked nor used;
   * not given, a NIfTI file's `pixdim` must be positive and finite on every axis, and a PNG has no spacing.
   * `'ignore'`: the spacing is not needed; `spacing` is `undefined` and `pixdim` is not checked.
   * @default undefined
   */
  spacing?: readonly number[] | 'ignore';
}

/** A colour → class table for RGB(A) masks, built by `parsePalette`. */
export interface Palette {
  /** Class of each colour, keyed by `(r << 16) | (g << 8) | b` (alpha is not part of the key). */
  readonly classes: ReadonlyMap<number, number>;
}
