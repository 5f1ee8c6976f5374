import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, decodeMask, encodeNifti } from '../../src/io/index.js';
import { blocks, grayPng, palettePng } from './fixtures.js';

const RUNS = 250;

/** CRC-32 (PNG's), to rebuild checksums after a mutation so that corrupt data reaches the decoder itself. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const v = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length;) {
    const length = v.getUint32(at);
    if (at + 12 + length > out.length) break;
    v.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

/** A random corruption: some bytes overwritten, then maybe a cut, maybe bytes inserted. */
const mutation = fc.record({
  writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })), { nil: undefined }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  let out = bytes.slice();
  for (const [at, value] of m.writes) out[at % out.length] = value;
  if (m.insert) {
    const at = m.insert[0] % out.length;
    out = Uint8Array.from([...out.subarray(0, at), ...m.insert[1], ...out.subarray(at)]);
  }
  if (m.cut !== undefined) out = out.subarray(0, m.cut % out.length);
  return out;
}

/** Decoding corrupt bytes either gives a consistent mask or throws a DataError naming the file. */
function decodesOrExplains(bytes: Uint8Array, name: string): void {
  try {
    const m = decodeMask(bytes, name);
    expect(m.shape.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
    expect(m.data.length).toBe(m.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`not a DataError: ${String(e)}`, { cause: e });
    expect(e.message).toContain(`'${name}'`);
  }
}

const labels = blocks(13, 11, 5);
const png8 = grayPng(labels, 13, 11);
const png2 = grayPng(
  labels.map((v) => v % 4),
  13,
  11,
  2,
);
const pngPalette = palettePng(labels, 13, 11, [
  [0, 0, 0],
  [9, 9, 9],
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);
const nii = encodeNifti({ data: Int16Array.from(blocks(7, 6, 3, 1, 5)), shape: [5, 6, 7] });

describe('the readers on randomly corrupted files (fast-check, seeded)', () => {
  it('PNG: corrupt bytes give a mask or a DataError naming the file, never another error or a hang', () => {
    fc.assert(
      fc.property(fc.constantFrom(png8, png2, pngPalette), mutation, (png, m) =>
        decodesOrExplains(mutate(png, m), 'fuzz/a.png'),
      ),
      { seed: 20261128, numRuns: RUNS },
    );
  });

  it('PNG with checksums repaired: the decoder itself meets the corrupt data', () => {
    fc.assert(
      fc.property(fc.constantFrom(png8, png2, pngPalette), mutation, (png, m) =>
        decodesOrExplains(fixCrcs(mutate(png, m)), 'fuzz/b.png'),
      ),
      { seed: 7, numRuns: RUNS },
    );
  });

  it('NIfTI (.nii, and .nii.gz corrupted before and after compression)', () => {
    fc.assert(
      fc.property(mutation, fc.constantFrom('raw', 'gz-inner', 'gz-outer'), (m, where) => {
        if (where === 'raw') decodesOrExplains(mutate(nii, m), 'fuzz/v.nii');
        else if (where === 'gz-inner')
          decodesOrExplains(new Uint8Array(gzipSync(mutate(nii, m))), 'fuzz/v.nii.gz');
        else decodesOrExplains(mutate(new Uint8Array(gzipSync(nii)), m), 'fuzz/v.nii.gz');
      }),
      { seed: 42, numRuns: RUNS },
    );
  });
});
