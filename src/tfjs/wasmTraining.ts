/**
 * What training convolutional models on TF.js's `wasm` backend lacks: version 4.22 has no
 * `Conv2DBackpropFilter` kernel, so `model.fit` of any conv net stops with "Kernel 'Conv2DBackpropFilter'
 * not registered for backend 'wasm'", and its `Conv2DBackpropInput` is a plain loop several times slower
 * than its XNNPACK `conv2d`. This module registers both gradients as `conv2d`s of rearranged tensors (pad,
 * transpose, reverse), so they run on XNNPACK.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** What the kernel needs from the wasm backend (present on `BackendWasm`). */
interface HeapBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface InputGradAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

interface FilterGradAttrs extends ConvGradAttrs {
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

/** `x` padded (positive amounts) or cropped (negative amounts) along H and W of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const p = tf.pad(x, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
  const [n, h, w, c] = p.shape;
  const [t, l] = [Math.max(0, -top), Math.max(0, -left)];
  return tf.slice(p, [0, t, l, 0], [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
}

/** `dy` with `s − 1` zeros between neighbouring rows and columns (the stride undone). */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D,
    [0, 0, 0, 0],
    [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c],
  );
}

/**
 * ∂loss/∂x of a 2-D convolution as another convolution: `dy`, dilated by the stride and padded by
 * `k − 1 − pad`, correlated with the filter flipped in space and with its channels swapped.
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: InputGradAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const nchw = attrs.dataFormat === 'NCHW';
    const inputShape = nchw
      ? ([attrs.inputShape[0], attrs.inputShape[2], attrs.inputShape[3], attrs.inputShape[1]] as const)
      : attrs.inputShape;
    const dys = nchw ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(
      [...inputShape],
      filter.shape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const [kh, kw] = filter.shape;
    const [, inH, inW] = inputShape;
    const d = dilate(dys, info.strideHeight, info.strideWidth);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const padded = padOrCrop(d, top, inH + kh - 1 - d.shape[1] - top, left, inW + kw - 1 - d.shape[2] - left);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(padded, flipped, 1, 'valid');
    return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/**
 * Runs `compute` on tensors over a kernel's inputs and copies its result into a buffer the engine owns.
 */
function heapKernel(
  compute: (inputs: Record<string, tf.Tensor4D>, attrs: unknown) => tf.Tensor4D,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const heap = backend as unknown as HeapBackend;
    const engine = tf.engine();
    return tf.tidy(() => {
      // Tensors over the inputs' buffers; the extra reference keeps the buffers alive when tidy drops them.
      const wrapped: Record<string, tf.Tensor4D> = {};
      for (const [name, info] of Object.entries(inputs)) {
        heap.incRef((info as tf.TensorInfo).dataId);
        wrapped[name] = engine.makeTensorFromTensorInfo(info as tf.TensorInfo) as tf.Tensor4D;
      }
      const result = compute(wrapped, attrs);
      const out = heap.makeOutput(result.shape, 'float32');
      heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(result));
      return out as unknown as tf.Tensor;
    });
  };
}

let registered = false;

/**
 * Registers, for the `wasm` backend only, a `Conv2DBackpropFilter` kernel (which it lacks) and a faster
 * `Conv2DBackpropInput`, both as XNNPACK convolutions, so conv nets train on wasm with `model.fit` or
 * `optimizer.minimize`. Call it once after importing `@tensorflow/tfjs-backend-wasm`; later calls do
 * nothing; other backends are untouched.
 * @example
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropInput', 'wasm') !== undefined) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: heapKernel(({ dy, filter }, attrs) =>
      conv2dInputGradient(dy, filter, attrs as InputGradAttrs),
    ),
  });
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: heapKernel(({ x, dy }, attrs) => conv2dFilterGradient(x, dy, attrs as FilterGradAttrs)),
    });
  }
}
