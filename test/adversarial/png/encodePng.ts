/**
 * A small PNG encoder for the decoder tests, written from the specification (W3C PNG, 2nd ed.): every colour
 * type and bit depth, Adam7 interlacing, all five row filters, tRNS/PLTE/ancillary chunks and IDAT split in
 * pieces. It shares no code with src/io.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface PngSpec {
  width: number;
  height: number;
  depth: 1 | 2 | 4 | 8 | 16;
  colorType: 0 | 2 | 3 | 4 | 6;
  interlaced: boolean;
  /** width·height·channels samples, row-major, each in [0, 2^depth). */
  samples: ArrayLike<number>;
  /** PLTE entries (required for colour type 3). */
  plte?: [number, number, number][];
  /** Raw tRNS chunk content. */
  trns?: Uint8Array;
  /** Number of IDAT chunks to split the stream into. @default 1 */
  idatPieces?: number;
}

export const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Encodes `spec`; row y of pass k uses filter (y + k) mod 5. */
export function encodePng(spec: PngSpec): Uint8Array {
  const { width, height, depth, colorType } = spec;
  const ch = CHANNELS[colorType];
  const bpp = Math.max(1, (ch * depth) / 8);
  const passes = spec.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const rows: number[] = [];
  passes.forEach(([x0, y0, dx, dy], k) => {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) return;
    const rowBytes = Math.ceil((pw * ch * depth) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let y = 0; y < ph; y++) {
      const line = new Uint8Array(rowBytes);
      let bit = 0;
      for (let x = 0; x < pw; x++) {
        const px = (y0 + y * dy) * width + (x0 + x * dx);
        for (let c = 0; c < ch; c++) {
          const v = spec.samples[px * ch + c];
          if (depth === 16) {
            line[bit >> 3] = v >> 8;
            line[(bit >> 3) + 1] = v & 255;
          } else if (depth === 8) line[bit >> 3] = v;
          else line[bit >> 3] |= v << (8 - depth - (bit & 7));
          bit += depth;
        }
      }
      const f = (y + k) % 5;
      rows.push(f);
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? line[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
        rows.push((line[i] - pred) & 255);
      }
      prev = line;
    }
  });
  const z = deflateSync(Uint8Array.from(rows));
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, spec.interlaced ? 1 : 0], 8);
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  parts.push(chunk('tEXt', new TextEncoder().encode('Comment\0made by encodePng')));
  if (spec.plte) parts.push(chunk('PLTE', Uint8Array.from(spec.plte.flat())));
  if (spec.trns) parts.push(chunk('tRNS', spec.trns));
  const pieces = Math.max(1, spec.idatPieces ?? 1);
  const step = Math.ceil(z.length / pieces);
  for (let at = 0; at < z.length; at += step) parts.push(chunk('IDAT', z.subarray(at, at + step)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
