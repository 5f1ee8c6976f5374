/**
 * MONAI's masked Dice on float32 inputs (family/masked.ts): the masked products keep float32, so the Dice loss
 * takes its fused kernels, and the products live in arrays the loss reuses from call to call.
 */
import { describe, expect, it } from 'vitest';
import { maskedDiceLoss } from '../../src/index.js';
import { maskInputs } from '../../src/core/family/masked.js';
import { ArrayScratch } from '../../src/core/family/scratch.js';
import { setSoftmaxWasmEnabled, softmaxRuns } from '../../src/core/kernels/softmaxRegion.js';
import { rng } from './helpers.js';

function inputs(seed: number, N: number, C: number, H: number, W: number) {
  const r = rng(seed);
  const E = N * C * H * W;
  const x = Float32Array.from({ length: E }, () => 6 * r() - 3);
  const g = new Float32Array(E);
  for (let b = 0; b < N; b++)
    for (let p = 0; p < H * W; p++) g[b * C * H * W + Math.floor(r() * C) * H * W + p] = 1;
  const mask = Float32Array.from({ length: N * H * W }, () => (r() < 0.7 ? 1 : 0));
  return { x, g, mask, shape: [N, C, H, W], maskShape: [N, 1, H, W] };
}

describe('maskedDiceLoss on float32 inputs', () => {
  it('runs the fused softmax kernels and agrees with float64 inputs (general path) to float32 rounding', () => {
    const { x, g, mask, shape, maskShape } = inputs(3, 2, 4, 40, 30);
    const loss = maskedDiceLoss({ fromLogits: true, activation: 'softmax' });
    setSoftmaxWasmEnabled(true, 0);
    try {
      const before = softmaxRuns().wasm;
      const out = new Float32Array(x.length);
      const r32 = loss.valueAndGrad(
        { data: g, shape },
        { data: x, shape },
        { data: mask, shape: maskShape },
        { out },
      );
      expect(softmaxRuns().wasm - before).toBeGreaterThan(0);
      expect(r32.grad).toBe(out);
      const r64 = loss.valueAndGrad(
        { data: Float64Array.from(g), shape },
        { data: Float64Array.from(x), shape },
        { data: mask, shape: maskShape },
      );
      expect(Math.abs(r32.value - r64.value)).toBeLessThanOrEqual(1e-6);
      let worst = 0;
      let scale = 0;
      r64.grad.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(out[i] - v));
        scale = Math.max(scale, Math.abs(v));
      });
      expect(worst).toBeLessThanOrEqual(2e-6 * scale);
      // Masked-out elements get no gradient (the chain rule's factor 0; ±0).
      let nonzero = 0;
      for (let i = 0; i < out.length; i++) {
        const m = mask[(i % 1200) + Math.floor(i / (4 * 1200)) * 1200];
        if (m === 0 && out[i] !== 0) nonzero++;
      }
      expect(nonzero).toBe(0);
    } finally {
      setSoftmaxWasmEnabled(true);
    }
  });

  it('builds the masked inputs in the same memory on every call, grown for a larger input', () => {
    const scratch = new ArrayScratch();
    const small = inputs(4, 1, 3, 8, 8);
    const large = inputs(5, 2, 3, 8, 8);
    const masked = (i: ReturnType<typeof inputs>) =>
      maskInputs(
        't',
        { data: i.g, shape: i.shape },
        { data: i.x, shape: i.shape },
        { data: i.mask, shape: i.maskShape },
        'channelsFirst',
        undefined,
        scratch,
      );
    const a = masked(small);
    const b = masked(small);
    expect(a.p.data).toBeInstanceOf(Float32Array);
    expect(a.g.data).toBeInstanceOf(Float32Array);
    expect((b.p.data as Float32Array).buffer).toBe((a.p.data as Float32Array).buffer);
    expect((b.g.data as Float32Array).buffer).toBe((a.g.data as Float32Array).buffer);
    const c = masked(large);
    expect(c.p.data.length).toBe(2 * 3 * 64);
    // Element (b, c, pixel q) of [2, 3, 8, 8] has the mask factor mask[b·64 + q].
    const factor = (i: number) => large.mask[Math.floor(i / 192) * 64 + (i % 64)];
    for (let i = 0; i < c.p.data.length; i++) {
      expect(c.p.data[i]).toBe(Math.fround(large.x[i] * factor(i)));
      expect(c.g.data[i]).toBe(Math.fround(large.g[i] * factor(i)));
    }
  });
});
