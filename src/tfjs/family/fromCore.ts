/**
 * The loss family of issue 6 in TF.js: each core loss runs on the tensors' data inside `tf.customGrad`
 * (see `../fromCore.ts`), so TF.js autodiff (`tf.grad`, `optimizer.minimize`, `model.fit`) takes the core's
 * closed-form gradient.
 * @module
 */
import type { Loss } from '../../core/loss.js';
import { lossFactory } from '../compose.js';
import { tfLossFromCore } from '../fromCore.js';
import type { TfLossFactory } from '../types.js';

export { tfLossFromCore };

/** A TF.js loss factory over a core factory (options validated by the core, with its messages). */
export function tfFactoryFromCore<O>(make: (options?: O) => Loss): TfLossFactory<O> {
  return lossFactory((options?: O) => tfLossFromCore(make(options)));
}
