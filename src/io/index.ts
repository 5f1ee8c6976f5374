/**
 * segkit/io — Node-only readers for mask files (PNG, NIfTI-1), pairing of folders, and atomic writes.
 * @packageDocumentation
 */
export type { DecodeOptions, LabelArray, Mask, MaskFormat, Palette } from './types.js';
export { DataError } from './errors.js';
export { decodePngMask, MAX_PIXELS } from './decodePng.js';
export { decodeNiftiMask, encodeNifti, formatIndex } from './nifti.js';
export { parsePalette } from './palette.js';
export { decodeMask, formatOf, MASK_EXTENSIONS, readMask, readMaskSync } from './readMask.js';
export { decodeMaskPair, maskHeader, readMaskPairSync } from './readPair.js';
export type { MaskHeader, MaskPair, PairOptions } from './readPair.js';
export { listMasks, maskKey, pairMasks } from './pairMasks.js';
export type { MaskFile, Pairing } from './pairMasks.js';
export { writeFileAtomic, writeFilesAtomic } from './writeFileAtomic.js';
export { checkLabels, firstInvalidLabel } from './checkLabels.js';
