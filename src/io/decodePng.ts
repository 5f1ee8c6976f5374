/**
 * PNG masks: every valid PNG (bit depths 1, 2, 4, 8, 16; grayscale, palette, gray + alpha, RGB, RGBA; Adam7
 * interlaced or not; with or without `tRNS`) decoded by segkit itself, with Node's zlib for the inflation.
 * fast-png 8.0.0, used before, refused interlaced 1-, 2- and 4-bit images ("Unsupported filter"): its Adam7
 * pass rounds sub-byte pixels up to whole bytes. The values are the classes; RGB(A) goes through a colour table.
 * @module
 */
import { inflateSync } from 'node:zlib';
import { DataError, decodeError } from './errors.js';
import type { DecodeOptions, Mask } from './types.js';

const FN = 'readMask';
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** The default `maxPixels` of the decoders. */
export const MAX_PIXELS = 2 ** 30;

/** Samples per pixel of each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The bit depths each colour type allows (PNG specification, table 11.1). */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** What the IHDR chunk says, checked. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  /** Bits per sample. */
  readonly depth: number;
  readonly colorType: number;
  readonly channels: number;
  readonly interlaced: boolean;
}

/** The sub-images of a PNG: one for a plain image, the 7 Adam7 passes (empty ones included) when interlaced. */
function passesOf(h: PngHeader): { x0: number; y0: number; dx: number; dy: number; w: number; h: number }[] {
  const all = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  return all.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: Math.max(0, Math.ceil((h.width - x0) / dx)),
    h: Math.max(0, Math.ceil((h.height - y0) / dy)),
  }));
}

/** Bytes of one filtered row of `w` pixels (without its filter-type byte). */
const rowBytesOf = (h: PngHeader, w: number): number => Math.ceil((w * h.channels * h.depth) / 8);

/**
 * The exact size of the inflated image data the header implies: every (pass) row with its filter byte.
 * @example inflatedSize({ width: 3, height: 2, depth: 1, colorType: 0, channels: 1, interlaced: false }) // 4
 */
export function inflatedSize(h: PngHeader): number {
  let n = 0;
  for (const p of passesOf(h)) if (p.w > 0) n += p.h * (1 + rowBytesOf(h, p.w));
  return n;
}

const fail = (file: string, why: string): DataError =>
  new DataError(`${FN}: cannot decode '${file}' as PNG: ${why}.`, { file });

/**
 * Reads and checks the signature and the IHDR chunk, without touching the image data: the size, bit depth,
 * colour type and interlacing.
 * @throws DataError naming `file` when it is not a PNG, or the size exceeds `options.maxPixels`.
 * @example pngHeader(bytes, 'gt/a.png').width // 512
 */
export function pngHeader(bytes: Uint8Array, file: string, options: DecodeOptions = {}): PngHeader {
  const maxPixels = options.maxPixels ?? MAX_PIXELS;
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw fail(file, 'it does not start with the PNG signature');
  }
  if (bytes.length < 33) throw fail(file, 'the file ends early (truncated?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || chunkType(bytes, 8) !== 'IHDR') {
    throw fail(file, 'its first chunk must be a 13-byte IHDR');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width * height > maxPixels) {
    throw fail(file, `its size ${width}×${height} must be non-empty and at most ${maxPixels} pixels`);
  }
  const [depth, colorType, compression, filter, interlace] = bytes.subarray(24, 29);
  if (!DEPTHS[colorType]?.includes(depth)) {
    throw fail(
      file,
      `colour type ${colorType} with bit depth ${depth} is not a valid combination (corrupt header)`,
    );
  }
  if (compression !== 0 || filter !== 0 || interlace > 1) {
    throw fail(
      file,
      `compression, filter and interlace methods must be 0, 0 and 0 or 1; got ${compression}, ${filter}, ${interlace}`,
    );
  }
  return { width, height, depth, colorType, channels: CHANNELS[colorType], interlaced: interlace === 1 };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes[start, end)`. */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Walks the chunks (checking every CRC) and returns the concatenated IDAT data. */
function imageData(bytes: Uint8Array, file: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw new Error('unexpected end of file before the IEND chunk');
    const length = view.getUint32(at);
    const type = chunkType(bytes, at);
    if (length > 2 ** 31 - 1) throw new Error(`chunk ${JSON.stringify(type)} has an invalid length`);
    const end = at + 8 + length;
    if (end + 4 > bytes.length) throw new Error(`unexpected end of file in chunk ${JSON.stringify(type)}`);
    if (crc32(bytes, at + 4, end) !== view.getUint32(end)) {
      throw new Error(`CRC mismatch in chunk ${JSON.stringify(type)}`);
    }
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, end));
    else if (type === 'IEND') break;
    else if (type !== 'IHDR' && type !== 'PLTE' && !(bytes[at + 4] & 0x20)) {
      // an unknown critical chunk (upper-case first letter): the image cannot be read without it
      throw fail(file, `it has the unknown critical chunk ${JSON.stringify(type)}`);
    }
    at = end + 4;
  }
  if (parts.length === 0) throw fail(file, 'it has no image data (no IDAT chunk)');
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reverses the PNG row filters in place, row after row: `raw` holds rows of `1 + rowBytes` bytes. */
function unfilter(raw: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < rows; y++) {
    const f = start + y * stride;
    const type = raw[f];
    const r = f + 1;
    const up = r - stride; // the previous row, already unfiltered (only read when y > 0)
    if (type === 0) continue;
    if (type === 1) {
      for (let i = bpp; i < rowBytes; i++) raw[r + i] = (raw[r + i] + raw[r + i - bpp]) & 255;
    } else if (type === 2) {
      if (y > 0) for (let i = 0; i < rowBytes; i++) raw[r + i] = (raw[r + i] + raw[up + i]) & 255;
    } else if (type === 3) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? raw[r + i - bpp] : 0;
        const b = y > 0 ? raw[up + i] : 0;
        raw[r + i] = (raw[r + i] + ((a + b) >> 1)) & 255;
      }
    } else if (type === 4) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? raw[r + i - bpp] : 0;
        const b = y > 0 ? raw[up + i] : 0;
        const c = i >= bpp && y > 0 ? raw[up + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        raw[r + i] = (raw[r + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
    } else {
      throw new Error(`row ${y} has filter type ${type}; it must be 0 to 4 (corrupt data)`);
    }
  }
}

/**
 * Inflates and unfilters the image data, then calls `put(pixel index, byte offset of its first sample)` for
 * depths ≥ 8, or writes sub-byte samples (depth < 8, one channel) straight into `out8`.
 */
function decodePixels(
  bytes: Uint8Array,
  file: string,
  h: PngHeader,
  out8: Uint8Array | null,
  put: ((pixel: number, at: number, raw: Uint8Array) => void) | null,
): void {
  const expected = inflatedSize(h);
  if (expected > 2 ** 31 - 1) {
    throw fail(file, `its ${expected} bytes of image data exceed the 2 GiB a decoder buffer can hold`);
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(imageData(bytes, file), { maxOutputLength: expected });
  } catch (cause) {
    if (cause instanceof DataError) throw cause;
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fail(
        file,
        `its image data inflates to more than the ${expected} bytes its header (${h.width}×${h.height}) implies`,
      );
    }
    throw decodeError(FN, file, 'PNG', cause);
  }
  if (raw.length < expected) {
    throw fail(file, `the image data is incomplete (${raw.length} of ${expected} bytes)`);
  }
  const bpp = Math.max(1, (h.channels * h.depth) >> 3);
  const perByte = 8 / h.depth;
  const mask = (1 << h.depth) - 1;
  let start = 0;
  for (const p of passesOf(h)) {
    if (p.w === 0 || p.h === 0) continue;
    const rowBytes = rowBytesOf(h, p.w);
    try {
      unfilter(raw, start, p.h, rowBytes, bpp);
    } catch (cause) {
      throw decodeError(FN, file, 'PNG', cause);
    }
    for (let y = 0; y < p.h; y++) {
      const r = start + y * (rowBytes + 1) + 1;
      let pixel = (p.y0 + y * p.dy) * h.width + p.x0;
      if (out8 && h.depth < 8) {
        for (let x = 0; x < p.w; x++, pixel += p.dx) {
          const byte = raw[r + Math.floor(x / perByte)];
          out8[pixel] = (byte >> (8 - h.depth * ((x % perByte) + 1))) & mask;
        }
      } else if (out8 && p.dx === 1 && h.channels === 1) {
        out8.set(raw.subarray(r, r + rowBytes), pixel);
      } else {
        for (let x = 0, at = r; x < p.w; x++, pixel += p.dx, at += bpp) put!(pixel, at, raw);
      }
    }
    start += p.h * (rowBytes + 1);
  }
}

/**
 * Decodes a PNG label mask.
 * - grayscale (1, 2, 4, 8 or 16 bits) and palette images: the stored value (the palette index) is the class;
 * - grayscale + alpha: the gray value is the class, alpha is ignored;
 * - RGB and RGBA: each colour is looked up in `options.palette` (alpha ignored); without a palette, or for a
 *   colour the palette lacks, a `DataError` says so. At 16 bits a colour must be an 8-bit one scaled by 257.
 * Adam7-interlaced images decode like plain ones; `tRNS` and other ancillary chunks are ignored. Checksums are
 * verified, the size is checked from the header before anything is inflated, and the image data is inflated
 * no further than the size the header implies (a decompression bomb stops there with an error).
 * @param bytes - the file's content.
 * @param file - the name to show in error messages.
 * @param options.palette - colour table for RGB(A) masks. @default undefined
 * @param options.maxPixels - largest accepted size. @default 2 ** 30
 * @param options.spacing - spacing to report, `[dy, dx]` or one value for both (a PNG carries none).
 * @default undefined
 * @returns the mask, shape `[height, width]`.
 * @throws DataError naming `file` when the bytes are not a PNG this function can read.
 * @example decodePngMask(readFileSync('gt/case_001.png'), 'gt/case_001.png').shape // [512, 512]
 */
export function decodePngMask(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Mask {
  const h = pngHeader(bytes, file, options);
  const { width, height, depth, channels } = h;
  const shape = [height, width];
  const spacing = Array.isArray(options.spacing) ? spacingFor(options.spacing, 2) : undefined;
  const n = width * height;
  if (channels <= 2) {
    if (depth === 16) {
      const out = new Uint16Array(n);
      decodePixels(bytes, file, h, null, (i, at, raw) => (out[i] = (raw[at] << 8) | raw[at + 1]));
      return { data: out, shape, spacing, format: 'png' };
    }
    const out = new Uint8Array(n);
    if (channels === 1) decodePixels(bytes, file, h, out, (i, at, raw) => (out[i] = raw[at]));
    else decodePixels(bytes, file, h, null, (i, at, raw) => (out[i] = raw[at]));
    return { data: out, shape, spacing, format: 'png' };
  }
  // RGB / RGBA
  if (!options.palette) {
    throw new DataError(
      `${FN}: '${file}' is an ${channels === 3 ? 'RGB' : 'RGBA'} image; colour masks need --palette FILE (a colour → class table), or save the mask as grayscale or palette PNG.`,
      { file },
    );
  }
  const palette = options.palette;
  let maxClass = 0;
  for (const c of palette.classes.values()) maxClass = Math.max(maxClass, c);
  const out = maxClass < 256 ? new Uint8Array(n) : new Uint16Array(n);
  let lastKey = -1;
  let lastClass = 0;
  const wide = depth === 16;
  decodePixels(bytes, file, h, null, (i, at, raw) => {
    let key: number;
    if (wide) {
      // 16 bits per channel: an 8-bit colour v is stored as v·257 (both bytes equal)
      if (raw[at] !== raw[at + 1] || raw[at + 2] !== raw[at + 3] || raw[at + 4] !== raw[at + 5]) {
        const rgb = [0, 2, 4].map((k) => (raw[at + k] << 8) | raw[at + k + 1]).join(', ');
        throw new DataError(
          `${FN}: '${file}' has the 16-bit colour (${rgb}) at (x=${i % width}, y=${Math.floor(i / width)}), which is no 8-bit colour (each channel a multiple of 257); the palette lists 8-bit colours.`,
          { file },
        );
      }
      key = (raw[at] << 16) | (raw[at + 2] << 8) | raw[at + 4];
    } else key = (raw[at] << 16) | (raw[at + 1] << 8) | raw[at + 2];
    if (key !== lastKey) {
      const c = palette.classes.get(key);
      if (c === undefined) {
        throw new DataError(
          `${FN}: '${file}' has the colour ${hex(key)} at (x=${i % width}, y=${Math.floor(i / width)}), which the palette does not list.`,
          { file },
        );
      }
      lastKey = key;
      lastClass = c;
    }
    out[i] = lastClass;
  });
  return { data: out, shape, spacing, format: 'png' };
}

/**
 * A spacing of `rank` values from one value (every axis) or `rank` values; positive and finite.
 * @throws RangeError otherwise.
 * @example spacingFor([0.5], 3) // [0.5, 0.5, 0.5]
 */
export function spacingFor(spacing: readonly number[], rank: number): number[] {
  if (
    !Array.isArray(spacing) ||
    (spacing.length !== 1 && spacing.length !== rank) ||
    !spacing.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0)
  ) {
    throw new RangeError(
      `${FN}: options.spacing must be one positive number or ${rank} (one per axis); got ${JSON.stringify(spacing)}.`,
    );
  }
  return spacing.length === 1 ? Array.from({ length: rank }, () => spacing[0]) : [...spacing];
}

/** `#rrggbb` of a packed colour. */
export function hex(key: number): string {
  return `#${key.toString(16).padStart(6, '0')}`;
}
