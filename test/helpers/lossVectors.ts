/**
 * Helpers of the tests that run a loss's reference vectors on both kernels (WebAssembly and JS):
 * float32 copies of the inputs and the comparison of a call with a case's expected value and gradient.
 */
import type { NdArray } from '../../src/index.js';
import { close, gradMismatch, num, type VectorCase } from './vectors.js';

/** float32 copies of float32-exact data (the WebAssembly kernels take Float32Array only). */
export const f32 = (x: NdArray): NdArray => ({
  data: Float32Array.from(x.data as ArrayLike<number>),
  shape: x.shape,
});

/** null when the loss gives the case's value (and gradient), else what differs. */
export function vectorMismatch(
  loss: { valueAndGrad(gt: NdArray, pr: NdArray): { value: number; grad: Float32Array } },
  gt: NdArray,
  pr: NdArray,
  c: VectorCase,
): string | null {
  const { value, grad } = loss.valueAndGrad(gt, pr);
  const want = num(c.expected.value);
  if (!close(value, want)) return `${c.id}: value ${value} ≠ ${want}`;
  const g = c.expected.grad_pr?.map(num);
  if (g) {
    const at = gradMismatch(grad, g);
    if (at >= 0) return `${c.id}: grad[${at}] ${grad[at]} ≠ ${g[at]}`;
  }
  return null;
}
