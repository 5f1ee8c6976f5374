/**
 * The sigmoid (per element) form of the family's focal loss on the binary WebAssembly kernels
 * (kernels/binaryWasm.ts): MONAI `FocalLoss(use_softmax=False)` and smp `FocalLoss` (binary / multilabel),
 * from logits or probabilities, when nothing is ignored, no per-element terms are asked for and neither
 * smp's `normalized` nor `reducedThreshold` is set. The per-channel α, class weights and the reduction's
 * factors become the kernels' per-element coefficients. `undefined` when the kernels do not apply (then
 * `focalTerms`' JS loop runs, with the same semantics).
 * @module
 */
import { binaryWasm, type BinaryRun, BINARY_MAX_P } from '../kernels/binaryWasm.js';
import type { BatchGeometry, NumericArray } from '../types.js';
import { smpClassFactors } from './focalReduction.js';

/** What {@link sigmoidFocalWasm} needs of `focalTerms`' set-up. */
export interface SigmoidFocalSetup {
  /** Selected index of each channel, −1 when left out. */
  sel: Int32Array;
  /** Per selected class: the element weight (w), or, smp (perClass), the weight of the class mean. */
  w: ArrayLike<number>;
  classW: ArrayLike<number>;
  perClass: boolean;
  /** α on the positive (a1) and the negative (a0) term, per channel. */
  a1: ArrayLike<number>;
  a0: ArrayLike<number>;
  /** The reduction's scale of `focalTerms` (1 / count for `'mean'`). */
  scale: number;
  reduction: 'mean' | 'sum';
}

/**
 * Value and gradient (`out` null: none) of the sigmoid focal loss on the WebAssembly kernels, or `undefined`
 * when they do not apply. `fn` null: unchecked (`checkInputs: false`).
 */
export function sigmoidFocalWasm(
  fn: string | null,
  g: NumericArray,
  x: NumericArray,
  geom: BatchGeometry,
  fromLogits: boolean,
  gamma: number,
  s: SigmoidFocalSetup,
  out: Float32Array | null | undefined,
): { value: number; grad: Float32Array | null } | undefined {
  const { batch, pixels, channels: C, imageStride, layout } = geom;
  const lanes = layout === 'channelsLast' ? lcm4(C) : 4;
  if (lanes > 4 * BINARY_MAX_P) return undefined;
  // Per channel: the coefficient of its terms in the value (before `scale`) and in the gradient.
  const factor = s.perClass
    ? smpClassFactors(s.classW, new Float64Array(s.classW.length).fill(batch * pixels), s.reduction)
    : s.w;
  const c1 = new Float64Array(C);
  const c0 = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const k = s.sel[c];
    c1[c] = k < 0 ? 0 : s.a1[c] * factor[k];
    c0[c] = k < 0 ? 0 : s.a0[c] * factor[k];
  }
  const runs: BinaryRun[] = [];
  if (layout === 'channelsLast') {
    const r1 = Array.from({ length: lanes }, (_, i) => c1[i % C]);
    const r0 = Array.from({ length: lanes }, (_, i) => c0[i % C]);
    runs.push({ start: 0, end: batch * imageStride, c1: r1, c0: r0 });
  } else {
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < C; c++) {
        const start = b * imageStride + c * pixels;
        const last = runs[runs.length - 1];
        // Planes next to each other with the same coefficients (C = 1, or equal classes) make one run.
        if (last !== undefined && last.end === start && last.c1[0] === c1[c] && last.c0[0] === c0[c]) {
          last.end += pixels;
        } else
          runs.push({
            start,
            end: start + pixels,
            c1: new Array(4).fill(c1[c]),
            c0: new Array(4).fill(c0[c]),
          });
      }
    }
  }
  const gradScale = s.perClass ? 1 : s.scale;
  const grad = out === null ? null : (out ?? new Float32Array(x.length));
  const kind = fromLogits ? 'sigmoid' : 'focalProb';
  const sum = binaryWasm(fn, kind, g, x, grad, runs, gamma, gradScale, 'float32');
  return sum === undefined ? undefined : { value: sum * gradScale, grad };
}

/** lcm(C, 4): the elements of one period of C interleaved channels over 4-lane vectors. */
function lcm4(C: number): number {
  return C % 4 === 0 ? C : C % 2 === 0 ? 2 * C : 4 * C;
}
