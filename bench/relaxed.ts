/**
 * The `segkit_relaxed_out` row of the family, core and binary benchmarks: the same `valueAndGrad(gt, pr, { out })`
 * as `segkit_out` with the relaxed-SIMD modules (fused multiply-adds; `setRelaxedSimd`), interleaved with it in
 * the same process. bench/run.mjs starts Node 20 with --experimental-wasm-relaxed-simd (Node ≥ 22 has relaxed
 * SIMD on by default); `useSimd128ByDefault()` then switches relaxed SIMD off for every other row, so that
 * `segkit_out` still shows what a default Node 20 user gets, and `relaxedRow` switches it on for its own calls.
 */
import { kernelBackend, setRelaxedSimd, type KernelModules } from '../src/core/backend.js';
import { emit, type Timing } from './harness.js';

type RelaxedModule = 'softmaxRegion' | 'elementwise' | 'binary';

/**
 * Switches relaxed SIMD off for the rows of this process; returns the modules that run relaxed when it is on
 * (none where the runtime has no relaxed SIMD: no row then).
 */
export function useSimd128ByDefault(): Set<RelaxedModule> {
  setRelaxedSimd(true);
  const m: KernelModules = kernelBackend('modules');
  setRelaxedSimd(false);
  const on = new Set<RelaxedModule>();
  for (const k of ['softmaxRegion', 'elementwise', 'binary'] as const)
    if (m[k] === 'wasm-relaxed-simd') on.add(k);
  return on;
}

/** `fn` with relaxed SIMD switched on for its duration. */
export function relaxedRow(fn: () => void): () => void {
  return () => {
    setRelaxedSimd(true);
    try {
      fn();
    } finally {
      setRelaxedSimd(false);
    }
  };
}

/**
 * Prints the `segkit_relaxed_out` line: its × memory bound, its ratio to `segkit_out` timed in the same run, and
 * its ratio to PyTorch when timed in this run.
 */
export function emitRelaxed(
  workload: string,
  elements: number,
  times: Record<string, Timing>,
  o: { bound: number; torchMs?: number; what: string; layout?: string; malloc?: string; value?: number },
): void {
  const t = times.segkit_relaxed_out;
  if (!t) return;
  const ms = t.median_ms;
  const simd = times.segkit_out.median_ms;
  emit(workload, 'segkit_relaxed_out', elements, t, {
    ...(o.layout === undefined ? {} : { layout: o.layout }),
    ...(o.malloc === undefined ? {} : { malloc: o.malloc }),
    ...(o.value === undefined ? {} : { value: o.value }),
    note:
      `${o.what}.valueAndGrad(gt, pr, { out }) with the relaxed-SIMD modules (setRelaxedSimd(true), interleaved ` +
      `with segkit_out on SIMD128): ${(ms / o.bound).toFixed(2)}× memory bound; ${(ms / simd).toFixed(3)}× segkit_out` +
      (o.torchMs === undefined
        ? ''
        : `; ${(ms / o.torchMs).toFixed(2)}× PyTorch in this run (${o.torchMs} ms)`),
    vs_segkit_out: Math.round((ms / simd) * 1000) / 1000,
    ...(o.torchMs === undefined ? {} : { vs_torch: Math.round((ms / o.torchMs) * 100) / 100 }),
  });
}
