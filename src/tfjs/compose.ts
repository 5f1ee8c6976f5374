/**
 * Building TF.js losses and metrics: naming, sm's algebra (`plus`, `times`) and factories that are also
 * their own default instance.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkFiniteNumber, formatValue, typeError } from '../core/validate.js';
import { isTensor } from './input.js';
import type { TfLoss, TfLossFactory, TfMetric, TfMetricFactory } from './types.js';

type Fn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

function setName<T extends object>(f: T, name: string): T {
  Object.defineProperty(f, 'name', { value: name, configurable: true });
  return f;
}

/**
 * Names a function `(yTrue, yPred) => Scalar` as a metric; every call runs in `tf.tidy`, so intermediates
 * never outlive it.
 */
export function defineTfMetric(name: string, fn: Fn): TfMetric {
  return setName((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.tidy(() => fn(yTrue, yPred)), name);
}

/** Names a function `(yTrue, yPred) => Scalar` as a loss and gives it `plus` and `times`. */
export function defineTfLoss(name: string, fn: Fn): TfLoss {
  const loss = defineTfMetric(name, fn) as TfMetric & Partial<TfLoss>;
  loss.plus = (other: TfLoss) => sumOfLosses(loss as TfLoss, other);
  loss.times = (k: number) => scaledLoss(loss as TfLoss, k);
  return loss as TfLoss;
}

function isTfLoss(x: unknown): x is TfLoss {
  return typeof x === 'function' && typeof (x as TfLoss).plus === 'function';
}

function sumOfLosses(a: TfLoss, b: TfLoss): TfLoss {
  if (!isTfLoss(b)) {
    throw typeError(`${a.name}.plus`, `other must be a segkit/tfjs loss; got ${formatValue(b)}.`);
  }
  return defineTfLoss(`${a.name}_plus_${b.name}`, (yTrue, yPred) => tf.add(a(yTrue, yPred), b(yTrue, yPred)));
}

function scaledLoss(a: TfLoss, k: number): TfLoss {
  if (typeof k !== 'number') throw typeError(`${a.name}.times`, `k must be a number; got ${formatValue(k)}.`);
  checkFiniteNumber(`${a.name}.times`, 'k', k);
  return defineTfLoss(`${k}${a.name}`, (yTrue, yPred) => tf.mul(a(yTrue, yPred), k));
}

/**
 * A factory that is also its default instance: called with two tensors it is the default loss or metric,
 * called with options (or nothing) it makes a configured one.
 */
function withDefault<O, T extends TfMetric>(make: (options?: O) => T): T & ((options?: O) => T) {
  const instance = make();
  const f = (a?: unknown, b?: unknown): unknown =>
    isTensor(a) || b !== undefined ? instance(a as tf.Tensor, b as tf.Tensor) : make(a as O | undefined);
  for (const key of Object.keys(instance) as (keyof T)[]) {
    Object.defineProperty(f, key, { value: instance[key], enumerable: true });
  }
  return setName(f, instance.name) as unknown as T & ((options?: O) => T);
}

/** A loss factory that is also sm's ready-made instance (`diceLoss` = `dice_loss`). */
export function lossFactory<O>(make: (options?: O) => TfLoss): TfLossFactory<O> {
  return withDefault(make) as TfLossFactory<O>;
}

/** A metric factory that is also its default instance (`iouScore` = sm's `iou_score`). */
export function metricFactory<O>(make: (options?: O) => TfMetric): TfMetricFactory<O> {
  return withDefault(make) as TfMetricFactory<O>;
}

/**
 * The forward pass of a loss with a closed-form gradient: computes the value from `pr`, saves what the
 * gradient needs with `save` (kept only while a gradient tape records), and returns the gradient function
 * `(dy, saved) => ∂loss/∂pr · dy` (shape of `pr`).
 */
export type ClosedFormForward = (
  pr: tf.Tensor,
  save: tf.GradSaveFunc,
) => { value: tf.Scalar; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor };

/**
 * Runs `forward` on `yPred` through `tf.customGrad`, so autodiff (`tf.grad`, `optimizer.minimize`,
 * `model.fit`) uses the closed-form gradient instead of differentiating the forward ops.
 */
export function withClosedFormGradient(yPred: tf.Tensor, forward: ClosedFormForward): tf.Scalar {
  const f = tf.customGrad<tf.Scalar>((...args) => forward(args[0] as tf.Tensor, args[1] as tf.GradSaveFunc));
  return f(yPred);
}
