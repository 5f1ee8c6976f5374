/**
 * NIfTI-1 label volumes (`.nii`, `.nii.gz`): the header through nifti-reader-js, gzip through Node's zlib, and a
 * small writer for tests and benchmarks.
 * @module
 */
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { NIFTI1 } from 'nifti-reader-js';
import { MAX_PIXELS, spacingFor } from './decodePng.js';
import { DataError, decodeError } from './errors.js';
import type { DecodeOptions, LabelArray, Mask } from './types.js';

const FN = 'readMask';
const HEADER_BYTES = 348;
const VOX_OFFSET = 352;

type Ctor = {
  new (buffer: ArrayBuffer): LabelArray | Float32Array | Float64Array;
  BYTES_PER_ELEMENT: number;
};

/** NIfTI-1 datatype codes segkit reads, with their arrays and names. */
const DATATYPES: Record<number, { ctor: Ctor; name: string }> = {
  2: { ctor: Uint8Array, name: 'uint8' },
  4: { ctor: Int16Array, name: 'int16' },
  8: { ctor: Int32Array, name: 'int32' },
  16: { ctor: Float32Array, name: 'float32' },
  64: { ctor: Float64Array, name: 'float64' },
  256: { ctor: Int8Array, name: 'int8' },
  512: { ctor: Uint16Array, name: 'uint16' },
  768: { ctor: Uint32Array, name: 'uint32' },
};

/** What a NIfTI-1 header says about the voxels, checked. */
export interface NiftiHeader {
  /** `[nz, ny, nx]` or `[ny, nx]` (trailing axes of extent 1 dropped). */
  readonly shape: number[];
  /** `pixdim` of the axes of `shape`, in the same order, as stored (not checked: see `niftiSpacing`). */
  readonly pixdim: number[];
  /** The stored datatype. */
  readonly datatype: string;
  /** Bytes the header implies: `vox_offset` + voxels × bytes per voxel (uncompressed). */
  readonly size: number;
  /** @internal */
  readonly voxOffset: number;
  /** @internal */
  readonly littleEndian: boolean;
  /** @internal */
  readonly code: number;
  /** @internal */
  readonly slope: number;
  /** @internal */
  readonly inter: number;
}

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const PREFIX_MAX = 1 << 20;

/**
 * At least the first `want` bytes of a gzip stream (or all of it when it is shorter), inflating no more than a
 * short prefix of the compressed bytes: at most about 1 MiB of output, whatever the file holds after.
 */
function gunzipPrefix(bytes: Uint8Array, file: string, want: number): Uint8Array {
  let lo = 0; // a compressed length known to inflate to fewer than `want` bytes
  let k = Math.min(bytes.length, 1024);
  for (;;) {
    let out: Uint8Array | null = null;
    try {
      out = gunzipSync(bytes.subarray(0, k), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: PREFIX_MAX,
      });
    } catch (cause) {
      if ((cause as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') {
        throw decodeError(FN, file, 'gzip-compressed NIfTI', cause);
      }
    }
    if (out === null) {
      k = Math.max(lo + 1, (lo + k) >> 1); // too much output: fewer compressed bytes
    } else if (out.length >= want || k === bytes.length) {
      return out;
    } else {
      lo = k;
      k = Math.min(bytes.length, 2 * k);
    }
  }
}

/**
 * Reads and checks the header of a NIfTI-1 file (`.nii`, or gzip-compressed) without decoding the voxels: a
 * `.nii.gz` is inflated only as far as its header.
 * @throws DataError naming `file`: not NIfTI-1, truncated header, unsupported datatype or rank, too many voxels.
 * @example niftiHeader(readFileSync('gt/case_001.nii.gz'), 'gt/case_001.nii.gz').shape // [128, 128, 128]
 */
export function niftiHeader(bytes: Uint8Array, file: string, options: DecodeOptions = {}): NiftiHeader {
  const raw = isGzip(bytes) ? gunzipPrefix(bytes, file, HEADER_BYTES) : bytes;
  return parseHeader(raw, file, options.maxPixels ?? MAX_PIXELS);
}

const failure = (file: string, why: string): DataError =>
  new DataError(`${FN}: cannot decode '${file}' as NIfTI-1: ${why}.`, { file });

function parseHeader(raw: Uint8Array, file: string, maxPixels: number): NiftiHeader {
  const fail = (why: string): DataError => failure(file, why);
  if (raw.length < HEADER_BYTES)
    throw fail(`the file ends early (${raw.length} bytes, a header has ${HEADER_BYTES})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  if (sizeLE === 540 || sizeBE === 540) throw fail('it is a NIfTI-2 file; only NIfTI-1 is supported');
  if (sizeLE !== HEADER_BYTES && sizeBE !== HEADER_BYTES) {
    throw fail(`sizeof_hdr must be 348; got ${sizeLE} (it is not a NIfTI-1 file, or it is corrupt)`);
  }
  const magic = String.fromCharCode(raw[344], raw[345], raw[346]);
  if (magic === 'ni1') throw fail('header/image pairs (.hdr/.img) are not supported; use a single .nii file');
  if (magic !== 'n+1') throw fail(`the magic string must be 'n+1'; got ${JSON.stringify(magic)}`);
  const header = new NIFTI1();
  try {
    // The 348 header bytes only: extensions and voxels are not needed here.
    header.readHeader(raw.buffer.slice(raw.byteOffset, raw.byteOffset + HEADER_BYTES) as ArrayBuffer);
  } catch (cause) {
    throw decodeError(FN, file, 'NIfTI-1', cause);
  }
  const dims = header.dims;
  const rank = dims[0];
  if (!(rank >= 1 && rank <= 7) || dims.slice(1, rank + 1).some((d) => !(d >= 1))) {
    throw fail(`dim must hold a rank in [1, 7] and positive extents; got [${dims.slice(0, 8).join(', ')}]`);
  }
  let extents = dims.slice(1, rank + 1);
  while (extents.length > 3 && extents[extents.length - 1] === 1) extents = extents.slice(0, -1);
  if (extents.length === 1) extents = [extents[0], 1];
  if (extents.length > 3) {
    throw fail(`a label volume must be 2-D or 3-D; got dims [${extents.join(', ')}]`);
  }
  const count = extents.reduce((a, b) => a * b, 1);
  if (count > maxPixels) throw fail(`its ${count} voxels exceed the limit of ${maxPixels}`);
  const type = DATATYPES[header.datatypeCode];
  if (!type) {
    throw fail(
      `datatype ${header.datatypeCode} is not a label type; use uint8, int8, (u)int16, (u)int32, or integral float32/float64`,
    );
  }
  const start = Math.floor(header.vox_offset);
  if (!(start >= VOX_OFFSET - 4)) throw fail(`vox_offset must be at least 348; got ${header.vox_offset}`);
  return {
    shape: [...extents].reverse(),
    pixdim: header.pixDims.slice(1, extents.length + 1).reverse(),
    datatype: type.name,
    size: start + count * type.ctor.BYTES_PER_ELEMENT,
    voxOffset: start,
    littleEndian: header.littleEndian,
    code: header.datatypeCode,
    slope: header.scl_slope,
    inter: header.scl_inter,
  };
}

/**
 * The spacing of a NIfTI header: its `pixdim` on the axes of `shape`, each of which must be positive and finite.
 * @throws DataError naming `file` and every `pixdim` value when one is 0, negative, NaN or ±Infinity.
 * @example niftiSpacing(niftiHeader(bytes, 'a.nii'), 'a.nii') // [2.5, 0.8, 0.8]
 */
export function niftiSpacing(header: NiftiHeader, file: string): number[] {
  const { pixdim } = header;
  if (pixdim.every((p) => Number.isFinite(p) && p > 0)) return [...pixdim];
  const names = ['x', 'y', 'z'].slice(0, pixdim.length).join(',');
  throw new DataError(
    `${FN}: the pixdim of '${file}' must be positive and finite on every axis (it is the voxel spacing); got pixdim[1..${pixdim.length}] (${names}) = [${[...pixdim].reverse().join(', ')}]. Fix the header, or give the spacing (segkit eval --spacing ${names}).`,
    { file },
  );
}

/**
 * Decodes a NIfTI-1 single-file label volume (`.nii`, or `.nii.gz` when the bytes are gzip-compressed).
 * - integer datatypes (u)int8/16/32 are returned as stored; float32/float64 volumes are accepted when every
 *   voxel (after `scl_slope`/`scl_inter`, applied when they are not the identity) is an integer, and returned
 *   as `Int32Array`;
 * - 2-D and 3-D volumes (trailing axes of extent 1 are dropped); shape `[nz, ny, nx]` (x fastest, as stored),
 *   spacing `[dz, dy, dx]` from `pixdim` in the header's units, which must be positive and finite (or
 *   `options.spacing`, which replaces it);
 * - a `.nii.gz` is inflated no further than the size its header implies: more data is an error, not gigabytes;
 * - big-endian files are byte-swapped.
 * @param bytes - the file's content.
 * @param file - the name to show in error messages.
 * @param options.maxPixels - largest accepted number of voxels. @default 2 ** 30
 * @param options.spacing - spacing to use instead of `pixdim`, or `'ignore'` (spacing `undefined`, `pixdim`
 * not checked). @default undefined
 * @throws DataError naming `file`: not NIfTI-1, truncated, unsupported datatype or rank, non-integer labels,
 * a bad `pixdim`, or compressed data inflating beyond the header's size.
 * @example decodeNiftiMask(readFileSync('gt/case_001.nii.gz'), 'gt/case_001.nii.gz').shape // [128, 128, 128]
 */
export function decodeNiftiMask(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Mask {
  const h = niftiHeader(bytes, file, options);
  const spacing = Array.isArray(options.spacing)
    ? spacingFor(options.spacing, h.shape.length)
    : options.spacing === 'ignore'
      ? undefined
      : niftiSpacing(h, file);
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes, { maxOutputLength: h.size });
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw failure(
          file,
          `its compressed data inflates to more than the ${h.size} bytes its header implies (vox_offset ${h.voxOffset} + ${h.shape.join('×')} ${h.datatype} voxels); it is a decompression bomb, or a header that does not describe the data`,
        );
      }
      throw decodeError(FN, file, 'gzip-compressed NIfTI', cause);
    }
  }
  const type = DATATYPES[h.code];
  const count = h.shape.reduce((a, b) => a * b, 1);
  const start = h.voxOffset;
  const nbytes = count * type.ctor.BYTES_PER_ELEMENT;
  if (start + nbytes > raw.length) {
    throw failure(
      file,
      `the file ends early (truncated?): ${count} voxels need ${start + nbytes} bytes; it has ${raw.length}`,
    );
  }
  const copy = raw.buffer.slice(raw.byteOffset + start, raw.byteOffset + start + nbytes) as ArrayBuffer;
  if (!h.littleEndian && type.ctor.BYTES_PER_ELEMENT > 1)
    swapBytes(new Uint8Array(copy), type.ctor.BYTES_PER_ELEMENT);
  let data = new type.ctor(copy);
  const { slope, inter } = h;
  const scaled =
    Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0));
  if (scaled || data instanceof Float32Array || data instanceof Float64Array) {
    data = toIntegerLabels(data, scaled ? slope : 1, scaled ? inter : 0, [...h.shape].reverse(), file);
  }
  return { data: data as LabelArray, shape: [...h.shape], spacing, format: 'nifti' };
}

function swapBytes(b: Uint8Array, width: number): void {
  for (let i = 0; i < b.length; i += width) {
    for (let lo = i, hi = i + width - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}

/** Applies the scaling and checks that every value is an integer; returns an Int32Array. */
function toIntegerLabels(
  data: ArrayLike<number>,
  slope: number,
  inter: number,
  extents: number[],
  file: string,
): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] * slope + inter;
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new DataError(
        `${FN}: '${file}' must hold integer labels; got ${v} at ${formatIndex(i, [...extents].reverse())}.`,
        { file },
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * The position of flat index `i` in a row-major array of `shape`, as `(x=…, y=…)` or `(x=…, y=…, z=…)` (x the
 * last, fastest axis).
 * @example formatIndex(5, [2, 3]) // '(x=2, y=1)'
 */
export function formatIndex(i: number, shape: readonly number[]): string {
  const names = ['x', 'y', 'z', 't'];
  const parts: string[] = [];
  let rest = i;
  for (let a = shape.length - 1, k = 0; a >= 0; a--, k++) {
    parts.push(`${names[k] ?? `axis${a}`}=${rest % shape[a]}`);
    rest = Math.floor(rest / shape[a]);
  }
  return `(${parts.join(', ')})`;
}

const CODE_OF = new Map<unknown, number>([
  [Uint8Array, 2],
  [Int16Array, 4],
  [Int32Array, 8],
  [Float32Array, 16],
  [Float64Array, 64],
  [Int8Array, 256],
  [Uint16Array, 512],
  [Uint32Array, 768],
]);

/**
 * Encodes a label volume as a little-endian NIfTI-1 single file (`n+1`, vox_offset 352, no extension, unit mm,
 * identity scaling, no orientation), gzip-compressed when `gzip` is true. The inverse of `decodeNiftiMask`.
 * @param mask.data - the labels, row-major for `shape`.
 * @param mask.shape - `[ny, nx]` or `[nz, ny, nx]`.
 * @param mask.spacing - per axis in the order of `shape`. @default all 1
 * @param options.gzip - compress (for `.nii.gz`). @default false
 * @param options.level - gzip level 0–9. @default 6
 * @param options.bigEndian - write a big-endian file (header and voxels). @default false
 * @example writeFileSync('a.nii.gz', encodeNifti({ data, shape: [64, 64, 64] }, { gzip: true }))
 */
export function encodeNifti(
  mask: {
    data: LabelArray | Float32Array | Float64Array;
    shape: readonly number[];
    spacing?: readonly number[];
  },
  options: { gzip?: boolean; level?: number; bigEndian?: boolean } = {},
): Uint8Array {
  const code = CODE_OF.get(mask.data.constructor);
  if (code === undefined)
    throw new TypeError(`encodeNifti: mask.data must be a typed array NIfTI-1 can store.`);
  if (mask.shape.length < 2 || mask.shape.length > 3) {
    throw new RangeError(`encodeNifti: mask.shape must have 2 or 3 axes; got [${mask.shape.join(',')}].`);
  }
  const le = !options.bigEndian;
  const bytes = mask.data.byteLength;
  const out = new Uint8Array(VOX_OFFSET + bytes);
  const v = new DataView(out.buffer);
  const extents = [...mask.shape].reverse();
  const spacing = [...(mask.spacing ?? mask.shape.map(() => 1))].reverse();
  v.setInt32(0, HEADER_BYTES, le);
  v.setInt16(40, extents.length, le);
  extents.forEach((d, i) => v.setInt16(42 + 2 * i, d, le));
  for (let i = extents.length; i < 7; i++) v.setInt16(42 + 2 * i, 1, le);
  v.setInt16(70, code, le);
  v.setInt16(72, mask.data.BYTES_PER_ELEMENT * 8, le);
  v.setFloat32(76, 1, le);
  spacing.forEach((s, i) => v.setFloat32(80 + 4 * i, s, le));
  for (let i = spacing.length; i < 7; i++) v.setFloat32(80 + 4 * i, 1, le);
  v.setFloat32(108, VOX_OFFSET, le);
  v.setFloat32(112, 1, le);
  v.setUint8(123, 2);
  out.set([0x6e, 0x2b, 0x31, 0], 344);
  out.set(new Uint8Array(mask.data.buffer, mask.data.byteOffset, bytes), VOX_OFFSET);
  if (!le && mask.data.BYTES_PER_ELEMENT > 1)
    swapBytes(out.subarray(VOX_OFFSET), mask.data.BYTES_PER_ELEMENT);
  return options.gzip ? new Uint8Array(gzipSync(out, { level: options.level ?? 6 })) : out;
}
