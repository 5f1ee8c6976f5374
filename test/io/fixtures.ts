/**
 * Tiny mask files for the io and CLI tests, generated in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encode } from 'fast-png';
import { encodeNifti } from '../../src/io/index.js';
import type { LabelArray } from '../../src/io/index.js';

/** A fresh temporary folder and a function removing it. */
export function tempDir(prefix = 'segkit-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes bytes, creating the folders on the way. */
export function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Packs one-byte-per-pixel values into rows of `depth` bits (1, 2 or 4), padded to whole bytes. */
export function packBits(
  values: ArrayLike<number>,
  width: number,
  height: number,
  depth: number,
): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * rowBytes + Math.floor(x / perByte)] |= values[y * width + x] << shift;
    }
  }
  return out;
}

/** A grayscale PNG of the given labels (8 or 16 bits, or packed 1/2/4 bits). */
export function grayPng(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  depth: 1 | 2 | 4 | 8 | 16 = 8,
): Uint8Array {
  const data =
    depth === 16
      ? Uint16Array.from(labels)
      : depth === 8
        ? Uint8Array.from(labels)
        : packBits(labels, width, height, depth);
  return encode({ width, height, data, channels: 1, depth });
}

/** A palette PNG whose indices are the labels. */
export function palettePng(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  colours: number[][],
): Uint8Array {
  return encode({ width, height, data: Uint8Array.from(labels), channels: 1, depth: 8, palette: colours });
}

/** An RGB(A) PNG painting each label with `colours[label]`. */
export function rgbPng(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  colours: number[][],
  channels: 3 | 4 = 3,
): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    const c = colours[labels[i]];
    data.set(channels === 4 ? [c[0], c[1], c[2], 255] : c.slice(0, 3), i * channels);
  }
  return encode({ width, height, data, channels, depth: 8 });
}

/** A NIfTI-1 volume (gzip-compressed when `gzip`). */
export function niftiFile(
  data: LabelArray | Float32Array,
  shape: number[],
  spacing?: number[],
  gzip = true,
): Uint8Array {
  return encodeNifti({ data, shape, spacing }, { gzip });
}

/** A seeded label map: `numClasses` classes in blocks, so that pairs overlap partly. */
export function blocks(width: number, height: number, numClasses: number, shift = 0, depth = 1): Uint8Array {
  const out = new Uint8Array(width * height * depth);
  for (let z = 0; z < depth; z++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const bx = Math.floor(((x + shift) % width) / Math.max(1, Math.floor(width / 2)));
        const by = Math.floor(y / Math.max(1, Math.floor(height / 2)));
        out[(z * height + y) * width + x] = (bx + 2 * by + z) % numClasses;
      }
  return out;
}
