/**
 * PNG masks through fast-png: 1/2/4/8/16-bit grayscale and palette images (the value or index is the class),
 * RGB(A) through a colour table.
 * @module
 */
import { decode } from 'fast-png';
import { DataError, decodeError } from './errors.js';
import type { DecodeOptions, LabelArray, Mask, Palette } from './types.js';

const FN = 'readMask';
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** The default `maxPixels` of the decoders. */
export const MAX_PIXELS = 2 ** 30;

/**
 * Decodes a PNG label mask.
 * - grayscale (1, 2, 4, 8 or 16 bits) and palette images: the stored value (the palette index) is the class;
 * - grayscale + alpha: the gray value is the class, alpha is ignored;
 * - RGB and RGBA (8 bits): each colour is looked up in `options.palette` (alpha ignored); without a palette, or
 *   for a colour the palette lacks, a `DataError` says so.
 * Checksums are verified, and the image size is checked from the header before decoding.
 * @param bytes - the file's content.
 * @param file - the name to show in error messages.
 * @returns the mask, shape `[height, width]`, `spacing` undefined.
 * @throws DataError naming `file` when the bytes are not a PNG this function can read.
 * @example decodePngMask(readFileSync('gt/case_001.png'), 'gt/case_001.png').shape // [512, 512]
 */
export function decodePngMask(bytes: Uint8Array, file: string, options: DecodeOptions = {}): Mask {
  checkHeader(bytes, file, options.maxPixels ?? MAX_PIXELS);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (cause) {
    throw decodeError(FN, file, 'PNG', cause);
  }
  const { width, height, depth, channels } = png;
  const shape = [height, width];
  const needed = Math.ceil((width * channels * depth) / 8) * height;
  const have = png.data.byteLength;
  if (have < needed) {
    throw new DataError(`${FN}: cannot decode '${file}' as PNG: the image data is incomplete.`, { file });
  }
  if (channels === 1) {
    if (depth === 8 || depth === 16)
      return { data: png.data as LabelArray, shape, spacing: undefined, format: 'png' };
    return {
      data: unpackBits(png.data as Uint8Array, width, height, depth),
      shape,
      spacing: undefined,
      format: 'png',
    };
  }
  if (channels === 2) {
    return {
      data: firstChannel(png.data as Uint8Array | Uint16Array, channels),
      shape,
      spacing: undefined,
      format: 'png',
    };
  }
  // RGB / RGBA
  if (!options.palette) {
    throw new DataError(
      `${FN}: '${file}' is an ${channels === 3 ? 'RGB' : 'RGBA'} image; colour masks need --palette FILE (a colour → class table), or save the mask as grayscale or palette PNG.`,
      { file },
    );
  }
  if (depth !== 8) {
    throw new DataError(
      `${FN}: '${file}' is a ${depth}-bit colour image; colour masks must have 8 bits per channel.`,
      {
        file,
      },
    );
  }
  return {
    data: mapColours(png.data as Uint8Array, channels, width, options.palette, file),
    shape,
    spacing: undefined,
    format: 'png',
  };
}

/** Checks the signature and the IHDR size before decoding, so that a corrupt size cannot trigger a huge allocation. */
function checkHeader(bytes: Uint8Array, file: string, maxPixels: number): void {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new DataError(`${FN}: cannot decode '${file}' as PNG: it does not start with the PNG signature.`, {
      file,
    });
  }
  if (bytes.length < 33) {
    throw new DataError(`${FN}: cannot decode '${file}' as PNG: the file ends early (truncated?).`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width * height > maxPixels) {
    throw new DataError(
      `${FN}: cannot decode '${file}' as PNG: its size ${width}×${height} must be non-empty and at most ${maxPixels} pixels.`,
      { file },
    );
  }
  // Deflate expands at most ~1032:1, so compressed data much smaller than the image cannot be complete: refuse
  // it before the decoder allocates the full image.
  const channels = CHANNELS[bytes[25]] ?? 4;
  const raw = height * (1 + Math.ceil((width * channels * bytes[24]) / 8));
  let idat = 0;
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    if (
      bytes[at + 4] === 0x49 &&
      bytes[at + 5] === 0x44 &&
      bytes[at + 6] === 0x41 &&
      bytes[at + 7] === 0x54
    ) {
      idat += Math.min(length, bytes.length - at - 8);
    }
    at += 12 + length;
  }
  if (raw > idat * 1100 + 4096) {
    throw new DataError(
      `${FN}: cannot decode '${file}' as PNG: the image data is incomplete (${idat} compressed bytes cannot hold ${width}×${height} pixels).`,
      { file },
    );
  }
}

/** Samples per pixel of each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Unpacks rows of 1-, 2- or 4-bit samples (rows padded to whole bytes) into one byte per pixel. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const byte = packed[row + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[o + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

/** The first channel of interleaved samples. */
function firstChannel(data: Uint8Array | Uint16Array, channels: number): LabelArray {
  const n = data.length / channels;
  const out = data instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels];
  return out;
}

/** Looks every RGB(A) pixel up in the palette; an unknown colour is an error naming it and its first position. */
function mapColours(
  data: Uint8Array,
  channels: number,
  width: number,
  palette: Palette,
  file: string,
): LabelArray {
  const n = data.length / channels;
  let maxClass = 0;
  for (const c of palette.classes.values()) maxClass = Math.max(maxClass, c);
  const out = maxClass < 256 ? new Uint8Array(n) : new Uint16Array(n);
  let lastKey = -1;
  let lastClass = 0;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const key = (data[j] << 16) | (data[j + 1] << 8) | data[j + 2];
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
  }
  return out;
}

/** `#rrggbb` of a packed colour. */
export function hex(key: number): string {
  return `#${key.toString(16).padStart(6, '0')}`;
}
