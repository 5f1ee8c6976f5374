/**
 * Reference cases segkit declines although an adapter maps their options, by `<folder>/<case id>`, with the
 * reason (listed in the README compatibility table). Cases whose options have no segkit counterpart are
 * declined by the adapters themselves (./adapters.ts).
 */
/** MONAI cases whose pr is out of the domain of a probability loss (the README's declined table says why). */
const ONE_CHANNEL_SOFTMAX =
  'one channel with softmax=True: MONAI skips the softmax (a warning) and scores the raw logits as probabilities (values outside [0, 1]); segkit raises a RangeError for pr outside [0, 1]';

export const DECLINED: Record<string, string> = {
  'monai/DiceCELoss/seed13/0030': ONE_CHANNEL_SOFTMAX,
  'monai/DiceCELoss/seed13/0031': ONE_CHANNEL_SOFTMAX,
  'monai/DiceFocalLoss/seed13/0011': ONE_CHANNEL_SOFTMAX,
  'monai/GeneralizedDiceLoss/seed13/0010': ONE_CHANNEL_SOFTMAX,
  'monai/TverskyLoss/seed13/0020': ONE_CHANNEL_SOFTMAX,
  'smp/FocalLoss/seed14/0001':
    "smp raises RuntimeError (class_weights with reduction='none' in multiclass mode); segkit computes the loss",
  'smp/FocalLoss/seed14/0002':
    'smp raises IndexError (multilabel + ignore_index + class_weights index a flattened tensor); segkit computes the loss',
  'smp/LovaszLoss/seed14/0024':
    'smp raises IndexError: multiclass mode reads a 3-D pr (N, C, L) as a sigmoid output (B, H, W); segkit computes the loss',
  'smp/LovaszLoss/seed14/0030':
    'smp raises IndexError: multiclass mode reads a 3-D pr (N, C, L) as a sigmoid output (B, H, W); segkit computes the loss',
  'smp/LovaszLoss/seed14/0034':
    'multiclass with every pixel ignored: smp returns an empty tensor of shape (0, C); segkit returns 0',
  'smp/LovaszLoss/seed14/0035':
    'multiclass per_image with the first image fully ignored: smp returns an empty tensor of shape (0, C); segkit averages the images (an ignored image adds 0)',
  'smp/LovaszLoss/seed14/0036':
    'smp raises RuntimeError (multiclass per_image with a later image fully ignored); segkit computes the loss',
  'smp/LovaszLoss/seed14/0037':
    'multiclass with every pixel ignored: smp returns an empty tensor of shape (0, C); segkit returns 0',
};

/**
 * Reference behaviours segkit declines that no vector file holds (so no case id): each is checked by a hand case
 * in ./newLosses.test.ts and listed in the README with the reason.
 */
export const DECLINED_WITHOUT_VECTOR: Record<string, string> = {
  'smp/TverskyLoss: log_loss=True, gamma < 1, every class empty':
    'smp gives a NaN gradient where the loss is the constant 0 (torch differentiates mean^γ at 0: γ·0^(γ−1)·0 = ∞·0); segkit returns loss 0 with gradient 0, the derivative of the constant',
};
