/**
 * A core loss or metric run on a tensor's data: the tensors are read once (`dataSync`), the core computes
 * the value (and the closed-form gradient, which is uploaded once and returned through `tf.customGrad`).
 * On `cpu` and `wasm` the read is a copy from memory the page already owns and the core's kernels
 * (WebAssembly SIMD or plain loops) beat the TF.js op composition (bench/tfjs.bench.ts), so the factories use
 * this path there; on GPU backends the read would stall the GPU queue, so they use it only for the options
 * that have no op implementation yet (README, TF.js section).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Loss, Metric } from '../core/loss.js';
import type { NdArray } from '../core/types.js';
import { defineTfLoss, defineTfMetric, withClosedFormGradient } from './compose.js';
import type { TfLoss, TfMetric } from './types.js';

/** Backends whose tensors live in JavaScript or WebAssembly memory: reading them never waits on a GPU. */
export const HOST_BACKENDS: readonly string[] = ['cpu', 'wasm'];

/** Which path the factories take: by backend (the default), or forced (tests and benchmarks). */
export type ComputePath = 'auto' | 'core' | 'ops';

let path: ComputePath = 'auto';

/**
 * Forces the path of every segkit/tfjs loss and metric that has both (`'core'`: the core's kernels on the
 * tensors' data; `'ops'`: TF.js ops) or restores the choice by backend (`'auto'`). Internal: tests and
 * benchmarks run both paths on `cpu` and `wasm` with it. Returns the previous setting.
 */
export function setComputePath(p: ComputePath): ComputePath {
  const previous = path;
  path = p;
  return previous;
}

/** True when the core's kernels run on the tensors' data: on {@link HOST_BACKENDS}, unless forced. */
export function onHostBackend(): boolean {
  return path === 'auto' ? HOST_BACKENDS.includes(tf.getBackend()) : path === 'core';
}

/** What the `wasm` backend offers for reading a tensor in place (`BackendWasm`). */
interface HeapBackend {
  dataIdMap: { has(dataId: tf.DataId): boolean };
  typedArrayFromHeap(info: { dataId: tf.DataId; shape: number[]; dtype: tf.DataType }): NdArray['data'];
}

function isHeapBackend(b: unknown): b is HeapBackend {
  const h = b as Partial<HeapBackend>;
  return typeof h.typedArrayFromHeap === 'function' && typeof h.dataIdMap?.has === 'function';
}

/**
 * The data and shape of a tensor as the core reads them. On `wasm`, a view of the backend's memory (valid
 * until the next TF.js op; the core calls none): its `dataSync` copies with `slice` on the WebAssembly
 * memory, which V8 runs element by element, about 10× slower than the core's whole Dice loss
 * (bench/tfjs.bench.ts). Elsewhere `dataSync` (on `cpu` the backend's own array, no copy).
 */
export function ndOf(x: tf.Tensor): NdArray {
  const backend = tf.backend();
  if (tf.getBackend() === 'wasm' && isHeapBackend(backend) && backend.dataIdMap.has(x.dataId)) {
    return { data: backend.typedArrayFromHeap(x), shape: x.shape };
  }
  return { data: x.dataSync() as NdArray['data'], shape: x.shape };
}

/**
 * A float32 tensor of `shape` for the core to write the gradient into, with a view of its data: on `wasm`, a
 * fresh buffer in the backend's memory (no JavaScript array, no upload); elsewhere `null` (the core
 * allocates, `tf.tensor` uploads).
 */
function heapOutput(shape: number[]): { tensor: tf.Tensor; data: Float32Array } | null {
  const backend = tf.backend();
  if (tf.getBackend() !== 'wasm' || !isHeapBackend(backend)) return null;
  const tensor = tf.zeros(shape, 'float32');
  return { tensor, data: backend.typedArrayFromHeap(tensor) as Float32Array };
}

/**
 * `core(yTrue, yPred)` on the tensors' data, with the core's value and closed-form gradient. The gradient
 * is scaled by `dy` only when `dy ≠ 1` (reading the scalar `dy` is cheap on these backends; a full-size
 * multiply is not).
 */
export function lossOnData(core: Loss, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return withClosedFormGradient(yPred, (pr, save) => {
    const out = heapOutput(pr.shape);
    const r = core.valueAndGrad(ndOf(yTrue), ndOf(pr), out ? { out: out.data } : undefined);
    save([out ? out.tensor : tf.tensor(r.grad, pr.shape, 'float32')]);
    return {
      value: tf.scalar(r.value),
      gradFunc: (dy, saved) =>
        dy.size === 1 && dy.dataSync()[0] === 1 ? tf.clone(saved[0]) : tf.mul(dy, saved[0]),
    };
  });
}

/** A TF.js loss computing `core(yTrue, yPred)` on the tensors' data, on every backend. */
export function tfLossFromCore(core: Loss): TfLoss {
  return defineTfLoss(core.name, (yTrue, yPred) => lossOnData(core, yTrue, yPred));
}

/** A TF.js metric computing `core(yTrue, yPred)` on the tensors' data, on every backend (no gradient). */
export function tfMetricFromCore(core: Metric): TfMetric {
  return defineTfMetric(core.name, (yTrue, yPred) => tf.scalar(core.value(ndOf(yTrue), ndOf(yPred))));
}
