/**
 * Shared types of the dependency-free core.
 * @module
 */

/** Any numeric buffer segkit accepts: a typed array or a plain array of numbers. */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | readonly number[];

/**
 * Where the channel axis sits.
 * - `'channelsLast'`: shape `[N, ...spatial, C]` (Keras default, NHWC / NDHWC).
 * - `'channelsFirst'`: shape `[N, C, ...spatial]` (PyTorch, NCHW / NCDHW).
 */
export type Layout = 'channelsLast' | 'channelsFirst';

/**
 * A dense n-dimensional array in row-major (C) order: `data.length` equals the product of `shape`.
 * @example { data: new Float32Array(2 * 4 * 4 * 3), shape: [2, 4, 4, 3] }
 */
export interface NdArray {
  /** Row-major values. */
  readonly data: NumericArray;
  /** Extent of each axis. */
  readonly shape: readonly number[];
}

/**
 * How a batch of images is laid out in memory, independent of the layout name:
 * element (image n, pixel s, channel c) lives at `n * imageStride + s * pixelStride + c * channelStride`.
 */
export interface BatchGeometry {
  /** Number of images (axis 0). */
  readonly batch: number;
  /** Number of channels (classes). */
  readonly channels: number;
  /** Number of pixels (voxels) per image: the product of the spatial axes. */
  readonly pixels: number;
  /** Extents of the spatial axes. */
  readonly spatialShape: readonly number[];
  readonly imageStride: number;
  readonly pixelStride: number;
  readonly channelStride: number;
  readonly layout: Layout;
}
