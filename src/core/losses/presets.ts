/**
 * The ready-made combinations segmentation_models exports (`losses.py`), under camelCase names. The single
 * losses are their factories themselves (`diceLoss`, `jaccardLoss`, … are also default instances).
 * @module
 */
import { binaryCrossentropy } from './binaryCrossentropy.js';
import { binaryFocalLoss } from './binaryFocalLoss.js';
import { categoricalCrossentropy } from './categoricalCrossentropy.js';
import { categoricalFocalLoss } from './categoricalFocalLoss.js';
import { diceLoss } from './diceLoss.js';
import { jaccardLoss } from './jaccardLoss.js';
import type { Loss } from '../loss.js';

/** sm `bce_dice_loss` = `binary_crossentropy + dice_loss`, named `binary_crossentropy_plus_dice_loss`. @example bceDiceLoss.valueAndGrad(gt, pr) */
export const bceDiceLoss: Loss = binaryCrossentropy.plus(diceLoss);
/** sm `bce_jaccard_loss` = `binary_crossentropy + jaccard_loss`, named `binary_crossentropy_plus_jaccard_loss`. @example bceJaccardLoss.value(gt, pr) */
export const bceJaccardLoss: Loss = binaryCrossentropy.plus(jaccardLoss);
/** sm `cce_dice_loss` = `categorical_crossentropy + dice_loss`, named `categorical_crossentropy_plus_dice_loss`. @example cceDiceLoss.value(gt, pr) */
export const cceDiceLoss: Loss = categoricalCrossentropy.plus(diceLoss);
/** sm `cce_jaccard_loss` = `categorical_crossentropy + jaccard_loss`, named `categorical_crossentropy_plus_jaccard_loss`. @example cceJaccardLoss.value(gt, pr) */
export const cceJaccardLoss: Loss = categoricalCrossentropy.plus(jaccardLoss);
/** sm `binary_focal_dice_loss` = `binary_focal_loss + dice_loss`, named `binary_focal_loss_plus_dice_loss`. @example binaryFocalDiceLoss.value(gt, pr) */
export const binaryFocalDiceLoss: Loss = binaryFocalLoss.plus(diceLoss);
/** sm `binary_focal_jaccard_loss` = `binary_focal_loss + jaccard_loss`, named `binary_focal_loss_plus_jaccard_loss`. @example binaryFocalJaccardLoss.value(gt, pr) */
export const binaryFocalJaccardLoss: Loss = binaryFocalLoss.plus(jaccardLoss);
/** sm `categorical_focal_dice_loss` = `categorical_focal_loss + dice_loss`, named `focal_loss_plus_dice_loss`. @example categoricalFocalDiceLoss.value(gt, pr) */
export const categoricalFocalDiceLoss: Loss = categoricalFocalLoss.plus(diceLoss);
/** sm `categorical_focal_jaccard_loss` = `categorical_focal_loss + jaccard_loss`, named `focal_loss_plus_jaccard_loss`. @example categoricalFocalJaccardLoss.value(gt, pr) */
export const categoricalFocalJaccardLoss: Loss = categoricalFocalLoss.plus(jaccardLoss);
