/**
 * Mask decoding: segkit's PNG decoder against fast-png 8.0.0 (the decoder used before issue 12), interleaved in
 * one process so that their ratio is measured under the same noise; and the memory a decompression bomb costs
 * (a .nii.gz whose header says 4 voxels over 256 MiB of zeros): peak RSS growth with the bounded inflation,
 * then with the former unbounded one. Seeded inputs; one JSON line per result.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { decode, encode } from 'fast-png';
import { decodeMask, encodeNifti } from '../src/io/index.js';
import { emit, timeInterleaved } from './harness.js';

/** Seeded 21-class label map in blocks with noise, like the CLI benchmark's PNGs. */
function labels(w: number, h: number, classes: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[y * w + x] = ((x >> 5) + (y >> 5) * 3 + (s >>> 29 === 0 ? 1 : 0)) % classes;
    }
  return out;
}

const W = 512;
const H = 512;
const px = W * H;
const gray8 = encode({ width: W, height: H, data: labels(W, H, 21, 1), channels: 1, depth: 8 });
const t8 = await timeInterleaved(
  {
    segkit: () => decodeMask(gray8, 'a.png'),
    'fast-png': () => decode(gray8, { checkCrc: true }),
  },
  5,
  31,
);
for (const [impl, t] of Object.entries(t8)) {
  emit('png_decode_gray8_512', impl, px, t, {
    lib: impl,
    note: `ratio segkit/fast-png ${(t8.segkit.median_ms / t8['fast-png'].median_ms).toFixed(2)}`,
  });
}

// 4-bit palette-free grayscale, Adam7: fast-png cannot decode it, so segkit alone
const data4 = labels(W, H, 16, 2);
const packed = new Uint8Array((W / 2) * H);
for (let i = 0; i < px; i += 2) packed[i >> 1] = (data4[i] << 4) | data4[i + 1];
const plain4 = encode({ width: W, height: H, data: packed, channels: 1, depth: 4 });
const t4 = await timeInterleaved({ segkit: () => decodeMask(plain4, 'a.png') }, 5, 31);
emit('png_decode_gray4_512', 'segkit', px, t4.segkit);

// decompression bomb: 4 voxels + 256 MiB of zeros
const nii = encodeNifti({ data: Uint8Array.from([0, 1, 1, 0]), shape: [1, 2, 2] });
const raw = new Uint8Array(nii.length + 256 * 2 ** 20);
raw.set(nii);
const bomb = new Uint8Array(gzipSync(raw, { level: 9 }));
globalThis.gc?.();
const rss0 = process.resourceUsage().maxRSS;
const t0 = performance.now();
let message = '';
try {
  decodeMask(bomb, 'bomb.nii.gz');
} catch (e) {
  message = (e as Error).message.slice(0, 60);
}
const bounded = performance.now() - t0;
const rss1 = process.resourceUsage().maxRSS;
const t1 = performance.now();
const inflated = gunzipSync(bomb, { maxOutputLength: 2 ** 31 - 1 }).length; // the former behaviour
const unbounded = performance.now() - t1;
const rss2 = process.resourceUsage().maxRSS;
const one = (ms: number) => ({ median_ms: ms, min_ms: ms, max_ms: ms, runs: 1 });
emit('nifti_bomb_256MiB', 'segkit-bounded', 4, one(bounded), {
  value: Math.round((rss1 - rss0) / 1024),
  note: `peak RSS growth MiB; compressed ${bomb.length} B; ${message}…`,
});
emit('nifti_bomb_256MiB', 'former-unbounded-gunzip', 4, one(unbounded), {
  value: Math.round((rss2 - rss1) / 1024),
  note: `peak RSS growth MiB; inflated ${inflated} B`,
});
