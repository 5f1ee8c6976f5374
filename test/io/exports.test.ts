import { describe, expect, it } from 'vitest';
import * as io from '../../src/io/index.js';

describe('segkit/io', () => {
  it('exports exactly these names (a change here is an API change)', () => {
    expect(Object.keys(io).sort()).toEqual([
      'DataError',
      'MASK_EXTENSIONS',
      'MAX_PIXELS',
      'checkLabels',
      'decodeMask',
      'decodeMaskPair',
      'decodeNiftiMask',
      'decodePngMask',
      'encodeNifti',
      'firstInvalidLabel',
      'formatIndex',
      'formatOf',
      'listMasks',
      'maskHeader',
      'maskKey',
      'pairMasks',
      'parsePalette',
      'readMask',
      'readMaskPairSync',
      'readMaskSync',
      'writeFileAtomic',
      'writeFilesAtomic',
    ]);
  });
});
