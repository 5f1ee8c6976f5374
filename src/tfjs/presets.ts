/**
 * The ready-made loss combinations segmentation_models exports (`sm.losses.bce_dice_loss`, …), under
 * camelCase names, as TF.js losses.
 * @module
 */
import { binaryCrossentropy, categoricalCrossentropy } from './crossentropy.js';
import { binaryFocalLoss, categoricalFocalLoss } from './focal.js';
import { diceLoss, jaccardLoss } from './regionLoss.js';
import type { TfLoss } from './types.js';

/** sm `bce_dice_loss` = binary cross-entropy + Dice loss, named `binary_crossentropy_plus_dice_loss`. */
export const bceDiceLoss: TfLoss = binaryCrossentropy.plus(diceLoss);
/** sm `bce_jaccard_loss` = binary cross-entropy + Jaccard loss. */
export const bceJaccardLoss: TfLoss = binaryCrossentropy.plus(jaccardLoss);
/** sm `cce_dice_loss` = categorical cross-entropy + Dice loss. */
export const cceDiceLoss: TfLoss = categoricalCrossentropy.plus(diceLoss);
/** sm `cce_jaccard_loss` = categorical cross-entropy + Jaccard loss. */
export const cceJaccardLoss: TfLoss = categoricalCrossentropy.plus(jaccardLoss);
/** sm `binary_focal_dice_loss` = binary focal loss + Dice loss. */
export const binaryFocalDiceLoss: TfLoss = binaryFocalLoss.plus(diceLoss);
/** sm `binary_focal_jaccard_loss` = binary focal loss + Jaccard loss. */
export const binaryFocalJaccardLoss: TfLoss = binaryFocalLoss.plus(jaccardLoss);
/** sm `categorical_focal_dice_loss` = categorical focal loss + Dice loss. */
export const categoricalFocalDiceLoss: TfLoss = categoricalFocalLoss.plus(diceLoss);
/** sm `categorical_focal_jaccard_loss` = categorical focal loss + Jaccard loss. */
export const categoricalFocalJaccardLoss: TfLoss = categoricalFocalLoss.plus(jaccardLoss);
