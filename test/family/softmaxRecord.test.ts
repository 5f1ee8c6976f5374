/**
 * The bit record of binary dense targets (kernels/softmaxRegion.ts, scripts/wasm/softmaxRegion.mjs: statsDB →
 * gradPB): pass 1 checks exactly, block by block, that the dense targets are +0.0 or 1.0 and records them as
 * bits; pass 2 reads those bits instead of copying the targets in again. Blocks with any other target (0.5,
 * −0.0, 1 + 2⁻²³, NaN) keep the path that reads the targets. Each test checks which path ran (the `recorded` /
 * `fromRecord` counters) and that the gradient has the same bits as the path that reads the targets.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { diceLoss } from '../../src/index.js';
import {
  SOFTMAX_BLOCK_PIXELS,
  SOFTMAX_MAX_C,
  SOFTMAX_RECORD_AT,
  type SoftmaxTargets,
  setSoftmaxWasmEnabled,
  softmaxRecordBytes,
  softmaxRegionGrad,
  softmaxRegionStats,
  softmaxRuns,
} from '../../src/core/kernels/softmaxRegion.js';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { RECORD_BYTES, SOFTMAX_LAYOUT } from '../../scripts/wasm/softmaxRegion.mjs';
import { rng } from './helpers.js';

afterEach(() => setSoftmaxWasmEnabled(true));

/** Seeded logits in [−6, 6] and one-hot float32 targets, `batch` images of `pixels` pixels, C channels. */
function inputs(seed: number, batch: number, pixels: number, C: number) {
  const r = rng(seed);
  const n = batch * pixels * C;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 12 * r() - 6;
  const g = new Float32Array(n);
  for (let s = 0; s < batch * pixels; s++) g[s * C + Math.floor(r() * C)] = 1;
  const A = Float64Array.from({ length: batch * C }, () => r() - 0.5);
  const B = Float64Array.from({ length: batch * C }, () => r() - 0.5);
  return { x, g, A, B };
}

/** Blocks of pass 1 per image: whole groups of four pixels, SOFTMAX_BLOCK_PIXELS per block. */
const blocksPerImage = (pixels: number) => Math.ceil(Math.floor(pixels / 4) / (SOFTMAX_BLOCK_PIXELS / 4));

/**
 * Pass 1 storing p, then pass 2 twice: from the record (the same store array) and reading the targets (a copy
 * of the store: another array, so the record does not apply). Returns both gradients, the sums and the counters.
 */
function twoWays(
  x: Float32Array,
  g: Float32Array,
  batch: number,
  pixels: number,
  C: number,
  perImage: boolean,
) {
  const r = rng(C * 31 + pixels);
  const rows = perImage ? batch : 1;
  const A = Float64Array.from({ length: rows * C }, () => r() - 0.5);
  const B = Float64Array.from({ length: rows * C }, () => r() - 0.5);
  const t: SoftmaxTargets = { kind: 'dense', g };
  const [I, P, G] = [0, 1, 2].map(() => new Float64Array(rows * C));
  setSoftmaxWasmEnabled(true, 0);
  const p = new Float32Array(x.length);
  const r0 = softmaxRuns();
  expect(softmaxRegionStats(x, t, batch, pixels, C, perImage, I, P, G, p)).toBeNull();
  const r1 = softmaxRuns();
  const copy = p.slice();
  const reading = new Float32Array(x.length);
  softmaxRegionGrad(x, t, batch, pixels, C, perImage, A, B, reading, copy);
  const r2 = softmaxRuns();
  const fromRecord = new Float32Array(x.length);
  softmaxRegionGrad(x, t, batch, pixels, C, perImage, A, B, fromRecord, p);
  const r3 = softmaxRuns();
  return {
    reading,
    fromRecord,
    sums: [I, P, G],
    recorded: r1.recorded - r0.recorded,
    readingRuns: r2.fromRecord - r1.fromRecord,
    recordRuns: r3.fromRecord - r2.fromRecord,
  };
}

describe('the bit record of binary dense targets', () => {
  it('has the layout the generator assembles (record offset, bytes per group of four pixels)', () => {
    expect(SOFTMAX_RECORD_AT).toBe(SOFTMAX_LAYOUT.REC);
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
      expect(softmaxRecordBytes(C)).toBe(RECORD_BYTES(C));
      // 4C bits per group fit the bytes.
      expect(8 * softmaxRecordBytes(C)).toBeGreaterThanOrEqual(4 * C);
    }
  });

  for (let C = 2; C <= SOFTMAX_MAX_C; C++) {
    it(`C = ${C}: one-hot targets are recorded in every block, pass 2 reads the bits, same gradient bits`, () => {
      const pixels = 2 * SOFTMAX_BLOCK_PIXELS + 7; // 3 blocks per image, the last partial, 3 pixels in JS
      const { x, g } = inputs(C, 2, pixels, C);
      for (const perImage of [true, false]) {
        const w = twoWays(x, g, 2, pixels, C, perImage);
        expect(w.recorded).toBe(2 * blocksPerImage(pixels));
        expect(w.readingRuns).toBe(0);
        expect(w.recordRuns).toBe(2 * blocksPerImage(pixels));
        expect(w.fromRecord).toEqual(w.reading);
        expect(w.reading.some((v) => v !== 0)).toBe(true);
      }
    });
  }

  it('a block with one target 0.5 next to binary blocks: only the binary blocks use the record', () => {
    for (const C of [3, 4, 8]) {
      const pixels = 3 * SOFTMAX_BLOCK_PIXELS;
      const { x, g } = inputs(10 + C, 1, pixels, C);
      // Block 1 (pixels 2032…4063) holds one soft target.
      g[(SOFTMAX_BLOCK_PIXELS + 5) * C + 1] = 0.5;
      const w = twoWays(x, g, 1, pixels, C, true);
      expect(w.recorded).toBe(2);
      expect(w.recordRuns).toBe(2);
      expect(w.fromRecord).toEqual(w.reading);
    }
  });

  it('targets 0 / 1 that are not one-hot (no class, two classes) are recorded; −0, 1 + 2⁻²³ and 2 are not', () => {
    const C = 4;
    const pixels = 2 * SOFTMAX_BLOCK_PIXELS;
    const { x, g } = inputs(21, 1, pixels, C);
    g.fill(0, 0, 10 * C); // pixels 0…9: no class
    for (let s = 10; s < 20; s++) g[s * C] = g[s * C + 2] = 1; // two classes
    let w = twoWays(x, g, 1, pixels, C, true);
    expect(w.recorded).toBe(2);
    expect(w.fromRecord).toEqual(w.reading);
    for (const odd of [-0, 1 + 2 ** -23, 2]) {
      const h = g.slice();
      h[(SOFTMAX_BLOCK_PIXELS + 100) * C + 3] = odd;
      w = twoWays(x, h, 1, pixels, C, true);
      expect(w.recorded).toBe(1);
      expect(w.recordRuns).toBe(1);
      expect(w.fromRecord).toEqual(w.reading);
    }
  });

  it('property: random binary and soft blocks, C, sizes and perImage: the record path has the same bits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: SOFTMAX_MAX_C }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 * SOFTMAX_BLOCK_PIXELS }),
        fc.boolean(),
        fc.array(fc.constantFrom('onehot', 'binary', 'soft'), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (C, batch, pixels, perImage, kinds, seed) => {
          const { x, g } = inputs(seed, batch, pixels, C);
          const r = rng(seed + 1);
          const per = blocksPerImage(pixels);
          let binaryBlocks = 0;
          for (let b = 0; b < batch; b++) {
            for (let k = 0; k < per; k++) {
              const kind = kinds[(b * per + k) % kinds.length];
              const from = b * pixels + k * SOFTMAX_BLOCK_PIXELS;
              const to = Math.min(from + SOFTMAX_BLOCK_PIXELS, b * pixels + Math.floor(pixels / 4) * 4);
              for (let i = from * C; i < to * C; i++) {
                if (kind === 'binary') g[i] = r() < 0.3 ? 1 : 0;
                else if (kind === 'soft' && r() < 0.05) g[i] = r();
              }
              // A soft block may still come out all 0 / 1: count what the targets are, not what was asked.
              let binary = true;
              for (let i = from * C; i < to * C; i++) if (g[i] !== 0 && g[i] !== 1) binary = false;
              if (binary) binaryBlocks++;
            }
          }
          const w = twoWays(x, g, batch, pixels, C, perImage);
          expect(w.recorded).toBe(binaryBlocks);
          expect(w.recordRuns).toBe(binaryBlocks);
          expect(w.readingRuns).toBe(0);
          expect(w.fromRecord).toEqual(w.reading);
        },
      ),
      { seed: 20261204, numRuns: 40 },
    );
  });

  it('the record belongs to the last pass 1: another call in between sends pass 2 back to the targets', () => {
    const C = 4;
    const pixels = SOFTMAX_BLOCK_PIXELS + 100;
    const a = inputs(31, 1, pixels, C);
    const b = inputs(32, 1, pixels, C);
    const [I, P, G] = [0, 1, 2].map(() => new Float64Array(C));
    setSoftmaxWasmEnabled(true, 0);
    const pa = new Float32Array(a.x.length);
    const pb = new Float32Array(a.x.length);
    // The same logits, other targets: a's pass 2 must not read b's bits.
    expect(softmaxRegionStats(a.x, { kind: 'dense', g: a.g }, 1, pixels, C, true, I, P, G, pa)).toBeNull();
    const reference = new Float32Array(a.x.length);
    softmaxRegionGrad(a.x, { kind: 'dense', g: a.g }, 1, pixels, C, true, a.A, a.B, reference, pa.slice());
    expect(softmaxRegionStats(a.x, { kind: 'dense', g: b.g }, 1, pixels, C, true, I, P, G, pb)).toBeNull();
    const before = softmaxRuns().fromRecord;
    const out = new Float32Array(a.x.length);
    softmaxRegionGrad(a.x, { kind: 'dense', g: a.g }, 1, pixels, C, true, a.A, a.B, out, pa);
    expect(softmaxRuns().fromRecord - before).toBe(0);
    expect(out).toEqual(reference);
  });

  it('a pass 1 stopped by bad input leaves no record', () => {
    const C = 4;
    const pixels = 2 * SOFTMAX_BLOCK_PIXELS;
    const { x, g, A, B } = inputs(41, 1, pixels, C);
    const [I, P, G] = [0, 1, 2].map(() => new Float64Array(C));
    setSoftmaxWasmEnabled(true, 0);
    const p = new Float32Array(x.length);
    expect(softmaxRegionStats(x, { kind: 'dense', g }, 1, pixels, C, true, I, P, G, p)).toBeNull();
    const y = x.slice();
    y[(SOFTMAX_BLOCK_PIXELS + 3) * C] = NaN;
    expect(softmaxRegionStats(y, { kind: 'dense', g }, 1, pixels, C, true, I, P, G, p)).toEqual({
      what: 'logits',
      index: (SOFTMAX_BLOCK_PIXELS + 3) * C,
    });
    const before = softmaxRuns().fromRecord;
    softmaxRegionGrad(y, { kind: 'dense', g }, 1, pixels, C, true, A, B, new Float32Array(x.length), p);
    expect(softmaxRuns().fromRecord - before).toBe(0);
  });

  it('a loss from logits with { out } (batch-wide sm preset) reads the record in pass 2, same gradient', () => {
    const C = 4;
    const shape = [2, 64, 64, C];
    const { x, g } = inputs(51, 2, 64 * 64, C);
    const loss = diceLoss({ fromLogits: true, layout: 'channelsLast' });
    setSoftmaxWasmEnabled(true, 0);
    const before = softmaxRuns().fromRecord;
    const out = new Float32Array(x.length);
    const r = loss.valueAndGrad({ data: g, shape }, { data: x, shape }, { out });
    expect(softmaxRuns().fromRecord - before).toBe(2 * blocksPerImage(64 * 64));
    // The same call on a label map reads no record (labels are read directly) and agrees to float32 rounding.
    const labels = new Uint8Array(2 * 64 * 64);
    for (let s = 0; s < labels.length; s++) labels[s] = g.subarray(s * C, s * C + C).indexOf(1);
    const l = loss.valueAndGrad({ data: labels, shape: shape.slice(0, -1) }, { data: x, shape });
    expect(Math.abs(l.value - r.value)).toBeLessThan(1e-7);
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - l.grad[i]));
    expect(worst).toBeLessThan(1e-9);
  });
});
