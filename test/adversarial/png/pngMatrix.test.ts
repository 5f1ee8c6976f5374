/**
 * Every valid PNG decodes: each colour type at each of its bit depths, plain and Adam7-interlaced, with and
 * without tRNS, odd sizes (partial Adam7 passes, rows ending mid-byte), all five row filters, IDAT split in
 * pieces. Two oracles: the samples the files were made from (encoder in ./encodePng.ts, written from the
 * specification) and pngjs 7.0.0, an independent decoder.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeMask, decodePngMask } from '../../../src/io/index.js';
import type { Palette } from '../../../src/io/index.js';
import { encodePng } from './encodePng.js';
import type { PngSpec } from './encodePng.js';

const DEPTHS = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] } as const;
const SIZES: [number, number][] = [
  [1, 1],
  [3, 5],
  [9, 7],
  [17, 13],
];
/** Eight 8-bit colours for the RGB(A) masks, class = position. */
const COLOURS: [number, number, number][] = [
  [0, 0, 0],
  [255, 0, 0],
  [0, 128, 0],
  [0, 0, 255],
  [17, 34, 51],
  [200, 100, 50],
  [1, 2, 3],
  [255, 255, 254],
];
const PALETTE: Palette = { classes: new Map(COLOURS.map(([r, g, b], c) => [(r << 16) | (g << 8) | b, c])) };

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Case {
  name: string;
  spec: PngSpec;
  /** The class of each pixel. */
  expected: number[];
}

function makeCase(
  colorType: 0 | 2 | 3 | 4 | 6,
  depth: 1 | 2 | 4 | 8 | 16,
  interlaced: boolean,
  trns: boolean,
  [width, height]: [number, number],
  seed: number,
): Case {
  const rand = rng(seed);
  const max = 2 ** depth;
  const n = width * height;
  const samples: number[] = [];
  const expected: number[] = [];
  const scale = depth === 16 ? 257 : 1;
  for (let i = 0; i < n; i++) {
    if (colorType === 2 || colorType === 6) {
      const c = Math.floor(rand() * COLOURS.length);
      samples.push(...COLOURS[c].map((v) => v * scale));
      if (colorType === 6) samples.push(Math.floor(rand() * max));
      expected.push(c);
    } else {
      const v = Math.floor(rand() * max);
      samples.push(v);
      if (colorType === 4) samples.push(Math.floor(rand() * max));
      expected.push(v);
    }
  }
  const spec: PngSpec = {
    width,
    height,
    depth,
    colorType,
    interlaced,
    samples,
    idatPieces: 1 + (Math.abs(seed) % 3),
  };
  if (colorType === 3) {
    // distinct colours, so that the oracle's colours identify the indices
    spec.plte = Array.from(
      { length: max },
      (_, i) => [i, 255 - i, (i * 7) & 255] as [number, number, number],
    );
    if (trns) spec.trns = Uint8Array.from({ length: Math.min(max, 3) }, (_, i) => 40 * i);
  } else if (trns && colorType === 0) {
    spec.trns = Uint8Array.from([0, samples[0] >> 8, samples[0] & 255].slice(1));
  } else if (trns && colorType === 2) {
    spec.trns = Uint8Array.from(samples.slice(0, 3).flatMap((v) => [v >> 8, v & 255]));
  }
  if (colorType === 2 && Math.abs(seed) % 2 === 0) spec.plte = COLOURS; // a suggested palette (sPLT-like PLTE), allowed
  const name = `type ${colorType}, ${depth}-bit, ${interlaced ? 'Adam7' : 'plain'}${trns ? ', tRNS' : ''}, ${width}×${height}`;
  return { name, spec, expected };
}

const cases: Case[] = [];
let seed = 1;
for (const type of [0, 2, 3, 4, 6] as const) {
  for (const depth of DEPTHS[type]) {
    for (const interlaced of [false, true]) {
      for (const trns of type === 0 || type === 2 || type === 3 ? [false, true] : [false]) {
        for (const size of SIZES) cases.push(makeCase(type, depth as 1, interlaced, trns, size, seed++));
      }
    }
  }
}

/** The class of each pixel according to pngjs. */
function oracle(bytes: Uint8Array, spec: PngSpec): number[] {
  const png = PNG.sync.read(Buffer.from(bytes), { skipRescale: true });
  const d = png.data as unknown as ArrayLike<number>;
  const n = spec.width * spec.height;
  const out: number[] = [];
  // pngjs turns a pixel of the tRNS key colour (types 0 and 2) into (0, 0, 0, 0): read the key instead
  const key =
    spec.trns && spec.colorType !== 3 ? [0, 2, 4].map((k) => (spec.trns![k] << 8) | spec.trns![k + 1]) : null;
  for (let i = 0; i < n; i++) {
    let [r, g, b] = [d[4 * i], d[4 * i + 1], d[4 * i + 2]];
    if (key && d[4 * i + 3] === 0) [r, g, b] = spec.colorType === 0 ? [key[0], key[0], key[0]] : key;
    if (spec.colorType === 3) out.push(spec.plte!.findIndex(([R, G, B]) => R === r && G === g && B === b));
    else if (spec.colorType === 0 || spec.colorType === 4) out.push(r);
    else {
      const s = spec.depth === 16 ? 257 : 1;
      out.push(COLOURS.findIndex(([R, G, B]) => R * s === r && G * s === g && B * s === b));
    }
  }
  return out;
}

describe(`decodePngMask on ${cases.length} generated valid PNGs`, () => {
  it('covers every colour type × bit depth × interlace, and tRNS where the colour type allows it', () => {
    const combos = new Set(cases.map((c) => `${c.spec.colorType}/${c.spec.depth}/${c.spec.interlaced}`));
    expect(combos.size).toBe(15 * 2);
    expect(cases.filter((c) => c.spec.trns && c.spec.interlaced).length).toBeGreaterThan(0);
  });

  it.each(cases)(
    '$name decodes to the samples it was made from, as pngjs reads them',
    ({ spec, expected }) => {
      const bytes = encodePng(spec);
      const mask = decodePngMask(bytes, 'm.png', { palette: PALETTE });
      expect(mask.shape).toEqual([spec.height, spec.width]);
      expect(mask.spacing).toBeUndefined();
      expect(Array.from(mask.data)).toEqual(expected);
      expect(oracle(bytes, spec)).toEqual(expected);
      expect(mask.data.BYTES_PER_ELEMENT).toBe(
        spec.depth === 16 && spec.colorType !== 2 && spec.colorType !== 6 ? 2 : 1,
      );
    },
  );

  it('interlaced and plain encodings of the same image decode alike (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<[0 | 3 | 4, 1 | 2 | 4 | 8 | 16]>(
          [0, 1],
          [0, 2],
          [0, 4],
          [0, 8],
          [0, 16],
          [3, 1],
          [3, 2],
          [3, 4],
          [4, 8],
          [4, 16],
        ),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        ([type, depth], w, h, s) => {
          const a = makeCase(type, depth, false, false, [w, h], s);
          const b = { ...a.spec, interlaced: true };
          const plain = decodeMask(encodePng(a.spec), 'a.png');
          const adam7 = decodeMask(encodePng(b), 'b.png');
          expect(Array.from(adam7.data)).toEqual(a.expected);
          expect(Array.from(plain.data)).toEqual(a.expected);
        },
      ),
      { seed: 20261204, numRuns: 60 },
    );
  });
});

describe('invalid PNGs are refused with a message naming the file', () => {
  const ok = makeCase(0, 4, true, false, [9, 7], 99).spec;

  it('a colour type / bit depth pair the specification does not allow', () => {
    const bytes = encodePng({ ...ok, depth: 4, colorType: 2, samples: new Array(9 * 7 * 3).fill(1) });
    expect(() => decodePngMask(bytes, 'gt/x.png')).toThrow(
      "readMask: cannot decode 'gt/x.png' as PNG: colour type 2 with bit depth 4 is not a valid combination (corrupt header).",
    );
  });

  it('a 16-bit colour that is no 8-bit colour, naming the pixel', () => {
    const samples = new Array(2 * 2 * 3).fill(0);
    samples[3 * 3] = 300; // pixel 3 = (x=1, y=1)
    const bytes = encodePng({ width: 2, height: 2, depth: 16, colorType: 2, interlaced: false, samples });
    expect(() => decodePngMask(bytes, 'c.png', { palette: PALETTE })).toThrow(
      "readMask: 'c.png' has the 16-bit colour (300, 0, 0) at (x=1, y=1), which is no 8-bit colour (each channel a multiple of 257); the palette lists 8-bit colours.",
    );
  });

  it('an unknown critical chunk', () => {
    const bytes = encodePng(ok);
    // rename the tEXt chunk (ancillary) to TEXT (critical), keeping its CRC right
    const b = bytes.slice();
    const at = 8 + 25;
    b.set([0x54, 0x45, 0x58, 0x54], at + 4);
    const len = new DataView(b.buffer).getUint32(at);
    new DataView(b.buffer).setUint32(at + 8 + len, crc32(b.subarray(at + 4, at + 8 + len)));
    expect(() => decodePngMask(b, 'k.png')).toThrow(
      /cannot decode 'k.png' as PNG: it has the unknown critical chunk "TEXT"/,
    );
  });
});
