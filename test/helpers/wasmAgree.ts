/**
 * The agreement bound between the WebAssembly kernels (float32 terms, exp/log within a few ulps) and the JS
 * kernels (float64) of the elementwise and binary losses, shared by their property tests.
 */
import type { Loss, ValueAndGrad } from '../../src/core/loss.js';
import type { NdArray } from '../../src/index.js';

const sameNaN = (a: number, b: number) => Number.isNaN(a) && Number.isNaN(b);

/**
 * null when `w` agrees with `js` within the stated bound, else what differs: values within 2e-6 relative
 * (1e-7 absolute), gradients within 2e-6 of the largest finite JS gradient entry; NaN where JS has NaN.
 */
export function wasmAgree(
  js: { value: number; grad: Float32Array },
  w: { value: number; grad: Float32Array },
): string | null {
  if (!sameNaN(js.value, w.value) && !(Math.abs(js.value - w.value) <= 1e-7 + 2e-6 * Math.abs(js.value)))
    return `value ${w.value} ≠ ${js.value}`;
  let scale = 0;
  for (const g of js.grad) if (Number.isFinite(g)) scale = Math.max(scale, Math.abs(g));
  for (let i = 0; i < js.grad.length; i++) {
    const a = js.grad[i];
    const b = w.grad[i];
    if (sameNaN(a, b)) continue;
    if (!(Math.abs(a - b) <= 2e-6 * scale + 1e-30)) return `grad[${i}] ${b} ≠ ${a} (largest ${scale})`;
  }
  return null;
}

/**
 * `withPath(wasm, body)` for one kernel module: runs `body` with its WebAssembly kernels forced on (for every
 * size) or off, switches them back on, and returns how many calls took them.
 */
export function forcedPath(
  setEnabled: (on: boolean, fromElements?: number) => void,
  runs: () => number,
): (wasm: boolean, body: () => void) => number {
  return (wasm, body) => {
    setEnabled(wasm, 0);
    const before = runs();
    try {
      body();
    } finally {
      setEnabled(true);
    }
    return runs() - before;
  };
}

/**
 * `on(wasm, loss, gt, pr)` for one kernel module: the loss's value and gradient with its WebAssembly kernels
 * forced on or off (`forcedPath`), and `runs`, how many calls took them.
 */
export function forcedValueAndGrad(
  setEnabled: (on: boolean, fromElements?: number) => void,
  runs: () => number,
): (wasm: boolean, loss: Loss, gt: NdArray, pr: NdArray) => ValueAndGrad & { runs: number } {
  const withPath = forcedPath(setEnabled, runs);
  return (wasm, loss, gt, pr) => {
    let result: ValueAndGrad = { value: NaN, grad: new Float32Array(0) };
    const n = withPath(wasm, () => {
      result = loss.valueAndGrad(gt, pr);
    });
    return { ...result, runs: n };
  };
}
