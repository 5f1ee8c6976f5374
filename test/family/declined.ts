/**
 * Reference cases segkit declines although an adapter maps their options, by `<folder>/<case id>`, with the
 * reason (listed in the README compatibility table). Cases whose options have no segkit counterpart are
 * declined by the adapters themselves (./adapters.ts).
 */
export const DECLINED: Record<string, string> = {
  'smp/FocalLoss/seed14/0001':
    "smp raises RuntimeError (class_weights with reduction='none' in multiclass mode); segkit computes the loss",
  'smp/FocalLoss/seed14/0002':
    'smp raises IndexError (multilabel + ignore_index + class_weights index a flattened tensor); segkit computes the loss',
};
