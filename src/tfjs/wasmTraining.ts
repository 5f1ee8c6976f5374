/**
 * The missing piece for training convolutional models on TF.js's `wasm` backend: version 4.22 runs
 * `conv2d` forward and its input gradient, but has no `Conv2DBackpropFilter` kernel, so `model.fit` of any
 * conv net stops with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'". This module
 * registers one, built from kernels wasm has (pad, transpose, conv2d).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** What the kernel needs from the wasm backend (present on `BackendWasm`). */
interface HeapBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * ∂loss/∂filter of a 2-D convolution as another convolution: with batch and channels swapped, the padded
 * input `[Cin, Hp, Wp, N]` convolved (valid, dilation = stride) with `dy` as filter `[Hout, Wout, N, Cout]`
 * gives `[Cin, kh, kw, Cout]`.
 */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: FilterGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const nhwc = attrs.dataFormat === 'NCHW';
    const xs = nhwc ? tf.transpose(x, [0, 2, 3, 1]) : x;
    const dys = nhwc ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const [kh, kw, cin, cout] = attrs.filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      xs.shape,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const padded = tf.pad(xs, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const swapped = tf.conv2d(
      tf.transpose(padded, [3, 1, 2, 0]),
      tf.transpose(dys, [1, 2, 0, 3]),
      1,
      'valid',
      'NHWC',
      [info.strideHeight, info.strideWidth],
    );
    const cropped = tf.slice(swapped, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

let registered = false;

/**
 * Registers a `Conv2DBackpropFilter` kernel for the `wasm` backend (once; later calls do nothing), so
 * conv nets train on wasm with `model.fit` or `optimizer.minimize`. Other backends are untouched. Call it
 * after importing `@tensorflow/tfjs-backend-wasm`.
 * @example
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 */
export function registerWasmTrainingKernels(): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  registered = true;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = backend as unknown as HeapBackend;
      const engine = tf.engine();
      return tf.tidy(() => {
        // Tensors over the inputs' buffers; the extra reference keeps the buffers alive when tidy drops them.
        const wrap = (info: tf.TensorInfo) => {
          heap.incRef(info.dataId);
          return engine.makeTensorFromTensorInfo(info) as tf.Tensor4D;
        };
        const x = wrap(inputs.x as tf.TensorInfo);
        const dy = wrap(inputs.dy as tf.TensorInfo);
        const grad = conv2dFilterGradient(x, dy, attrs as unknown as FilterGradAttrs);
        // Copy into a buffer the engine owns; `grad` itself is released by tidy.
        const out = heap.makeOutput(grad.shape, 'float32');
        heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(grad));
        return out as unknown as tf.Tensor;
      });
    },
  });
}
