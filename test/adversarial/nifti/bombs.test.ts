/**
 * Decompression and size bombs: a file is inflated no further than the size its header implies, and the sizes
 * of both partners are compared from their headers before any pixel data is decoded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMask, decodeMaskPair, encodeNifti } from '../../../src/io/index.js';
import { ensureBuilt, segkit } from '../../cli/helpers.js';
import { encodePng } from '../png/encodePng.js';
import { grayPng, put, tempDir } from '../../io/fixtures.js';

const tmp = tempDir('segkit-adv-bombs-');
afterAll(tmp.cleanup);
beforeAll(ensureBuilt);

/** A 2×2×1 uint8 NIfTI (356 bytes) followed by `extra` zero bytes, gzip-compressed. */
function niftiBomb(extra: number): Uint8Array {
  const nii = encodeNifti({ data: Uint8Array.from([0, 1, 1, 0]), shape: [1, 2, 2] });
  const all = new Uint8Array(nii.length + extra);
  all.set(nii);
  return new Uint8Array(gzipSync(all, { level: 9 }));
}

/** Replaces the IDAT chunk of a PNG by one holding `z`, with its CRC. */
function withIdat(png: Uint8Array, z: Uint8Array): Uint8Array {
  // find the IDAT chunk, splice a new one in its place
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (String.fromCharCode(...png.subarray(at + 4, at + 8)) !== 'IDAT') at += 12 + v.getUint32(at);
  const end = at + 12 + v.getUint32(at);
  const chunk = new Uint8Array(12 + z.length);
  const cv = new DataView(chunk.buffer);
  cv.setUint32(0, z.length);
  chunk.set([0x49, 0x44, 0x41, 0x54], 4);
  chunk.set(z, 8);
  cv.setUint32(8 + z.length, crc32(chunk.subarray(4, 8 + z.length)));
  const out = new Uint8Array(png.length - (end - at) + chunk.length);
  out.set(png.subarray(0, at));
  out.set(chunk, at);
  out.set(png.subarray(end), at + chunk.length);
  return out;
}

describe('a .nii.gz that inflates beyond its header', () => {
  it('a 4-voxel header over 64 MB of zeros: a DataError, inflating no more than 356 bytes', () => {
    const bomb = niftiBomb(64 * 2 ** 20);
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeMask(bomb, 'pred/v.nii.gz')).toThrow(
      "readMask: cannot decode 'pred/v.nii.gz' as NIfTI-1: its compressed data inflates to more than the 356 bytes its header implies (vox_offset 352 + 1×2×2 uint8 voxels); it is a decompression bomb, or a header that does not describe the data.",
    );
  });

  it('the same volume without trailing data decodes, and a truncated one still says it ends early', () => {
    const ok = niftiBomb(0);
    expect(Array.from(decodeMask(ok, 'v.nii.gz').data)).toEqual([0, 1, 1, 0]);
    expect(() => decodeMask(ok.subarray(0, ok.length - 12), 'v.nii.gz')).toThrow(/the file ends early/);
  });

  it('a header hidden behind a long gzip prefix is still found', () => {
    const nii = encodeNifti({ data: Uint8Array.from([2, 1, 1, 0]), shape: [1, 2, 2] });
    // level 0: stored blocks, no compression at all (output = input)
    const stored = new Uint8Array(gzipSync(nii, { level: 0 }));
    expect(Array.from(decodeMask(stored, 'v.nii.gz').data)).toEqual([2, 1, 1, 0]);
  });
});

describe('a PNG whose image data inflates beyond its IHDR size', () => {
  it('a 1×1 image over 64 MB of inflated data: a DataError naming the sizes', () => {
    const small = grayPng([7], 1, 1);
    const bomb = withIdat(small, new Uint8Array(deflateSync(new Uint8Array(64 * 2 ** 20), { level: 9 })));
    expect(() => decodeMask(bomb, 'gt/a.png')).toThrow(
      "readMask: cannot decode 'gt/a.png' as PNG: its image data inflates to more than the 2 bytes its header (1×1) implies.",
    );
  });

  it('too little image data is still "incomplete"', () => {
    const png = grayPng(new Array(16).fill(3), 4, 4);
    const short = withIdat(png, new Uint8Array(deflateSync(new Uint8Array(10))));
    expect(() => decodeMask(short, 'gt/a.png')).toThrow(/the image data is incomplete \(10 of 20 bytes\)/);
  });
});

describe('partners are compared from their headers before any pixel is decoded', () => {
  it('PNG: a size mismatch is reported even when the partner’s pixel data is corrupt', () => {
    const gt = grayPng(new Array(16).fill(1), 4, 4);
    const pred = withIdat(
      encodePng({
        width: 5,
        height: 4,
        depth: 8,
        colorType: 0,
        interlaced: false,
        samples: new Array(20).fill(1),
      }),
      Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff]),
    );
    expect(() => decodeMask(pred, 'pred/a.png')).toThrow(/compressed data is corrupt|ends early/);
    expect(() => decodeMaskPair(gt, 'gt/a.png', pred, 'pred/a.png')).toThrow(
      "'gt/a.png' is 4×4 (x×y) but 'pred/a.png' is 5×4 (x×y); a pair must have the same size.",
    );
  });

  it('NIfTI: a bomb whose header size differs from the partner is refused by size, before inflating', () => {
    const gt = encodeNifti({ data: new Uint8Array(8), shape: [2, 2, 2] }, { gzip: true });
    const bomb = niftiBomb(64 * 2 ** 20);
    expect(() => decodeMaskPair(gt, 'gt/v.nii.gz', bomb, 'pred/v.nii.gz')).toThrow(
      "'gt/v.nii.gz' is 2×2×2 (x×y×z) but 'pred/v.nii.gz' is 2×2×1 (x×y×z); a pair must have the same size.",
    );
  });

  it('segkit eval: the bomb gives exit 1 naming the file, nothing on stdout and no output file', () => {
    const d = join(tmp.dir, 'cli');
    put(
      join(d, 'gt/v.nii.gz'),
      encodeNifti({ data: Uint8Array.from([0, 1, 1, 0]), shape: [1, 2, 2] }, { gzip: true }),
    );
    put(join(d, 'pred/v.nii.gz'), niftiBomb(64 * 2 ** 20));
    const r = segkit(
      ['eval', '--gt', 'gt', '--pred', 'pred', '--num-classes', '2', '--workers', '0', '--json', 'r.json'],
      d,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /'pred\/v\.nii\.gz' as NIfTI-1: its compressed data inflates to more than the 356 bytes/,
    );
    expect(existsSync(join(d, 'r.json'))).toBe(false);
  });
});
